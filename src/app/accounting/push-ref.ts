import type { accountingPushes } from '../../db/schema';

/** How a push is named: in the queue, in its idempotency key and in the needs-review lane. */

export type PushEntity = (typeof accountingPushes.$inferSelect)['entity'];

/** Stable across retries, reprocessing and restarts: the subject and its revision (an issued document never changes). */
export const idempotencyKeyOf = (subjectId: string, entity: PushEntity = 'document') =>
  entity === 'document' ? `closeout-${subjectId}-r1` : `closeout-${entity}-${subjectId}-r1`;

/** What names one push: the connector, what it writes and (for queue jobs and errors) the document it belongs to. */
export type PushRef = {
  organizationId: string;
  connectorId: string;
  entity: PushEntity;
  subjectId: string;
  invoiceId: string;
};

/** The needs-review subject of a push: one open error per push. */
export const errorSubjectOf = (ref: Pick<PushRef, 'entity' | 'subjectId' | 'connectorId'>) =>
  ref.entity === 'document'
    ? `push:${ref.subjectId}:${ref.connectorId}`
    : `push:${ref.entity}:${ref.subjectId}:${ref.connectorId}`;

export const pushRefOfSubject = (subject: string): Omit<PushRef, 'organizationId' | 'invoiceId'> | null => {
  const parts = subject.split(':');
  if (parts[0] !== 'push') return null;
  if (parts.length === 3)
    return { entity: 'document', subjectId: parts[1] ?? '', connectorId: parts[2] ?? '' };
  if (
    parts.length === 4 &&
    (parts[1] === 'payment' ||
      parts[1] === 'allocation' ||
      parts[1] === 'attachment' ||
      parts[1] === 'report' ||
      parts[1] === 'reversal' ||
      parts[1] === 'write_off')
  )
    return { entity: parts[1], subjectId: parts[2] ?? '', connectorId: parts[3] ?? '' };
  return null;
};
