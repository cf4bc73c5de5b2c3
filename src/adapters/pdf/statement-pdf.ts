import Decimal from 'decimal.js';
import type { StatementPrint } from '../../app/documents-port';
import { translator } from '../../core/i18n';
import { addressLines, BOLD, collect, newPdf, numberPages, PAGE, REGULAR, row } from './pdf-kit';

/**
 * The statement of account: who and for which period, what is owed now and how late, then every movement in
 * the period with the balance after it, and the open items at the end. Amounts the customer owes are plain;
 * what they are owed shows as a credit.
 */
export const renderStatementPdf = async (p: StatementPrint, logo: Buffer | null): Promise<Buffer> => {
  const s = p.statement;
  const w = translator(p.language);
  const forCustomer = w.t('statement.forCustomer', { customer: p.customer.name });
  const pdf = newPdf(
    {
      size: 'A4',
      margin: 50,
      bufferPages: true,
      info: { Title: forCustomer, Author: p.seller.name },
    },
    [p.seller, p.customer, s.lines.map((l) => l.reference)],
  );
  const done = collect(pdf);
  const money = (a: string) => w.amount(a, p.currency);
  const printDate = w.date;
  const signed = (a: string) =>
    a.startsWith('-') ? w.t('statement.credit', { amount: money(a.slice(1)) }) : money(a);
  // A movement that lowers what they owe shows with a minus; "credit" is kept for a balance in their favour.
  const movement = (a: string) => (a.startsWith('-') ? `−${money(a.slice(1))}` : money(a));
  if (logo) {
    try {
      pdf.image(logo, PAGE.left, 45, { fit: [140, 50] });
    } catch {
      pdf.font(BOLD).fontSize(16).fillColor(p.seller.color).text(p.seller.name, PAGE.left, 50);
    }
  } else pdf.font(BOLD).fontSize(16).fillColor(p.seller.color).text(p.seller.name, PAGE.left, 50);
  pdf
    .fillColor(p.seller.color)
    .font(BOLD)
    .fontSize(18)
    .text(w.t('statement.title'), 300, 50, { width: 245, align: 'right' });
  pdf.fillColor('black').font(REGULAR).fontSize(9);
  pdf.text(
    [
      w.t('statement.period', { from: printDate(s.from), to: printDate(s.to) }),
      w.t('statement.madeOn', { date: printDate(p.madeOn) }),
    ].join('\n'),
    300,
    74,
    { width: 245, align: 'right' },
  );
  pdf
    .fontSize(8)
    .text(
      [p.seller.name, ...(p.seller.address ? addressLines(p.seller.address) : [])].join('\n'),
      PAGE.left,
      100,
      {
        width: 240,
      },
    );
  pdf.font(BOLD).fontSize(10).text(p.customer.name, 300, 110, { width: 245 });
  pdf.font(REGULAR).fontSize(9).text(addressLines(p.customer.address).join('\n'), 300, pdf.y, { width: 245 });

  // What is owed now, and how late: the figure the customer looks for first.
  let y = Math.max(pdf.y, 160) + 16;
  pdf
    .font(BOLD)
    .fontSize(12)
    .text(w.t('statement.balanceOn', { date: printDate(s.to), amount: signed(s.closing) }), PAGE.left, y);
  y = pdf.y + 6;
  const bands = s.aging.filter((a) => !new Decimal(a.amount).isZero());
  if (bands.length > 0) {
    const width = (PAGE.right - PAGE.left) / bands.length;
    y = row(
      pdf,
      y,
      bands.map((a, i) => ({
        text: w.t(`statement.ages.${a.band}`),
        x: PAGE.left + i * width,
        width: width - 6,
      })),
      true,
    );
    y = row(
      pdf,
      y,
      bands.map((a, i) => ({ text: money(a.amount), x: PAGE.left + i * width, width: width - 6 })),
    );
  }
  if (p.seller.iban && !s.closing.startsWith('-') && Number(s.closing) > 0)
    pdf
      .font(REGULAR)
      .fontSize(9)
      .text(w.t('statement.transfer', { iban: p.seller.iban }), PAGE.left, y + 4);
  y = pdf.y + 14;

  pdf.font(BOLD).fontSize(11).text(w.t('statement.activity'), PAGE.left, y);
  y = pdf.y + 4;
  const cols = (date: string, what: string, amount: string, balance: string) => [
    { text: date, x: PAGE.left, width: 80 },
    { text: what, x: 135, width: 230 },
    { text: amount, x: 370, width: 85, align: 'right' as const },
    { text: balance, x: 460, width: 85, align: 'right' as const },
  ];
  y = row(
    pdf,
    y,
    cols(
      w.t('statement.columns.date'),
      w.t('statement.columns.what'),
      w.t('statement.columns.amount'),
      w.t('statement.columns.balance'),
    ),
    true,
  );
  y = row(pdf, y, cols(printDate(s.from), w.t('statement.broughtForward'), '', signed(s.opening)));
  for (const l of s.lines)
    y = row(
      pdf,
      y,
      cols(
        printDate(l.date),
        `${w.t(`statement.entries.${l.kind}`)} ${l.kind === 'invoice' || l.kind === 'credit_note' ? l.number : w.t('statement.onDocument', { number: l.number })}${l.reference ? ` (${l.reference})` : ''}`,
        movement(l.amount),
        signed(l.balance),
      ),
    );
  y = row(pdf, y, cols(printDate(s.to), w.t('statement.carried'), '', signed(s.closing)), true);

  y += 12;
  pdf.font(BOLD).fontSize(11).text(w.t('statement.openItems'), PAGE.left, y);
  y = pdf.y + 4;
  const open = (n: string, issued: string, due: string, late: string, amount: string) => [
    { text: n, x: PAGE.left, width: 110 },
    { text: issued, x: 165, width: 90 },
    { text: due, x: 260, width: 90 },
    { text: late, x: 355, width: 95 },
    { text: amount, x: 460, width: 85, align: 'right' as const },
  ];
  if (s.open.length === 0) pdf.font(REGULAR).fontSize(9).text(w.t('statement.nothingOpen'), PAGE.left, y);
  else {
    y = row(
      pdf,
      y,
      open(
        w.t('statement.openColumns.invoice'),
        w.t('statement.openColumns.issued'),
        w.t('statement.openColumns.due'),
        w.t('statement.openColumns.overdue'),
        w.t('statement.openColumns.open'),
      ),
      true,
    );
    for (const o of s.open)
      y = row(
        pdf,
        y,
        open(
          o.number,
          o.issueDate ? printDate(o.issueDate) : '',
          o.dueDate ? printDate(o.dueDate) : w.t('statement.onReceipt'),
          o.daysOverdue > 0
            ? o.daysOverdue === 1
              ? w.t('statement.oneDay')
              : w.t('statement.days', { count: o.daysOverdue })
            : '',
          signed(o.amount),
        ),
      );
  }
  numberPages(pdf, forCustomer, w);
  pdf.end();
  return done;
};
