import { numeric, timestamp } from 'drizzle-orm/pg-core';

/** An instant: timestamptz, read as a Date. */
export const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Money and unit prices: NUMERIC(18,4), read as a decimal string (never a float). */
export const money = (name: string) => numeric(name, { precision: 18, scale: 4 });
