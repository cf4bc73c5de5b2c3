import { and, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { integrationErrors } from '../../db/schema/index';
import { setExternalId } from '../customers/customers';
import {
  getIntegrationError,
  reprocessBlock,
  reprocessIntegrationError,
} from '../integrations/integration-errors';
import type { Deps } from '../ports';

/**
 * A person's answer to "the provider already has a contact of this name with this customer's e-mail":
 * link the customer to it (its external ID, set once and audited, so every later push uses it), or give the
 * customer a new contact of its own (the push makes one under a name of its own). Either way the stopped
 * push runs again, audited with the decision.
 */
export const decideContactMatch = async (
  deps: Deps,
  organizationId: string,
  id: string,
  decision: 'link' | 'new',
  actor: Actor,
) => {
  const entry = await getIntegrationError(deps, organizationId, id);
  if (!entry) throw notFound('integration error');
  const match = entry.detail?.contactMatch;
  if (entry.providerCode !== 'contact_match' || !match || !entry.connector)
    throw new AppError('invalid_transition', 'This entry asks no decision about a contact', {
      fields: [{ field: 'id', message: 'is not a contact to link' }],
    });
  if (entry.status !== 'open')
    throw new AppError('invalid_transition', 'This entry is already resolved', {
      fields: [{ field: 'status', message: `is ${entry.status}` }],
    });
  // Nothing changes while the push could not run anyway (its connector disconnected).
  const blocked = reprocessBlock(entry);
  if (blocked)
    throw new AppError('connector_disconnected', blocked, {
      fields: [{ field: 'connectorId', message: 'is disconnected' }],
    });
  if (decision === 'link')
    await setExternalId(deps, organizationId, match.customerId, entry.connector.provider, match.id, actor);
  // Every push of this customer that stopped on the same question is answered with it (one per document).
  const { rows } = await deps.database.raw.query<{ id: string }>(
    `SELECT id FROM integration_errors WHERE organization_id = $1 AND connector_id = $2 AND status = 'open'
        AND provider_code = 'contact_match' AND detail->'contactMatch'->>'customerId' = $3
      ORDER BY id = $4 DESC, first_seen_at`,
    [organizationId, entry.connectorId, match.customerId, id],
  );
  const note =
    decision === 'link'
      ? `Linked to the contact “${match.name}” already there`
      : `A new contact of its own, beside “${match.name}”`;
  let answered: Awaited<ReturnType<typeof reprocessIntegrationError>> | null = null;
  for (const r of rows) {
    await deps.database.db
      .update(integrationErrors)
      .set({ detail: { contactMatch: { ...match, decision } } })
      .where(
        and(
          eq(integrationErrors.organizationId, organizationId),
          eq(integrationErrors.id, r.id),
          eq(integrationErrors.status, 'open'),
        ),
      );
    const done = await reprocessIntegrationError(deps, organizationId, r.id, actor, note);
    if (r.id === id) answered = done;
  }
  if (!answered) throw new Error(`contact match ${id} was not answered`);
  return answered;
};
