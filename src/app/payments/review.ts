import type { Tx } from '../../db/client';
import { recordIntegrationError } from '../integrations/integration-errors';
import type { Deps } from '../ports';

/**
 * Money at the payment provider that needs a person (a payment that did not fit, a refund that failed, a
 * chargeback, a refund made outside Closeout): one entry in the needs-review lane per subject, on its
 * document, never holding its job.
 */
export const reviewOnlinePayment = (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids' | 'queue' | 'reactions'>,
  e: {
    organizationId: string;
    subject: string;
    message: string;
    invoiceId: string;
    jobId: string | null;
    /** The unplaced money's checkout, when the entry is about money to refund or apply. */
    unplacedCheckoutId?: string;
  },
) =>
  recordIntegrationError(tx, deps, {
    organizationId: e.organizationId,
    kind: 'online_payment',
    subject: e.subject,
    message: e.message,
    providerCode: null,
    attempts: 1,
    connectorId: null,
    invoiceId: e.invoiceId,
    jobId: e.jobId,
    holdsJob: false,
    ...(e.unplacedCheckoutId ? { detail: { unplacedCheckoutId: e.unplacedCheckoutId } } : {}),
  });
