import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import { invoices, users } from '../../db/schema';
import { createConnector } from '../accounting/connectors';
import { disconnectConnector, REVOKED } from '../accounting/disconnect-connector';
import { pushToAccounting } from '../accounting/push';
import { enqueuePushes } from '../accounting/push-queue';
import type { Deps } from '../ports';

/**
 * The accounting story, told by the real push: the owner connected Xero and mapped the standard VAT rate
 * but not the reduced one the labour lines carry, so the newest invoice with labour stopped in the
 * needs-review lane with Xero's missing mapping as its reason (checked before any call, so no network is
 * needed); then the owner disconnected Xero to finish the mapping later. The lane shows the failure, why
 * it cannot be reprocessed yet, and the settings page the disconnected connector with its mappings.
 * Demo organizations never call a real provider: the connector holds no working token.
 */
export const seedDemoAccounting = async (deps: Deps, organizationId: string) => {
  const db = deps.database.db;
  const [owner] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.organizationId, organizationId), eq(users.email, 'owner@demo.closeout.test')));
  const [invoice] = await db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        eq(invoices.kind, 'invoice'),
        inArray(invoices.status, ['issued', 'sent']),
        isNotNull(invoices.jobId),
      ),
    )
    .orderBy(desc(invoices.issuedAt))
    .limit(1);
  if (!owner || !invoice) return;
  const actor = { type: 'user' as const, id: owner.id };
  const { id: connectorId } = await createConnector(
    deps,
    organizationId,
    {
      provider: 'xero',
      tenantId: 'brightwater-demo',
      clientId: 'demo-client',
      clientSecret: 'demo-secret',
      refreshToken: REVOKED,
      mappings: {
        items: {},
        accountCode: '200',
        taxTypes: { 'S:23': 'OUTPUT2' },
        paymentAccounts: { default: '090' },
      },
    },
    actor,
  );
  await deps.database.transaction((tx) => enqueuePushes(tx, deps, invoice));
  await pushToAccounting(deps, {
    organizationId,
    connectorId,
    entity: 'document',
    subjectId: invoice.id,
    invoiceId: invoice.id,
  });
  await disconnectConnector(deps, organizationId, connectorId, actor);
};
