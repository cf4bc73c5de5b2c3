import { refusalText } from '../../../shared/refusal';

/** What a refusal says to a person (`web/shared/refusal.ts`), or that the server could not be reached. */
export const messageOf = (err: unknown): string => refusalText(err) ?? 'Could not reach the server';
