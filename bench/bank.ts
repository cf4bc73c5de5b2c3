import Decimal from 'decimal.js';
import { importBankFile, MATCH_AT_ONCE } from '../src/app/collections/bank-import';
import { matchStatement } from '../src/app/collections/bank-matching';
import { requestWriteOff } from '../src/app/collections/write-offs';
import type { Deps } from '../src/app/ports';
import { type Principal, SYSTEM_ACTOR } from '../src/core/principal';
import { openItemsFor } from '../src/db/queries/bank';

/**
 * B12: a bank statement of up to `asked` credits imported as the office imports it: parsed, validated and stored
 * once in the request, then matched by the background job against every open invoice of the organization
 * (B10/B11's unpaid cycle invoices). Three credits
 * in four quote their invoice number and are applied (each a payment recorded, audited and queued for the
 * books); the fourth comes from an unknown payer and waits with suggestions. Then the same file again, which
 * must add nothing.
 */
export const bankImport = async (deps: Deps, organizationId: string, asked: number) => {
  const { rows } = await deps.database.raw.query<{ currency: string }>(
    'SELECT currency FROM organizations WHERE id = $1',
    [organizationId],
  );
  const currency = rows[0]?.currency ?? 'EUR';
  // As many credits as asked, or as there are invoices owed (a quick run leaves fewer).
  const open = (await openItemsFor(deps.database.raw, organizationId, [currency])).slice(0, asked);
  if (open.length <= MATCH_AT_ONCE) throw new Error(`only ${open.length} open invoices to pay`);
  const size = open.length;
  const entries = open
    .map((o, i) => {
      const quoted = i % 4 !== 3;
      return `<Ntry><Amt Ccy="${currency}">${new Decimal(o.outstanding).toFixed(2)}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-12-04</Dt></BookgDt><AcctSvcrRef>BENCH-${i}</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>${quoted ? 'Customer' : `Stranger ${i}`}</Nm></Pty></Dbtr></RltdPties>
<RmtInf><Ustrd>${quoted ? `Invoice ${o.number}` : 'payment'}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`;
    })
    .join('\n');
  const content = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-12-04T22:00:00</CreDtTm></GrpHdr>
<Stmt><Id>BENCH-${size}</Id><Acct><Id><IBAN>IE29AIBK93115212345678</IBAN></Id></Acct>
${entries}
</Stmt></BkToCstmrStmt></Document>`;
  // Stored in the request; matched by the `bank.match` job, run here directly as the worker runs it.
  const t0 = performance.now();
  const first = await importBankFile(deps, organizationId, { fileName: 'bench.xml', content }, SYSTEM_ACTOR);
  const storeMs = performance.now() - t0;
  const statementId = first.statementIds[0];
  if (!statementId || first.background !== size) throw new Error('the statement was not left to the job');
  const t2 = performance.now();
  const matched = await matchStatement(deps, organizationId, statementId);
  const matchMs = performance.now() - t2;
  const t1 = performance.now();
  const again = await importBankFile(deps, organizationId, { fileName: 'bench.xml', content }, SYSTEM_ACTOR);
  const againMs = performance.now() - t1;
  if (again.added.length !== 0) throw new Error(`the same file again added ${again.added.length}`);
  return { size, bytes: content.length, ...matched, storeMs, matchMs, againMs };
};

/**
 * B13: balances written off one at a time, as the owner does from the invoice page (applied at once): the
 * invoice settled, its jobs, the audit on two chains, the webhook and the accounting pushes, per write-off.
 */
export const writeOffs = async (deps: Deps, organizationId: string, asked: number) => {
  const { rows } = await deps.database.raw.query<{ id: string; currency: string }>(
    `SELECT u.id, o.currency FROM users u JOIN organizations o ON o.id = u.organization_id
      WHERE u.organization_id = $1 AND 'owner' = ANY(u.roles) LIMIT 1`,
    [organizationId],
  );
  const owner = rows[0];
  if (!owner) throw new Error('no owner to write off with');
  const principal: Principal = {
    kind: 'user',
    userId: owner.id,
    organizationId,
    roles: ['owner'],
    sessionTokenHash: '',
    csrfToken: '',
  };
  const open = (await openItemsFor(deps.database.raw, organizationId, [owner.currency])).slice(0, asked);
  const times: number[] = [];
  for (const o of open) {
    const { rows: v } = await deps.database.raw.query<{ version: number }>(
      'SELECT version FROM invoices WHERE organization_id = $1 AND id = $2',
      [organizationId, o.invoiceId],
    );
    const t0 = performance.now();
    const r = await requestWriteOff(deps, principal, o.invoiceId, {
      amount: o.outstanding,
      reason: 'uncollectible',
      note: 'Bench: customer gone',
      version: v[0]?.version ?? 0,
    });
    times.push(performance.now() - t0);
    if (r.writeOff.status !== 'applied') throw new Error(`write-off ${r.writeOff.status}`);
  }
  return times;
};
