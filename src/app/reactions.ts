import { emitJobEvents } from './integrations/webhooks';
import { followJobWithInvoices } from './invoicing/job-reactions';
import { messageJobChange } from './messages/customer-messages';
import type { Reactions } from './ports';
import { followJobWithVisits } from './scheduling/visits';

/**
 * Who hears of what, in one list: the composition roots (cli/runtime, the tests' app) hand it to every use
 * case as `deps.reactions`, so an aggregate's module calls its subscribers without importing them.
 */
export const REACTIONS: Reactions = {
  jobChanged: [followJobWithVisits, emitJobEvents, followJobWithInvoices, messageJobChange],
};
