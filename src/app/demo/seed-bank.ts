import Decimal from 'decimal.js';
import { eq } from 'drizzle-orm';
import { SYSTEM_ACTOR } from '../../core/principal';
import { addDays, businessDate } from '../../core/time';
import { openItemsFor } from '../../db/queries/bank';
import { customers, organizations } from '../../db/schema';
import { importBankFile } from '../collections/bank-import';
import type { Deps } from '../ports';

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

type Credit = { amount: string; name: string; iban: string | null; text: string; debit?: boolean };

const camt053 = (day: string, iban: string, entries: Credit[]) => `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>DEMO-${day}</MsgId><CreDtTm>${day}T22:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>DEMO-STMT-${day}</Id>
      <FrToDt><FrDtTm>${day}T00:00:00</FrDtTm><ToDtTm>${day}T23:59:59</ToDtTm></FrToDt>
      <Acct><Id><IBAN>${iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>
${entries
  .map(
    (e, i) => `      <Ntry>
        <Amt Ccy="EUR">${e.amount}</Amt><CdtDbtInd>${e.debit ? 'DBIT' : 'CRDT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>${day}</Dt></BookgDt><AcctSvcrRef>DEMO-${day}-${i + 1}</AcctSvcrRef>
        <NtryDtls><TxDtls><RltdPties>${
          e.debit
            ? `<Cdtr><Pty><Nm>${xml(e.name)}</Nm></Pty></Cdtr>`
            : `<Dbtr><Pty><Nm>${xml(e.name)}</Nm></Pty></Dbtr>${e.iban ? `<DbtrAcct><Id><IBAN>${e.iban}</IBAN></Id></DbtrAcct>` : ''}`
        }</RltdPties><RmtInf><Ustrd>${xml(e.text)}</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>`,
  )
  .join('\n')}
    </Stmt>
  </BkToCstmrStmt>
</Document>`;

/**
 * Yesterday's bank statement, imported the way the office would: one customer quoted the invoice number and
 * rounded the amount up (applied by itself, the rest kept as their credit), one paid exactly what they owed under their own name (applied too), one payer nobody knows sent an
 * amount that fits an invoice (waiting for a click), the owner moved money in from savings (to set aside), and
 * a supplier was paid (money out).
 */
export const seedDemoBank = async (deps: Deps, organizationId: string) => {
  const [org] = await deps.database.db
    .select({ timeZone: organizations.timeZone, iban: organizations.iban })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) return;
  const open = (await openItemsFor(deps.database.raw, organizationId, ['EUR'])).filter(
    (i) => i.number && i.customerId,
  );
  const unique = (amount: string) => open.filter((o) => o.outstanding === amount).length === 1;
  // The newest invoices (the oldest stay owed, so reminders and disputes keep their story).
  const newest = [...open].reverse();
  const quoted = newest[0];
  const named = newest.find((o) => o.customerId !== quoted?.customerId && unique(o.outstanding));
  const fits = newest.find(
    (o) => o !== quoted && o !== named && o.customerId !== named?.customerId && unique(o.outstanding),
  );
  if (!quoted || !named || !fits) return;
  const names = await deps.database.db
    .select({ id: customers.id, name: customers.name })
    .from(customers)
    .where(eq(customers.organizationId, organizationId));
  const nameOf = (id: string) => names.find((n) => n.id === id)?.name ?? 'Customer';
  const money = (v: string) => new Decimal(v).toFixed(2);
  const day = addDays(businessDate(deps.clock.now(), org.timeZone), -1);
  const content = camt053(day, org.iban ?? 'IE29AIBK93115212345678', [
    {
      // Rounded up to the next ten: the rest is kept as the customer's credit for their next invoice.
      amount: new Decimal(quoted.outstanding).div(10).floor().plus(1).times(10).toFixed(2),
      name: nameOf(quoted.customerId).toUpperCase(),
      iban: 'IE64IRCE92050112345678',
      text: `Invoice ${quoted.number} thank you`,
    },
    { amount: money(named.outstanding), name: nameOf(named.customerId), iban: null, text: 'Service call' },
    {
      amount: money(fits.outstanding),
      name: 'P. Brennan',
      iban: 'IE02BOFI90001710027952',
      text: 'boiler repair',
    },
    { amount: '2500.00', name: 'Brightwater savings', iban: null, text: 'Transfer for payroll' },
    { amount: '412.38', name: 'Dublin Plumbing Supplies', iban: null, text: 'Parts order 2231', debit: true },
  ]);
  await importBankFile(deps, organizationId, { fileName: `statement-${day}.xml`, content }, SYSTEM_ACTOR);
};
