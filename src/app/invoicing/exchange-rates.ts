import Decimal from 'decimal.js';
import { and, desc, eq, lte } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { isCurrency } from '../../core/money';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { exchangeRates, organizations } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';

/**
 * The exchange rates an organization records for the currencies it invoices in: units of its own currency
 * per unit of the other, valid from a day until the next one recorded. Documents take the rate valid on
 * the day they are made and keep it; a rate recorded later changes no document already made.
 */

export type ExchangeRateRow = typeof exchangeRates.$inferSelect;
export type ExchangeRateInput = {
  currency: string;
  validFrom: string;
  rate: string;
  source?: string | null | undefined;
};

export const listExchangeRates = (tx: Pick<Tx, 'db'>, organizationId: string) =>
  tx.db
    .select()
    .from(exchangeRates)
    .where(eq(exchangeRates.organizationId, organizationId))
    .orderBy(exchangeRates.currency, desc(exchangeRates.validFrom));

/** The rate for `currency` valid on `day` (the latest recorded on or before it), or null. */
export const rateOn = async (
  tx: Pick<Tx, 'db'>,
  organizationId: string,
  currency: string,
  day: string,
): Promise<ExchangeRateRow | null> => {
  const [row] = await tx.db
    .select()
    .from(exchangeRates)
    .where(
      and(
        eq(exchangeRates.organizationId, organizationId),
        eq(exchangeRates.currency, currency),
        lte(exchangeRates.validFrom, day),
      ),
    )
    .orderBy(desc(exchangeRates.validFrom))
    .limit(1);
  return row ?? null;
};

/** Records (or corrects) the rate of a currency from a day; audited with what it replaced. */
export const recordExchangeRate = (
  deps: Deps,
  organizationId: string,
  input: ExchangeRateInput,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const [org] = await tx.db
      .select({ currency: organizations.currency })
      .from(organizations)
      .where(eq(organizations.id, organizationId));
    if (!org) throw notFound('organization');
    if (!isCurrency(input.currency))
      throw new AppError('validation_failed', `${input.currency} is not an ISO 4217 currency`, {
        fields: [{ field: 'body.currency', message: 'not an ISO 4217 currency code' }],
      });
    if (input.currency === org.currency)
      throw new AppError('validation_failed', `${org.currency} is the organization's own currency`, {
        fields: [{ field: 'body.currency', message: `${org.currency} needs no rate: it is your currency` }],
      });
    const key = and(
      eq(exchangeRates.organizationId, organizationId),
      eq(exchangeRates.currency, input.currency),
      eq(exchangeRates.validFrom, input.validFrom),
    );
    const [before] = await tx.db.select().from(exchangeRates).where(key).for('update');
    const now = deps.clock.now();
    const rate = new Decimal(input.rate).toFixed();
    const values = {
      rate,
      source: input.source ?? null,
      recordedByType: actor.type,
      recordedById: actor.id,
      updatedAt: now,
    };
    if (before) await tx.db.update(exchangeRates).set(values).where(key);
    else
      await tx.db.insert(exchangeRates).values({
        organizationId,
        currency: input.currency,
        validFrom: input.validFrom,
        createdAt: now,
        ...values,
      });
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      action: 'exchange_rate.recorded',
      actor,
      changes: {
        currency: input.currency,
        validFrom: input.validFrom,
        rate: { before: before ? new Decimal(before.rate).toFixed() : null, after: rate },
        source: input.source ?? null,
      },
    });
  });
