import { invalid } from './errors';

/** Opaque keyset cursors: the sort key of the last row, base64url-encoded JSON. */
export type Page<T> = { items: T[]; nextCursor: string | null };

const toBase64Url = (text: string): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

const fromBase64Url = (text: string): string => {
  const bin = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
};

export const encodeCursor = (key: readonly (string | number)[]): string => toBase64Url(JSON.stringify(key));

/**
 * The key of a list sorted by (a text key, ID), from the `cursor` query parameter: null on the first page; a
 * cursor we did not make (or whose first key `valid` rejects) is a 400 naming the field.
 */
export const pairCursor = (
  cursor: string | undefined,
  valid: (first: string) => boolean = () => true,
): [string, string] | null => {
  if (cursor === undefined) return null;
  const [first, id] = decodeCursor(cursor) ?? [];
  if (typeof first !== 'string' || typeof id !== 'string' || !valid(first))
    throw invalid('query.cursor', 'not a cursor from this API');
  return [first, id];
};

/** Returns null when the cursor is not one we made; callers answer that with a 400 naming the field. */
export const decodeCursor = (cursor: string): (string | number)[] | null => {
  try {
    const value: unknown = JSON.parse(fromBase64Url(cursor));
    if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number'))
      return value;
    return null;
  } catch {
    return null;
  }
};

export const pageOf = <T>(rows: T[], limit: number, keyOf: (row: T) => (string | number)[]): Page<T> => {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
};
