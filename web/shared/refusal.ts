import { ApiError } from './api-client';

/** A field's path as a person reads it: `body.lines.2.unitPrice` is "lines 3 unit price". */
const fieldWords = (path: string) =>
  path
    .replace(/^(body|query|params)\./, '')
    .split('.')
    .filter((seg) => seg !== 'customFields')
    .map((seg) =>
      /^\d+$/.test(seg)
        ? String(Number(seg) + 1)
        : seg
            .replace(/_/g, ' ')
            .replace(/([a-z])([A-Z])/g, '$1 $2')
            .toLowerCase(),
    )
    .join(' ');

/**
 * What a refusal says to a person, in every app: the server's words and, for what was entered, what it said
 * of each field in words (a field's path is never shown). Null: no answer came (each app says that its own way).
 */
export const refusalText = (err: unknown): string | null => {
  if (!(err instanceof ApiError)) return null;
  const notes = [
    ...new Set(
      (err.problem.errors ?? []).map((f) => {
        const w = fieldWords(f.field);
        return w && !f.message.toLowerCase().includes(w) ? `${w}: ${f.message}` : f.message;
      }),
    ),
  ];
  // The server's detail names fields by their paths ("body.lines.0.quantity: …"): said without them.
  const said = err.message.replace(/\b(?:body|query|params)\.[\w.]+:\s*/g, '').trim();
  // What was entered is refused field by field (400): each field's need is added unless the detail says it.
  // Other refusals' details are whole sentences already.
  const more = err.status === 400 ? notes.filter((n) => !said.includes(n)) : [];
  return more.length === 0 ? said : `${said} (${more.join('; ')})`;
};
