import { type SQL, sql } from 'drizzle-orm';
import type { LiveEvent } from '../contracts/live';
import type { Tx } from '../db/client';

export const EVENTS_CHANNEL = 'closeout_events';

export type { LiveEvent };

/** NOTIFY is transactional: listeners in every process hear it only if, and when, the change commits. */
export const publish = async (tx: Tx, event: LiveEvent): Promise<void> => {
  await tx.raw.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify(event)]);
};

/**
 * The same notification as an expression, for a statement the change sends anyway (an UPDATE's RETURNING):
 * one round trip fewer. It is sent once for each row the statement returns.
 */
export const notifying = (event: LiveEvent): SQL<string> =>
  sql<string>`pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(event)})`;
