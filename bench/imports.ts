import { checkImport, startImport, uploadImport } from '../src/app/imports/batches';
import { runImportCheck } from '../src/app/imports/check';
import { runImport } from '../src/app/imports/run';
import type { Deps } from '../src/app/ports';
import { SYSTEM_ACTOR } from '../src/core/principal';

/**
 * B14: a customer list of `rows` rows from Jobber imported as the office imports one: uploaded (read and
 * stored), checked row by row by the background job (the dry run), then imported by it, a chunk per
 * transaction. The process's resident memory is sampled throughout: a long file must not grow it.
 */
export const customerImport = async (deps: Deps, organizationId: string, rows: number) => {
  const header =
    'J-ID,Display Name,First Name,Last Name,E-mails,Mobile Phone #s,Billing Street 1,Billing City,Billing Zip code,Billing Country';
  const lines = [header];
  for (let i = 0; i < rows; i++)
    lines.push(
      `B${i},Bench Customer ${i},Bench,Customer ${i},bench${i}@customers.test,087 ${String(i).padStart(7, '0')},${i} Bench Road,Dublin,D${i % 24} B${i},Ireland`,
    );
  const bytes = Buffer.from(`${lines.join('\r\n')}\r\n`);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  try {
    const t0 = performance.now();
    const batch = await uploadImport(
      deps,
      organizationId,
      { kind: 'customers', fileName: 'bench.csv', bytes },
      SYSTEM_ACTOR,
    );
    const uploadMs = performance.now() - t0;
    const checking = await checkImport(deps, organizationId, batch.id, {}, SYSTEM_ACTOR);
    const t1 = performance.now();
    const checked = await runImportCheck(deps, organizationId, batch.id, checking.version);
    const checkMs = performance.now() - t1;
    if (!('rows' in checked) || checked.rows !== rows)
      throw new Error(`the check read ${JSON.stringify(checked)}`);
    await startImport(deps, organizationId, batch.id, SYSTEM_ACTOR);
    const t2 = performance.now();
    const imported = await runImport(deps, organizationId, batch.id);
    const importMs = performance.now() - t2;
    if (!('summary' in imported) || imported.summary.create !== rows)
      throw new Error(`the import made ${JSON.stringify(imported)}`);
    return { rows, bytes: bytes.length, uploadMs, checkMs, importMs, growthMb: (peak - baseline) / 2 ** 20 };
  } finally {
    clearInterval(sampler);
  }
};

/**
 * B14: the booked jobs of the same tool, `rows` of them for the customers `customerImport` brought (found by
 * the old tool's customer ID), checked and booked by the background job as the office's import books them:
 * each through the same checks as a typed job, in a savepoint of its own.
 */
export const jobImport = async (deps: Deps, organizationId: string, rows: number, jobType: string) => {
  const lines = ['Job #,Customer ID,Title,Date,Start time,End time,Job Type'];
  for (let i = 0; i < rows; i++) {
    const day = new Date(Date.UTC(2027, 0, 4 + (i % 60)));
    const dmy = `${day.getUTCDate()}/${day.getUTCMonth() + 1}/${day.getUTCFullYear()}`;
    const hour = 8 + (i % 8);
    lines.push(`BJ${i},B${i},Bench job ${i},${dmy},${hour}:00,${hour + 1}:30,${jobType}`);
  }
  const bytes = Buffer.from(`${lines.join('\r\n')}\r\n`);
  const batch = await uploadImport(
    deps,
    organizationId,
    { kind: 'jobs', fileName: 'bench-jobs.csv', bytes },
    SYSTEM_ACTOR,
  );
  const checking = await checkImport(deps, organizationId, batch.id, {}, SYSTEM_ACTOR);
  const t1 = performance.now();
  const checked = await runImportCheck(deps, organizationId, batch.id, checking.version);
  const checkMs = performance.now() - t1;
  if (!('summary' in checked) || checked.summary.create !== rows)
    throw new Error(`the job check read ${JSON.stringify(checked)}`);
  await startImport(deps, organizationId, batch.id, SYSTEM_ACTOR);
  const t2 = performance.now();
  const imported = await runImport(deps, organizationId, batch.id);
  const importMs = performance.now() - t2;
  if (!('summary' in imported) || imported.summary.create !== rows)
    throw new Error(`the job import made ${JSON.stringify(imported)}`);
  return { rows, checkMs, importMs };
};
