import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { checkImport, getImport, importRowsOf, startImport, uploadImport } from '../app/imports/batches';
import { runImportCheck } from '../app/imports/check';
import { runImport } from '../app/imports/run';
import type { Deps } from '../app/ports';
import { AppError } from '../core/errors';
import {
  FIELD_WORDS,
  type ImportField,
  type ImportKind,
  type ImportPreset,
  KIND_WORDS,
  PRESET_WORDS,
} from '../core/imports';
import { SYSTEM_ACTOR } from '../core/principal';
import { organizations } from '../db/schema';

/**
 * `closeout import`: the office's import from a terminal (an operator moving a business in, a script). The
 * same upload, dry run and import as the web page, run here rather than by the workers, with progress on
 * stderr; without --yes nothing is imported, only reported.
 */
export const importFromFile = async (
  deps: Deps,
  opts: { org: string; kind: ImportKind; file: string; preset?: ImportPreset | undefined; yes: boolean },
  out: (line: string) => void,
  progress: (line: string) => void,
) => {
  const [org] = await deps.database.db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.slug, opts.org));
  if (!org) throw new AppError('not_found', `No organization "${opts.org}"`);
  const bytes = fs.readFileSync(opts.file);
  const uploaded = await uploadImport(
    deps,
    org.id,
    { kind: opts.kind, fileName: path.basename(opts.file), bytes },
    SYSTEM_ACTOR,
  );
  out(
    `${uploaded.fileName}: ${KIND_WORDS[opts.kind].many}, ${uploaded.preset ? `looks like ${PRESET_WORDS[uploaded.preset]}` : 'no known tool'}, read as ${uploaded.encoding}`,
  );
  const watch = (verb: string) =>
    setInterval(() => {
      void getImport(deps, org.id, uploaded.id).then((b) =>
        progress(`${verb} ${b.doneRows} of ${b.totalRows ?? '?'} rows`),
      );
    }, 1000);
  const checking = await checkImport(
    deps,
    org.id,
    uploaded.id,
    opts.preset === undefined ? {} : { preset: opts.preset },
    SYSTEM_ACTOR,
  );
  let timer = watch('Checked');
  try {
    await runImportCheck(deps, org.id, uploaded.id, checking.version);
  } finally {
    clearInterval(timer);
  }
  const checked = await getImport(deps, org.id, uploaded.id);
  if (checked.status !== 'checked')
    throw new AppError('validation_failed', checked.failure ?? 'The check stopped');
  const s = checked.summary;
  out(
    `Checked ${checked.totalRows} rows: ${s.create ?? 0} new, ${s.update ?? 0} to update, ${(s.unchanged ?? 0) + (s.duplicate ?? 0)} already here, ${s.refused ?? 0} cannot be imported.`,
  );
  const { rows } = await importRowsOf(deps, org.id, uploaded.id, { action: 'refused', offset: 0, limit: 20 });
  for (const r of rows)
    out(
      `  line ${r.line} (${r.label}): ${r.problems
        .map(
          (p) =>
            `${FIELD_WORDS[p.field as ImportField] ?? p.field}${p.column ? ` (column “${p.column}”)` : ''} ${p.message}`,
        )
        .join('; ')}`,
    );
  if ((s.refused ?? 0) > rows.length) out(`  … and ${(s.refused ?? 0) - rows.length} more`);
  if (!opts.yes) {
    out('Nothing imported: run again with --yes to import the rows that can be.');
    return { batchId: uploaded.id, imported: false };
  }
  await startImport(deps, org.id, uploaded.id, SYSTEM_ACTOR);
  timer = watch('Imported');
  try {
    await runImport(deps, org.id, uploaded.id);
  } finally {
    clearInterval(timer);
  }
  const done = await getImport(deps, org.id, uploaded.id);
  out(
    `Imported: ${done.summary.create ?? 0} created, ${done.summary.update ?? 0} updated. Undo it as a whole on the import page if it was wrong.`,
  );
  return { batchId: uploaded.id, imported: true };
};
