import { v7 as uuidv7 } from 'uuid';
import type { Clock, Ids } from '../ports';

export const systemClock: Clock = { now: () => new Date() };
/** UUIDv7: time-ordered, so primary-key indexes stay compact and ids sort by creation. */
export const systemIds: Ids = { uuid: () => uuidv7() };
