import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import type { CsvMapping } from '../../contracts/bank';
import { type BankFile, looksLikeCamt } from '../../core/bank-matching';
import { invalid, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { bankCsvMappings, bankEntries, bankStatements, organizations } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';
import { parseCamt } from './bank-files/camt';
import { parseCsvStatement, previewCsv } from './bank-files/csv-statement';
import { matchBankEntries } from './bank-matching';

/** Credits a file may hold to be matched while the office waits for the answer; more go to the queue. */
export const MATCH_AT_ONCE = 50;

export type BankImportInput = {
  fileName: string;
  content: string;
  mapping?: CsvMapping | undefined;
  mappingId?: string | undefined;
  saveMappingAs?: string | undefined;
};

const mappingFor = async (deps: Deps, organizationId: string, input: BankImportInput) => {
  if (input.mapping) return input.mapping;
  if (!input.mappingId)
    throw invalid(
      'mapping',
      'A CSV file needs its column mapping: give one, or the ID of one saved for this bank',
    );
  const [saved] = await deps.database.db
    .select({ mapping: bankCsvMappings.mapping })
    .from(bankCsvMappings)
    .where(and(eq(bankCsvMappings.organizationId, organizationId), eq(bankCsvMappings.id, input.mappingId)));
  if (!saved) throw notFound('CSV mapping', 'mappingId');
  return saved.mapping;
};

/**
 * Imports a bank file (#24): its statements and their entries, each once. A statement seen before (same account
 * and ID) adds nothing; an entry seen before (a CAMT.054 then the CAMT.053 that books it) is counted as a
 * duplicate. Credits are then matched: the sure ones applied, the rest left for review with suggestions.
 */
export const importBankFile = async (
  deps: Deps,
  organizationId: string,
  input: BankImportInput,
  actor: Actor,
) => {
  const camt = looksLikeCamt(input.content);
  const mapping = camt ? null : await mappingFor(deps, organizationId, input);
  const files: BankFile[] = mapping ? [parseCsvStatement(input.content, mapping)] : parseCamt(input.content);
  if (files.every((f) => f.entries.length === 0) && files.every((f) => !f.opening))
    throw invalid('file', 'The file holds no booked transactions');
  const now = deps.clock.now();
  const outcome = await deps.database.transaction(async (tx) => {
    if (mapping && input.saveMappingAs) {
      await tx.db
        .insert(bankCsvMappings)
        .values({
          organizationId,
          id: deps.ids.uuid(),
          name: input.saveMappingAs,
          mapping,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [bankCsvMappings.organizationId, bankCsvMappings.name],
          set: { mapping, updatedAt: now },
        });
    }
    const statementIds: string[] = [];
    const added: string[] = [];
    let duplicates = 0;
    let background = 0;
    const inline: string[] = [];
    for (const f of files) {
      // ON CONFLICT: the same file imported twice at once waits for the other and then adds nothing.
      const statementId = deps.ids.uuid();
      const [made] = await tx.db
        .insert(bankStatements)
        .values({
          organizationId,
          id: statementId,
          format: f.format,
          reference: f.reference,
          account: f.account,
          currency: f.currency,
          fromDate: f.from,
          toDate: f.to,
          opening: f.opening,
          closing: f.closing,
          fileName: input.fileName,
          entryCount: f.entries.length,
          importedById: actor.type === 'user' ? actor.id : null,
          importedAt: now,
        })
        .onConflictDoNothing()
        .returning({ id: bankStatements.id });
      if (!made) {
        const [seen] = await tx.db
          .select({ id: bankStatements.id })
          .from(bankStatements)
          .where(
            and(
              eq(bankStatements.organizationId, organizationId),
              eq(bankStatements.account, f.account),
              eq(bankStatements.reference, f.reference),
            ),
          );
        if (seen) statementIds.push(seen.id);
        duplicates += f.entries.length;
        continue;
      }
      const rows = f.entries.map(({ reversal, ...fields }) => ({
        organizationId,
        id: deps.ids.uuid(),
        statementId,
        account: f.account,
        ...fields,
        // A returned payment is money going back, as a debit is: nothing to apply.
        status: new Decimal(fields.amount).gt(0) && !reversal ? ('review' as const) : ('outgoing' as const),
        createdAt: now,
        updatedAt: now,
      }));
      const inserted: { id: string }[] = [];
      // In slices, so a statement of thousands of entries stays under the driver's parameter limit.
      for (let i = 0; i < rows.length; i += 500)
        inserted.push(
          ...(await tx.db
            .insert(bankEntries)
            .values(rows.slice(i, i + 500))
            .onConflictDoNothing()
            .returning({ id: bankEntries.id })),
        );
      const dup = rows.length - inserted.length;
      duplicates += dup;
      if (dup > 0)
        await tx.db
          .update(bankStatements)
          .set({ duplicateCount: dup })
          .where(and(eq(bankStatements.organizationId, organizationId), eq(bankStatements.id, statementId)));
      added.push(...inserted.map((r) => r.id));
      statementIds.push(statementId);
      // A large statement is matched in the background, showing how far it got; a day's statement at once.
      const fresh = new Set(inserted.map((r) => r.id));
      const credits = rows.filter((r) => r.status === 'review' && fresh.has(r.id)).map((r) => r.id);
      if (credits.length > MATCH_AT_ONCE) {
        background += credits.length;
        await deps.queue.enqueue(
          tx,
          { name: 'bank.match', data: { organizationId, statementId } },
          { key: `bank-match:${statementId}` },
        );
      } else inline.push(...credits);
      await appendAudit(tx, deps, {
        organizationId,
        aggregateType: 'bank_statement',
        aggregateId: statementId,
        action: 'bank_statement.imported',
        actor,
        first: true,
        changes: {
          format: f.format,
          reference: f.reference,
          account: f.account,
          fileName: input.fileName,
          entries: f.entries.length,
          added: inserted.length,
          duplicates: dup,
        },
      });
    }
    return { statementIds, added, duplicates, background, inline };
  });
  // Each statement of a file is matched one way or the other, never neither.
  const matched = await matchBankEntries(deps, organizationId, outcome.inline);
  return { ...outcome, ...matched };
};

/** The saved CSV mappings, by bank name. */
export const csvMappingsOf = (deps: Deps, organizationId: string) =>
  deps.database.db
    .select({ id: bankCsvMappings.id, name: bankCsvMappings.name, mapping: bankCsvMappings.mapping })
    .from(bankCsvMappings)
    .where(eq(bankCsvMappings.organizationId, organizationId))
    .orderBy(bankCsvMappings.name);

/** A CSV's first lines and a guess at its mapping, in the organization's currency unless the file says otherwise. */
export const csvPreviewFor = async (deps: Deps, organizationId: string, content: string) => {
  const [org] = await deps.database.db
    .select({ currency: organizations.currency })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) throw notFound('organization');
  return previewCsv(content, org.currency);
};
