import Decimal from 'decimal.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import type { BankFile, ParsedEntry } from '../../../core/bank-matching';
import { invalid } from '../../../core/errors';

/**
 * ISO 20022 bank-to-customer files (#24): CAMT.053 statements and CAMT.054 credit notifications, versions 001.02
 * to 001.13 (the fields read here did not move between them, except the status code and the party wrapper, both
 * read in either shape). A batch booking (one entry, several transactions) becomes one entry per transaction, since
 * each is a different customer's payment. Amounts stay decimal strings from the file; nothing is a float.
 */

const text = z.union([z.string(), z.number().transform(String)]);
const many = <T extends z.ZodType>(t: T) => z.array(t).optional().default([]);
const Amount = z.object({
  '#text': text.pipe(z.string().regex(/^\d{1,14}(\.\d{1,5})?$/, 'an amount like 120.50')),
  '@Ccy': z.string().regex(/^[A-Z]{3}$/, 'a currency code like EUR'),
});
const day = text.pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'a date like 2026-12-01'));
const DateChoice = z
  .object({ Dt: day.optional(), DtTm: day.optional() })
  .refine((d) => d.Dt || d.DtTm, 'a date (Dt or DtTm)')
  .transform((d) => (d.Dt ?? d.DtTm ?? '').slice(0, 10));
const Party = z
  .object({ Nm: text.optional(), Pty: z.object({ Nm: text.optional() }).optional() })
  .transform((p) => p.Nm ?? p.Pty?.Nm ?? null);
const Account = z
  .object({ Id: z.object({ IBAN: text.optional(), Othr: z.object({ Id: text }).optional() }) })
  .transform((a) => a.Id.IBAN ?? a.Id.Othr?.Id ?? null);
const Charges = z.object({
  TtlChrgsAndTaxAmt: Amount.optional(),
  Rcrd: many(z.object({ Amt: Amount, ChrgInclInd: z.union([z.boolean(), text]).optional() })),
});
const Remittance = z.object({
  Ustrd: many(text),
  Strd: many(z.object({ CdtrRefInf: z.object({ Ref: text.optional() }).optional() })),
});
const Transaction = z.object({
  Refs: z
    .object({
      AcctSvcrRef: text.optional(),
      EndToEndId: text.optional(),
      TxId: text.optional(),
    })
    .optional(),
  Amt: Amount.optional(),
  AmtDtls: z.object({ TxAmt: z.object({ Amt: Amount }).optional() }).optional(),
  CdtDbtInd: z.enum(['CRDT', 'DBIT']).optional(),
  RltdPties: z
    .object({ Dbtr: Party.optional(), DbtrAcct: Account.optional(), Cdtr: Party.optional() })
    .optional(),
  RmtInf: Remittance.optional(),
  Chrgs: Charges.optional(),
});
const Entry = z.object({
  NtryRef: text.optional(),
  Amt: Amount,
  CdtDbtInd: z.enum(['CRDT', 'DBIT']),
  RvslInd: z.union([z.boolean(), text]).optional(),
  Sts: z.union([text, z.object({ Cd: text.optional(), Prtry: text.optional() })]).optional(),
  BookgDt: DateChoice.optional(),
  ValDt: DateChoice.optional(),
  AcctSvcrRef: text.optional(),
  Chrgs: Charges.optional(),
  NtryDtls: many(z.object({ TxDtls: many(Transaction) })),
});
const Balance = z.object({
  Tp: z.object({ CdOrPrtry: z.object({ Cd: text.optional(), Prtry: text.optional() }) }),
  Amt: Amount,
  CdtDbtInd: z.enum(['CRDT', 'DBIT']),
});
const Report = z.object({
  Id: text,
  FrToDt: z.object({ FrDtTm: day, ToDtTm: day }).optional(),
  CreDtTm: text.optional(),
  Acct: z.object({
    Id: z.object({ IBAN: text.optional(), Othr: z.object({ Id: text }).optional() }),
    Ccy: text.optional(),
  }),
  Bal: many(Balance),
  Ntry: many(Entry),
});
const StatementDocument = z.object({
  Document: z.object({ BkToCstmrStmt: z.object({ Stmt: z.array(Report).min(1) }) }),
});
const NotificationDocument = z.object({
  Document: z.object({ BkToCstmrDbtCdtNtfctn: z.object({ Ntfctn: z.array(Report).min(1) }) }),
});

const ARRAYS = new Set(['Stmt', 'Ntfctn', 'Ntry', 'NtryDtls', 'TxDtls', 'Bal', 'Ustrd', 'Strd', 'Rcrd']);
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ARRAYS.has(name),
});

const signed = (amount: { '#text': string }, ind: 'CRDT' | 'DBIT') => {
  const v = new Decimal(amount['#text']);
  return (ind === 'DBIT' ? v.neg() : v).toFixed(2);
};

const chargesOf = (c: z.infer<typeof Charges> | undefined): string | null => {
  if (!c) return null;
  if (c.TtlChrgsAndTaxAmt) return new Decimal(c.TtlChrgsAndTaxAmt['#text']).toFixed(2);
  // Charges the bank took out of the amount credited (ChrgInclInd true, the default) are what the customer paid
  // on top of what arrived; charges billed separately are not.
  const taken = c.Rcrd.filter((r) => r.ChrgInclInd === undefined || String(r.ChrgInclInd) === 'true');
  if (taken.length === 0) return null;
  return taken.reduce((s, r) => s.plus(r.Amt['#text']), new Decimal(0)).toFixed(2);
};

const remittanceOf = (r: z.infer<typeof Remittance> | undefined) => ({
  remittance: (r?.Ustrd ?? []).join(' ').replace(/\s+/g, ' ').trim(),
  structuredRef: r?.Strd.map((s) => s.CdtrRefInf?.Ref).find((x) => x) ?? null,
});

/** Where a zod problem is, in the words of the file: "statement 1, entry 3, Amt". */
const whereIn = (path: PropertyKey[]) => {
  const out: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const k = String(path[i]);
    const next = path[i + 1];
    if (['Stmt', 'Ntfctn', 'Ntry', 'TxDtls', 'Bal'].includes(k) && typeof next === 'number') {
      const name = {
        Stmt: 'statement',
        Ntfctn: 'notification',
        Ntry: 'entry',
        TxDtls: 'transaction',
        Bal: 'balance',
      }[k as 'Stmt'];
      out.push(`${name} ${next + 1}`);
      i++;
    } else if (
      !['Document', 'BkToCstmrStmt', 'BkToCstmrDbtCdtNtfctn', 'NtryDtls'].includes(k) &&
      typeof path[i] !== 'number'
    )
      out.push(k);
  }
  return out.join(', ');
};

/**
 * Reads a CAMT.053 or CAMT.054 file into statements. A file that is not well-formed is refused with its line and
 * column; one without the elements a statement needs, with where in the file they are missing.
 */
export const parseCamt = (content: string): BankFile[] => {
  if (/<!DOCTYPE/i.test(content))
    throw invalid('file', 'A bank file never declares a DOCTYPE; this one does, so it is not read');
  const valid = XMLValidator.validate(content);
  if (valid !== true)
    throw invalid('file', `line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  const raw = parser.parse(content) as { Document?: Record<string, unknown> };
  const isStatement = raw.Document !== undefined && 'BkToCstmrStmt' in raw.Document;
  if (!isStatement && !(raw.Document && 'BkToCstmrDbtCdtNtfctn' in raw.Document))
    throw invalid(
      'file',
      'Neither a CAMT.053 statement nor a CAMT.054 notification: no BkToCstmrStmt or BkToCstmrDbtCdtNtfctn',
    );
  const parsed = isStatement ? StatementDocument.safeParse(raw) : NotificationDocument.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? whereIn(issue.path) : '';
    throw invalid(
      'file',
      `Not a CAMT.053 or CAMT.054 file the way it should be${where ? ` at ${where}` : ''}: ${issue?.message ?? 'unreadable'}`,
    );
  }
  const doc = parsed.data.Document;
  const reports = 'BkToCstmrStmt' in doc ? doc.BkToCstmrStmt.Stmt : doc.BkToCstmrDbtCdtNtfctn.Ntfctn;
  return reports.map((r) => {
    const account = r.Acct.Id.IBAN ?? r.Acct.Id.Othr?.Id ?? '';
    const balance = (code: string) => {
      const b = r.Bal.find((x) => x.Tp.CdOrPrtry.Cd === code);
      return b ? signed(b.Amt, b.CdtDbtInd) : null;
    };
    const entries: ParsedEntry[] = [];
    r.Ntry.forEach((n, ni) => {
      const status = typeof n.Sts === 'string' ? n.Sts : (n.Sts?.Cd ?? n.Sts?.Prtry ?? 'BOOK');
      // Pending and informational entries are not money on the account yet: the booked one will come.
      if (status !== 'BOOK') return;
      const reversal = n.RvslInd !== undefined && String(n.RvslInd) === 'true';
      const bookedOn = n.BookgDt ?? n.ValDt ?? r.FrToDt?.ToDtTm.slice(0, 10) ?? '';
      const txs = n.NtryDtls.flatMap((d) => d.TxDtls);
      const base = n.AcctSvcrRef ?? n.NtryRef ?? `${r.Id}/${ni + 1}`;
      if (txs.length <= 1) {
        const tx = txs[0];
        entries.push({
          ref: tx?.Refs?.AcctSvcrRef ?? base,
          bookedOn,
          amount: signed(n.Amt, n.CdtDbtInd),
          currency: n.Amt['@Ccy'],
          counterpartyName: (n.CdtDbtInd === 'CRDT' ? tx?.RltdPties?.Dbtr : tx?.RltdPties?.Cdtr) ?? null,
          counterpartyIban: tx?.RltdPties?.DbtrAcct ?? null,
          ...remittanceOf(tx?.RmtInf),
          endToEndId: tx?.Refs?.EndToEndId ?? null,
          charges: chargesOf(tx?.Chrgs ?? n.Chrgs),
          reversal,
        });
        return;
      }
      txs.forEach((tx, ti) => {
        const amt = tx.AmtDtls?.TxAmt?.Amt ?? tx.Amt;
        if (!amt) throw invalid('file', `Entry ${ni + 1}, transaction ${ti + 1} of a batch has no amount`);
        const ind = tx.CdtDbtInd ?? n.CdtDbtInd;
        entries.push({
          ref: tx.Refs?.AcctSvcrRef ?? `${base}/${ti + 1}`,
          bookedOn,
          amount: signed(amt, ind),
          currency: amt['@Ccy'],
          counterpartyName: (ind === 'CRDT' ? tx.RltdPties?.Dbtr : tx.RltdPties?.Cdtr) ?? null,
          counterpartyIban: tx.RltdPties?.DbtrAcct ?? null,
          ...remittanceOf(tx.RmtInf),
          endToEndId: tx.Refs?.EndToEndId ?? null,
          charges: chargesOf(tx.Chrgs),
          reversal,
        });
      });
    });
    const dates = entries.map((e) => e.bookedOn).sort();
    return {
      format: isStatement ? 'camt053' : 'camt054',
      reference: r.Id,
      account,
      currency: r.Acct.Ccy ?? entries[0]?.currency ?? null,
      from: r.FrToDt?.FrDtTm.slice(0, 10) ?? dates[0] ?? null,
      to: r.FrToDt?.ToDtTm.slice(0, 10) ?? dates[dates.length - 1] ?? null,
      opening: balance('OPBD') ?? balance('PRCD'),
      closing: balance('CLBD'),
      entries,
    } satisfies BankFile;
  });
};
