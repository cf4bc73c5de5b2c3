import Decimal from 'decimal.js';
import { eq } from 'drizzle-orm';
import { notFound } from '../../core/errors';
import { businessDate } from '../../core/time';
import { AGING_BUCKETS, type AgingBucket, receivableAging, topDebtors } from '../../db/queries/receivables';
import { organizations } from '../../db/schema';
import type { Deps } from '../ports';

/** The organization's business date now: what "overdue" and the aging buckets are measured on. */
export const todayOf = async (deps: Deps, organizationId: string): Promise<string> => {
  const [org] = await deps.database.db
    .select({ timeZone: organizations.timeZone })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) throw notFound('organization');
  return businessDate(deps.clock.now(), org.timeZone);
};

export type Receivables = {
  asOf: string;
  currencies: {
    currency: string;
    outstanding: string;
    overdue: string;
    count: number;
    buckets: { bucket: AgingBucket; amount: string; count: number }[];
  }[];
  debtors: {
    customerId: string;
    name: string;
    currency: string;
    count: number;
    outstanding: string;
    overdue: string;
    oldestDue: string | null;
  }[];
};

/**
 * What customers owe, per currency (amounts in different currencies are never added): the total, how much
 * is overdue, aged in 30-day buckets past the due date, and who owes the most. For one customer when given.
 */
export const receivables = async (
  deps: Deps,
  organizationId: string,
  opts: { customerId?: string | undefined; debtors?: number } = {},
): Promise<Receivables> => {
  const asOf = await todayOf(deps, organizationId);
  const db = deps.database.db;
  const [rows, debtors] = await Promise.all([
    receivableAging(db, organizationId, asOf, opts.customerId),
    opts.customerId ? Promise.resolve([]) : topDebtors(db, organizationId, asOf, opts.debtors ?? 10),
  ]);
  const byCurrency = new Map<string, Receivables['currencies'][number]>();
  for (const r of rows) {
    const c = byCurrency.get(r.currency) ?? {
      currency: r.currency,
      outstanding: '0',
      overdue: '0',
      count: 0,
      buckets: AGING_BUCKETS.map((bucket) => ({ bucket, amount: '0.00', count: 0 })),
    };
    const amount = new Decimal(r.amount);
    c.outstanding = amount.plus(c.outstanding).toFixed(2);
    if (r.bucket !== 'current') c.overdue = amount.plus(c.overdue).toFixed(2);
    c.count += r.count;
    const b = c.buckets.find((x) => x.bucket === r.bucket);
    if (b) {
      b.amount = amount.plus(b.amount).toFixed(2);
      b.count += r.count;
    }
    byCurrency.set(r.currency, c);
  }
  for (const c of byCurrency.values()) {
    c.outstanding = new Decimal(c.outstanding).toFixed(2);
    c.overdue = new Decimal(c.overdue).toFixed(2);
  }
  return {
    asOf,
    currencies: [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    debtors: debtors.flatMap((d) =>
      d.customerId
        ? [
            {
              customerId: d.customerId,
              name: d.name,
              currency: d.currency,
              count: d.count,
              outstanding: new Decimal(d.outstanding).toFixed(2),
              overdue: new Decimal(d.overdue).toFixed(2),
              oldestDue: d.oldestDue,
            },
          ]
        : [],
    ),
  };
};
