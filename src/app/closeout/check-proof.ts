import type { CloseoutBody } from '../../contracts/closeout';
import type { PhotoCategory } from '../../core/closeout-rules';
import { customFieldProblems } from '../../core/custom-fields';
import type { FieldProblem } from '../../core/errors';
import type { CloseoutFacts } from '../../db/queries/closeout';
import type { jobTypes } from '../../db/schema';
import { customFieldsOf, type JobRow } from '../jobs/job-store';

/**
 * The closeout's proof as the rules read it: every attachment must be this job's (the signature a
 * signature image), photos counted by category, closeout-stage custom fields typed right (an empty required
 * one is missing proof, not bad input).
 */
export const checkProof = (
  job: JobRow,
  jobType: typeof jobTypes.$inferSelect,
  body: CloseoutBody,
  /** The attachments the closeout names (attachmentIds and the signature), as found in the organization. */
  found: CloseoutFacts['attachments'],
) => {
  const problems: FieldProblem[] = [];
  // Attachments: each must belong to this job.
  body.attachmentIds.forEach((id, i) => {
    const a = found.find((f) => f.id === id);
    if (!a) problems.push({ field: `body.attachmentIds.${i}`, message: 'no such attachment' });
    else if (a.jobId !== job.id)
      problems.push({ field: `body.attachmentIds.${i}`, message: 'belongs to another job' });
  });
  if (body.signature) {
    const a = found.find((f) => f.id === body.signature?.attachmentId);
    if (!a || a.jobId !== job.id)
      problems.push({
        field: 'body.signature.attachmentId',
        message: a ? 'belongs to another job' : 'no such attachment',
      });
    else if (a.category !== 'signature')
      problems.push({ field: 'body.signature.attachmentId', message: 'not a signature image' });
  }
  const photos: Partial<Record<PhotoCategory, number>> = {};
  for (const id of new Set(body.attachmentIds)) {
    const a = found.find((f) => f.id === id && f.jobId === job.id);
    if (a) photos[a.category] = (photos[a.category] ?? 0) + 1;
  }

  // Closeout-stage custom fields: wrong types are bad input, empty required ones are missing proof.
  const values = { ...job.customFields, ...body.customFields };
  const fieldProblems = customFieldProblems(customFieldsOf(jobType), values, 'closeout', 'body.customFields');
  const missingCustomFields = fieldProblems
    .filter((p) => p.message.endsWith('is required'))
    .map((p) => ({ key: p.field.split('.').pop() ?? '', label: p.message.replace(/ is required$/, '') }));
  problems.push(...fieldProblems.filter((p) => !p.message.endsWith('is required')));
  return { photos, values, missingCustomFields, problems };
};
