import { numeric, timestamp } from 'drizzle-orm/pg-core';

/** An instant: timestamptz, read as a Date. */
export const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Money: NUMERIC(18,4), read as a decimal string (never a float). */
export const money = (name: string) => numeric(name, { precision: 18, scale: 4 });

/** Unit prices keep six decimals (utility-style prices like 0.00101); amounts are rounded from them once. */
export const unitPrice = (name: string) => numeric(name, { precision: 20, scale: 6 });
