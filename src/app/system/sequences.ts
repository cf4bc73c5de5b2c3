import type { Tx } from '../../db/client';

/**
 * Takes the next number of a per-organization sequence inside the caller's transaction. The row lock
 * serializes concurrent callers and a rollback returns the number, so the sequence has no gaps.
 */
export const nextNumber = async (
  tx: Tx,
  organizationId: string,
  name: string,
  first: number,
): Promise<number> => {
  const { rows } = await tx.raw.query<{ value: number }>(
    `INSERT INTO org_sequences (organization_id, name, next_value) VALUES ($1, $2, $3 + 1)
     ON CONFLICT (organization_id, name) DO UPDATE SET next_value = org_sequences.next_value + 1
     RETURNING next_value - 1 AS value`,
    [organizationId, name, first],
  );
  const value = rows[0]?.value;
  if (value === undefined) throw new Error(`sequence ${name} returned no value`);
  return value;
};
