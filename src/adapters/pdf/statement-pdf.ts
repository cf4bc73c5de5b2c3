import Decimal from 'decimal.js';
import type { StatementPrint } from '../../app/documents-port';
import { printAmount } from '../../core/money';
import { AGE_WORDS, ENTRY_WORDS } from '../../core/statement';
import { printDate } from '../../core/time';
import { addressLines, BOLD, collect, newPdf, numberPages, PAGE, REGULAR, row } from './pdf-kit';

/**
 * The statement of account: who and for which period, what is owed now and how late, then every movement in
 * the period with the balance after it, and the open items at the end. Amounts the customer owes are plain;
 * what they are owed shows as a credit.
 */
export const renderStatementPdf = async (p: StatementPrint, logo: Buffer | null): Promise<Buffer> => {
  const s = p.statement;
  const pdf = newPdf(
    {
      size: 'A4',
      margin: 50,
      bufferPages: true,
      info: { Title: `Statement for ${p.customer.name}`, Author: p.seller.name },
    },
    [p.seller, p.customer, s.lines.map((l) => l.reference)],
  );
  const done = collect(pdf);
  const money = (a: string) => printAmount(a, p.currency);
  const signed = (a: string) => (a.startsWith('-') ? `${money(a.slice(1))} credit` : money(a));
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
    .text('STATEMENT', 300, 50, { width: 245, align: 'right' });
  pdf.fillColor('black').font(REGULAR).fontSize(9);
  pdf.text(
    [`${printDate(s.from)} to ${printDate(s.to)}`, `Made on ${printDate(p.madeOn)}`].join('\n'),
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
    .text(`Balance on ${printDate(s.to)}: ${signed(s.closing)}`, PAGE.left, y);
  y = pdf.y + 6;
  const bands = s.aging.filter((a) => !new Decimal(a.amount).isZero());
  if (bands.length > 0) {
    const width = (PAGE.right - PAGE.left) / bands.length;
    y = row(
      pdf,
      y,
      bands.map((a, i) => ({ text: AGE_WORDS[a.band], x: PAGE.left + i * width, width: width - 6 })),
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
      .text(`Pay by bank transfer to IBAN ${p.seller.iban}, quoting the invoice numbers.`, PAGE.left, y + 4);
  y = pdf.y + 14;

  pdf.font(BOLD).fontSize(11).text('Activity', PAGE.left, y);
  y = pdf.y + 4;
  const cols = (date: string, what: string, amount: string, balance: string) => [
    { text: date, x: PAGE.left, width: 80 },
    { text: what, x: 135, width: 230 },
    { text: amount, x: 370, width: 85, align: 'right' as const },
    { text: balance, x: 460, width: 85, align: 'right' as const },
  ];
  y = row(pdf, y, cols('Date', 'What', 'Amount', 'Balance'), true);
  y = row(pdf, y, cols(printDate(s.from), 'Balance brought forward', '', signed(s.opening)));
  for (const l of s.lines)
    y = row(
      pdf,
      y,
      cols(
        printDate(l.date),
        `${ENTRY_WORDS[l.kind]} ${l.kind === 'invoice' || l.kind === 'credit_note' ? l.number : `on ${l.number}`}${l.reference ? ` (${l.reference})` : ''}`,
        movement(l.amount),
        signed(l.balance),
      ),
    );
  y = row(pdf, y, cols(printDate(s.to), 'Balance carried', '', signed(s.closing)), true);

  y += 12;
  pdf.font(BOLD).fontSize(11).text('Open items', PAGE.left, y);
  y = pdf.y + 4;
  const open = (n: string, issued: string, due: string, late: string, amount: string) => [
    { text: n, x: PAGE.left, width: 110 },
    { text: issued, x: 165, width: 90 },
    { text: due, x: 260, width: 90 },
    { text: late, x: 355, width: 95 },
    { text: amount, x: 460, width: 85, align: 'right' as const },
  ];
  if (s.open.length === 0) pdf.font(REGULAR).fontSize(9).text('Nothing is open.', PAGE.left, y);
  else {
    y = row(pdf, y, open('Invoice', 'Issued', 'Due', 'Overdue', 'Open'), true);
    for (const o of s.open)
      y = row(
        pdf,
        y,
        open(
          o.number,
          o.issueDate ? printDate(o.issueDate) : '',
          o.dueDate ? printDate(o.dueDate) : 'On receipt',
          o.daysOverdue > 0 ? `${o.daysOverdue} ${o.daysOverdue === 1 ? 'day' : 'days'}` : '',
          signed(o.amount),
        ),
      );
  }
  numberPages(pdf, `Statement for ${p.customer.name}`);
  pdf.end();
  return done;
};
