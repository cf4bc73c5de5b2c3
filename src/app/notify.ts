import type { LiveEvent } from '../contracts/live';
import type { Tx } from '../db/client';

export const EVENTS_CHANNEL = 'closeout_events';

export type { LiveEvent };

/** NOTIFY is transactional: listeners in every process hear it only if, and when, the change commits. */
export const publish = async (tx: Tx, event: LiveEvent): Promise<void> => {
  await tx.raw.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify(event)]);
};
