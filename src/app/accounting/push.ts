import Decimal from 'decimal.js';
import { and, eq, sql } from 'drizzle-orm';
import { ConnectorMappings, Credentials } from '../../contracts/connectors';
import { allocate } from '../../core/allocate';
import { AppError, notFound } from '../../core/errors';
import { taxGroupKey } from '../../core/invoice-calc';
import type { Actor } from '../../core/principal';
import { SYSTEM_ACTOR } from '../../core/principal';
import type { Tx } from '../../db/client';
import { accountingPushes, connectors, customers, invoices } from '../../db/schema';
import { appendAudit } from '../audit';
import { recordIntegrationError } from '../integration-errors';
import { documentOf, type InvoiceRow } from '../invoicing/invoice-documents';
import { refusePrivateTargets } from '../outbound-targets';
import type { Deps, Http } from '../ports';
import {
  type AccountingConnector,
  type AccountingInvoice,
  type AccountingLine,
  ConnectorError,
} from './port';

export type ConnectorRow = typeof connectors.$inferSelect;
type Ctx = Pick<Deps, 'clock' | 'ids' | 'queue'>;

/** Attempts (each with pg-boss's backoff between them) before a retryable failure goes to needs_review. */
export const MAX_PUSH_ATTEMPTS = 6;

/** Stable across retries, reprocessing and restarts: the invoice and its revision (an issued document never changes). */
export const idempotencyKeyOf = (invoiceId: string) => `closeout-${invoiceId}-r1`;

// ---------------------------------------------------------------- connectors

export type NewConnector = {
  provider: 'xero' | 'quickbooks';
  tenantId: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  accessToken?: string | null | undefined;
  apiBaseUrl?: string | undefined;
  tokenUrl?: string | undefined;
  mappings: ConnectorMappings;
};

export const createConnector = async (
  deps: Deps,
  organizationId: string,
  input: NewConnector,
  actor: Actor,
) => {
  // Endpoints typed by the owner must be public: a private one would make the server call its own network.
  await refusePrivateTargets(deps, { 'body.apiBaseUrl': input.apiBaseUrl, 'body.tokenUrl': input.tokenUrl });
  return deps.database.transaction(async (tx) => {
    const { defaults } = deps.accounting[input.provider];
    const now = deps.clock.now();
    const id = deps.ids.uuid();
    const credentials: Credentials = {
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      refreshToken: input.refreshToken,
      accessToken: input.accessToken ?? null,
      expiresAt: input.accessToken ? now.getTime() + 25 * 60_000 : 0,
    };
    const [existing] = await tx.db
      .select({ id: connectors.id })
      .from(connectors)
      .where(and(eq(connectors.organizationId, organizationId), eq(connectors.provider, input.provider)));
    if (existing) {
      throw new AppError('already_in_use', `A ${input.provider} connector exists; update it instead`, {
        fields: [{ field: 'body.provider', message: 'already connected' }],
      });
    }
    const [row] = await tx.db
      .insert(connectors)
      .values({
        organizationId,
        id,
        provider: input.provider,
        status: 'active',
        tenantId: input.tenantId,
        apiBaseUrl: input.apiBaseUrl ?? defaults.apiBaseUrl,
        tokenUrl: input.tokenUrl ?? defaults.tokenUrl,
        credentials: deps.secrets.seal(JSON.stringify(credentials)),
        mappings: input.mappings,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'connector',
      aggregateId: id,
      action: 'connector.created',
      actor,
      first: true,
      changes: { provider: input.provider, tenantId: input.tenantId, mappings: input.mappings },
    });
    if (!row) throw new Error('connector insert returned nothing');
    return row;
  });
};

export const updateConnector = (
  deps: Deps,
  organizationId: string,
  id: string,
  patch: { status?: 'active' | 'disabled' | undefined; mappings?: ConnectorMappings | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const [before] = await tx.db
      .select()
      .from(connectors)
      .where(and(eq(connectors.organizationId, organizationId), eq(connectors.id, id)))
      .for('update');
    if (!before) throw notFound('connector');
    const [after] = await tx.db
      .update(connectors)
      .set({ ...patch, updatedAt: deps.clock.now(), version: before.version + 1 })
      .where(and(eq(connectors.organizationId, organizationId), eq(connectors.id, id)))
      .returning();
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'connector',
      aggregateId: id,
      action: 'connector.updated',
      actor,
      changes: {
        ...(patch.status ? { status: { before: before.status, after: patch.status } } : {}),
        ...(patch.mappings ? { mappings: { before: before.mappings, after: patch.mappings } } : {}),
      },
    });
    if (!after) throw new Error('connector update returned nothing');
    return after;
  });

export const listConnectors = (deps: Deps, organizationId: string) =>
  deps.database.db.select().from(connectors).where(eq(connectors.organizationId, organizationId));

/**
 * The settings' Test button: one harmless read with the stored credentials (Xero's organisation, QuickBooks'
 * company info). A failure is an answer, not an error: what the provider said, and whether retrying may help.
 */
export const testConnector = async (deps: Deps & { http?: Http }, organizationId: string, id: string) => {
  const [row] = await deps.database.db
    .select()
    .from(connectors)
    .where(and(eq(connectors.organizationId, organizationId), eq(connectors.id, id)));
  if (!row) throw notFound('connector');
  const started = Date.now();
  try {
    const { name } = await connectorFor(deps, row).checkConnection();
    return { ok: true, account: name, message: `Connected to ${name}`, durationMs: Date.now() - started };
  } catch (err) {
    if (!(err instanceof ConnectorError)) throw err;
    return {
      ok: false,
      account: null,
      message: err.message,
      providerCode: err.providerCode,
      retryable: err.retryable,
      durationMs: Date.now() - started,
    };
  }
};

/** In the issuing transaction: one push per active connector, each enqueued with its own stable key. */
export const enqueuePushes = async (tx: Tx, deps: Ctx, row: InvoiceRow): Promise<number> => {
  const active = await tx.db
    .select({ id: connectors.id })
    .from(connectors)
    .where(and(eq(connectors.organizationId, row.organizationId), eq(connectors.status, 'active')));
  const now = deps.clock.now();
  for (const c of active) {
    await tx.db
      .insert(accountingPushes)
      .values({
        organizationId: row.organizationId,
        invoiceId: row.id,
        connectorId: c.id,
        idempotencyKey: idempotencyKeyOf(row.id),
        status: 'pending',
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing();
    await deps.queue.enqueue(
      tx,
      {
        name: 'accounting.push',
        data: { organizationId: row.organizationId, invoiceId: row.id, connectorId: c.id },
      },
      { key: `${row.id}:${c.id}` },
    );
  }
  return active.length;
};

// ---------------------------------------------------------------- the push

/** Our document, flattened for a provider: charges and allowances become lines, VAT spread per line to the cent. */
export const toAccountingInvoice = (
  row: InvoiceRow,
  customer: typeof customers.$inferSelect,
  provider: string,
): AccountingInvoice => {
  const doc = documentOf(row);
  const decimals = doc.calc.decimals;
  const lines: Omit<AccountingLine, 'taxAmount'>[] = [
    ...doc.lines.map((l) => ({
      description: l.description,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      amount: l.netAmount,
      sku: l.sku,
      tax: l.tax,
      kind: 'item' as const,
    })),
    ...doc.calc.charges.map((c) => ({
      description: c.reason,
      quantity: '1',
      unitPrice: c.amount,
      amount: c.amount,
      sku: null,
      tax: c.tax,
      kind: 'charge' as const,
    })),
    ...doc.calc.allowances.map((a) => ({
      description: a.reason,
      quantity: '1',
      unitPrice: new Decimal(a.amount).neg().toFixed(decimals),
      amount: new Decimal(a.amount).neg().toFixed(decimals),
      sku: null,
      tax: a.tax,
      kind: 'allowance' as const,
    })),
  ];
  const taxAmounts = new Map<number, string>();
  for (const sub of doc.calc.taxSubtotals) {
    const idx = lines.map((l, i) => ({ l, i })).filter(({ l }) => taxGroupKey(l.tax) === taxGroupKey(sub));
    const parts = allocate(
      sub.taxAmount,
      idx.map(({ l }) => l.amount),
      decimals,
    );
    idx.forEach(({ i }, k) => {
      taxAmounts.set(i, parts[k] ?? '0');
    });
  }
  const external = customer.externalIds[provider] ?? null;
  return {
    id: row.id,
    kind: row.kind,
    number: row.number ?? '',
    issueDate: row.issueDate ?? '',
    dueDate: row.dueDate,
    currency: row.currency,
    exchangeRate: doc.exchange?.rate ?? null,
    reference: doc.jobNumbers.join(', ') || (row.number ?? ''),
    contact: { customerId: customer.id, name: customer.name, email: doc.buyer.email, externalId: external },
    lines: lines.map((l, i) => ({ ...l, taxAmount: taxAmounts.get(i) ?? new Decimal(0).toFixed(decimals) })),
    taxTotal: doc.calc.totals.taxTotal,
    total: doc.calc.totals.taxInclusive,
  };
};

const connectorFor = (deps: Deps & { http?: Http }, c: ConnectorRow): AccountingConnector => {
  const credentials = Credentials.parse(JSON.parse(deps.secrets.open(c.credentials)));
  const mappings = ConnectorMappings.parse(c.mappings);
  // A rotated refresh token is stored at once, in its own transaction: the old one no longer works.
  const onRotate = async (next: Credentials) => {
    await deps.database.db
      .update(connectors)
      .set({ credentials: deps.secrets.seal(JSON.stringify(next)), updatedAt: deps.clock.now() })
      .where(and(eq(connectors.organizationId, c.organizationId), eq(connectors.id, c.id)));
  };
  const common = {
    timeoutMs: deps.accountingTimeoutMs,
    http: deps.http ?? deps.outbound.fetch,
    apiBaseUrl: c.apiBaseUrl,
    tokenUrl: c.tokenUrl,
    credentials,
    onRotate,
    mappings,
  };
  return deps.accounting[c.provider as AccountingConnector['provider']].connect({
    ...common,
    tenantId: c.tenantId,
  });
};

/**
 * Pushes one issued document to one connector (the `accounting.push` queue job), exactly once:
 * 1. the attempt is counted and committed before any call, so a crash leaves a trace;
 * 2. preflight: a broken mapping goes to needs_review with a precise message, no call made;
 * 3. the contact is the one whose ID we stored, or a new one whose ID we store (never matched by name);
 * 4. after an attempt whose outcome is unknown, the invoice is looked up by our number before creating it;
 * 5. the create carries the stable idempotency key.
 * Retryable failures are thrown for the queue to retry with backoff, up to MAX_PUSH_ATTEMPTS; the rest, and
 * the last retryable one, land in needs_review.
 */
export const pushToAccounting = async (
  deps: Deps & { http?: Http },
  organizationId: string,
  invoiceId: string,
  connectorId: string,
) => {
  const thisPush = and(
    eq(accountingPushes.organizationId, organizationId),
    eq(accountingPushes.invoiceId, invoiceId),
    eq(accountingPushes.connectorId, connectorId),
  );
  const claim = await deps.database.transaction(async (tx) => {
    const [push] = await tx.db.select().from(accountingPushes).where(thisPush).for('update');
    if (!push) throw notFound('accounting push');
    if (push.status !== 'pending') return { push, skip: true as const };
    const [counted] = await tx.db
      .update(accountingPushes)
      .set({ attempts: push.attempts + 1, updatedAt: deps.clock.now() })
      .where(thisPush)
      .returning();
    return { push: counted ?? push, skip: false as const };
  });
  if (claim.skip) return { status: claim.push.status, externalId: claim.push.externalId };
  const push = claim.push;

  const [row] = await deps.database.db
    .select({ invoice: invoices, customer: customers, connector: connectors })
    .from(invoices)
    .innerJoin(
      connectors,
      and(eq(connectors.organizationId, invoices.organizationId), eq(connectors.id, connectorId)),
    )
    .innerJoin(
      customers,
      and(
        eq(customers.organizationId, invoices.organizationId),
        eq(customers.id, invoiceCustomerId(invoices)),
      ),
    )
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, invoiceId)));
  if (!row) throw notFound('invoice');
  const provider = row.connector.provider;
  const inv = toAccountingInvoice(row.invoice, row.customer, provider);
  const fail = (message: string, providerCode: string | null) =>
    deps.database.transaction(async (tx) => {
      await tx.db
        .update(accountingPushes)
        .set({ status: 'failed', lastError: message, updatedAt: deps.clock.now() })
        .where(thisPush);
      await recordIntegrationError(tx, deps, {
        organizationId,
        kind: 'accounting_push',
        subject: `push:${invoiceId}:${connectorId}`,
        message: `${provider}: ${row.invoice.number}: ${message}`,
        providerCode,
        attempts: 1,
        connectorId,
        invoiceId,
        jobId: row.invoice.jobId,
      });
      return { status: 'failed' as const, message };
    });

  const connector = connectorFor(deps, row.connector);
  const problems = connector.preflight(inv);
  if (problems.length > 0)
    return fail(problems.map((p) => `${p.field}: ${p.message}`).join('; '), 'preflight');

  try {
    const contactId = await connector.ensureContact(inv.contact, `closeout-contact-${row.customer.id}`);
    if (!inv.contact.externalId)
      await storeExternalId(deps, organizationId, row.customer.id, provider, contactId);
    // A previous attempt may have reached the provider: look before creating again.
    const found = push.attempts > 1 && connector.findInvoice ? await connector.findInvoice(inv) : null;
    const externalId = found ?? (await connector.pushInvoice(inv, contactId, push.idempotencyKey));
    await deps.database.transaction(async (tx) => {
      await tx.db
        .update(accountingPushes)
        .set({
          status: 'done',
          externalId,
          lastError: null,
          updatedAt: deps.clock.now(),
          doneAt: deps.clock.now(),
        })
        .where(thisPush);
      await appendAudit(tx, deps, {
        organizationId,
        aggregateType: 'invoice',
        aggregateId: invoiceId,
        action: 'invoice.pushed',
        actor: SYSTEM_ACTOR,
        changes: { provider, externalId, attempts: push.attempts, foundExisting: found !== null },
      });
    });
    return { status: 'done' as const, externalId, foundExisting: found !== null };
  } catch (err) {
    if (!(err instanceof ConnectorError)) throw err;
    await deps.database.db
      .update(accountingPushes)
      .set({ lastError: `${err.providerCode ?? ''} ${err.message}`.trim(), updatedAt: deps.clock.now() })
      .where(thisPush);
    if (err.retryable && push.attempts < MAX_PUSH_ATTEMPTS) throw err;
    return fail(
      err.retryable ? `gave up after ${push.attempts} attempts: ${err.message}` : err.message,
      err.providerCode,
    );
  }
};

/**
 * The customer an invoice bills, whose row holds the connector IDs: its job's (per-job invoices) or its
 * series' (per-cycle invoices).
 */
export const invoiceCustomerId = (i: typeof invoices) =>
  sql<string>`coalesce(
    (SELECT j.customer_id FROM jobs j WHERE j.organization_id = ${i.organizationId} AND j.id = ${i.jobId}),
    (SELECT s.customer_id FROM series s WHERE s.organization_id = ${i.organizationId} AND s.id = ${i.seriesId}))`;

/** Immutable once set: a customer's ID in a connector is written once and never replaced. */
const storeExternalId = async (
  deps: Deps,
  organizationId: string,
  customerId: string,
  provider: string,
  externalId: string,
) => {
  await deps.database.raw.query(
    `UPDATE customers SET external_ids = external_ids || jsonb_build_object($3::text, $4::text)
      WHERE organization_id = $1 AND id = $2 AND NOT (external_ids ? $3)`,
    [organizationId, customerId, provider, externalId],
  );
};

export const pushesOf = (deps: Deps, organizationId: string, invoiceId: string) =>
  deps.database.db
    .select()
    .from(accountingPushes)
    .where(
      and(eq(accountingPushes.organizationId, organizationId), eq(accountingPushes.invoiceId, invoiceId)),
    );

/**
 * The safety net for crashes: a push still pending long after its last attempt (its worker died mid-call,
 * its queue job expired) is enqueued again. The push itself looks the invoice up first, so this cannot
 * create a duplicate.
 */
export const sweepStalledPushes = async (deps: Deps, olderThanSeconds: number) => {
  const { rows } = await deps.database.raw.query<{
    organization_id: string;
    invoice_id: string;
    connector_id: string;
    attempts: number;
  }>(
    `SELECT organization_id, invoice_id, connector_id, attempts FROM accounting_pushes
      WHERE status = 'pending' AND updated_at < now() - make_interval(secs => $1)`,
    [olderThanSeconds],
  );
  for (const r of rows) {
    await deps.database.transaction((tx) =>
      deps.queue.enqueue(
        tx,
        {
          name: 'accounting.push',
          data: { organizationId: r.organization_id, invoiceId: r.invoice_id, connectorId: r.connector_id },
        },
        { key: `${r.invoice_id}:${r.connector_id}:sweep:${r.attempts}` },
      ),
    );
  }
  return { requeued: rows.length };
};
