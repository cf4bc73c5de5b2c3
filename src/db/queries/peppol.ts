import { and, eq } from 'drizzle-orm';
import type { Tx } from '../client';
import { peppolTransmissions } from '../schema';

/** A document's one Peppol transmission, locked for a change in this transaction; none before its first send. */
export const lockTransmissionOf = async (tx: Pick<Tx, 'db'>, organizationId: string, invoiceId: string) => {
  const [row] = await tx.db
    .select()
    .from(peppolTransmissions)
    .where(
      and(
        eq(peppolTransmissions.organizationId, organizationId),
        eq(peppolTransmissions.invoiceId, invoiceId),
      ),
    )
    .for('update');
  return row ?? null;
};
