import { failJob } from '../invoices';
import type { Deps } from '../ports';

/**
 * A job whose invoice could not be made for a reason retrying cannot fix goes to needs_review at once, with
 * the reason on its timeline and in the exception queue, instead of retrying in silence.
 */
export const failJobInvoicing = (deps: Deps, organizationId: string, jobId: string, reason: string) =>
  deps.database.transaction((tx) =>
    failJob(tx, deps, organizationId, jobId, [{ rule: '', message: reason }]),
  );
