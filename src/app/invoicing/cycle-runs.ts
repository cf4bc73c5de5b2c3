import { and, desc, eq, ne } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import { addDays, businessDate, lastWholeCycle, zonedToInstant } from '../../core/time';
import type { Tx } from '../../db/client';
import { cycleRunItems, cycleRuns } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';
import { assertPeriod, invoiceCycle, isNothingReady } from './invoice-cycle';

export type CycleRunRow = typeof cycleRuns.$inferSelect;
type Outcome = (typeof cycleRunItems.$inferInsert)['outcome'];
export type BillingCycle = CycleRunRow['billingCycle'];
type Period = { start: string; end: string; billingCycle: BillingCycle };

/** How many series a run invoices at once on PostgreSQL (PGlite runs one transaction at a time anyway). */
export const CYCLE_RUN_CONCURRENCY = 4;
/** The items a run's view lists by name (everything not issued); the counts always cover all of them. */
const PROBLEMS_SHOWN = 200;

/**
 * The series a run covers: billed per cycle on the run's cycle, with at least one visit in the period;
 * each with whether this run already recorded it.
 */
const seriesInScope = async (tx: Tx, run: CycleRunRow) =>
  (
    await tx.raw.query<{ id: string; done: boolean }>(
      `SELECT s.id, EXISTS (SELECT 1 FROM cycle_run_items i
                             WHERE i.organization_id = $1 AND i.run_id = $4 AND i.series_id = s.id) AS done
         FROM series s
        WHERE s.organization_id = $1 AND s.billing_rule = 'per_cycle' AND s.billing_cycle = $5
          AND EXISTS (SELECT 1 FROM jobs j WHERE j.organization_id = $1 AND j.series_id = s.id
                         AND j.occurrence_date BETWEEN $2::date AND $3::date)
        ORDER BY s.id`,
      [run.organizationId, run.periodStart, run.periodEnd, run.id, run.billingCycle],
    )
  ).rows;

/**
 * Asks for every series billed on a cycle (monthly, say) to be invoiced for a period, in the background. One
 * run at a time per organization: a second request while one is queued or running is a 409 naming it.
 */
export const startCycleRun = (deps: Deps, organizationId: string, period: Period, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    assertPeriod(period);
    // Two requests at once: the second waits here, then sees the first as active.
    await tx.raw.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`cycle-run:${organizationId}`]);
    const [active] = await tx.db
      .select({ id: cycleRuns.id, periodStart: cycleRuns.periodStart, periodEnd: cycleRuns.periodEnd })
      .from(cycleRuns)
      .where(and(eq(cycleRuns.organizationId, organizationId), ne(cycleRuns.status, 'finished')));
    if (active)
      throw new AppError(
        'conflict',
        `A cycle run for ${active.periodStart} to ${active.periodEnd} is still in progress`,
        {
          fields: [{ field: 'body.periodStart', message: 'another run is in progress' }],
          extra: { runId: active.id },
        },
      );
    const id = deps.ids.uuid();
    const [row] = await tx.db
      .insert(cycleRuns)
      .values({
        organizationId,
        id,
        periodStart: period.start,
        periodEnd: period.end,
        billingCycle: period.billingCycle,
        status: 'queued',
        requestedByType: actor.type,
        requestedById: actor.id,
        createdAt: deps.clock.now(),
      })
      .returning();
    if (!row) throw new Error('cycle run not created');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'cycle_run',
      aggregateId: id,
      first: true,
      action: 'cycle_run.requested',
      actor,
      changes: { billingCycle: period.billingCycle, periodStart: period.start, periodEnd: period.end },
    });
    await deps.queue.enqueue(tx, { name: 'cycles.run', data: { organizationId, runId: id } }, { key: id });
    return row;
  });

const record = async (
  tx: Tx,
  deps: Deps,
  run: CycleRunRow,
  seriesId: string,
  outcome: Outcome,
  invoiceId: string | null,
  message: string | null,
): Promise<void> => {
  await tx.db
    .insert(cycleRunItems)
    .values({
      organizationId: run.organizationId,
      runId: run.id,
      seriesId,
      outcome,
      invoiceId,
      message,
      at: deps.clock.now(),
    })
    .onConflictDoNothing();
};

/** Invoices one series for the run's period and records what happened, in the invoice's transaction when there is one. */
const invoiceSeries = async (deps: Deps, run: CycleRunRow, actor: Actor, seriesId: string) => {
  try {
    await invoiceCycle(
      deps,
      run.organizationId,
      seriesId,
      { start: run.periodStart, end: run.periodEnd },
      actor,
      (tx, invoice) =>
        invoice.status === 'draft'
          ? record(
              tx,
              deps,
              run,
              seriesId,
              'held',
              invoice.id,
              invoice.holdReasons.map((h) => h.message).join('; '),
            )
          : record(tx, deps, run, seriesId, 'issued', invoice.id, null),
    );
  } catch (err) {
    // Nothing ready is an answer, not a failure: every visit is unfinished, or the cycle was already invoiced.
    const nothingReady = isNothingReady(err);
    const exceptions = nothingReady ? (err.extra.exceptions as string[] | undefined) : undefined;
    const message = err instanceof Error ? err.message : String(err);
    await deps.database.transaction((tx) =>
      record(
        tx,
        deps,
        run,
        seriesId,
        nothingReady ? 'nothing_ready' : 'failed',
        null,
        exceptions?.length ? `${message}: ${exceptions.join('; ')}` : message,
      ),
    );
  }
};

/**
 * Runs a queued cycle run (the `cycles.run` worker): every per-cycle series with visits in the period gets
 * its cycle invoice, a few at a time. A run resumed after a crash skips the series it already recorded;
 * one that already finished is left alone.
 */
export const executeCycleRun = async (
  deps: Deps,
  organizationId: string,
  runId: string,
  options: { concurrency?: number } = {},
) => {
  const started = await deps.database.transaction(async (tx) => {
    const [r] = await tx.db
      .select()
      .from(cycleRuns)
      .where(and(eq(cycleRuns.organizationId, organizationId), eq(cycleRuns.id, runId)))
      .for('update');
    if (!r) throw notFound('cycle run');
    if (r.status === 'finished') return null;
    const scope = await seriesInScope(tx, r);
    const [updated] = await tx.db
      .update(cycleRuns)
      .set({ status: 'running', startedAt: r.startedAt ?? deps.clock.now(), total: scope.length })
      .where(and(eq(cycleRuns.organizationId, organizationId), eq(cycleRuns.id, runId)))
      .returning();
    return updated ? { run: updated, todo: scope.filter((s) => !s.done) } : null;
  });
  if (!started) return { alreadyFinished: true };
  // A resumed run skips the series it already recorded.
  const { run, todo } = started;
  const actor: Actor = { type: run.requestedByType as Actor['type'], id: run.requestedById };
  const concurrency =
    deps.database.kind === 'postgres' ? Math.max(1, options.concurrency ?? CYCLE_RUN_CONCURRENCY) : 1;
  let next = 0;
  const worker = async () => {
    for (let s = todo[next++]; s; s = todo[next++]) await invoiceSeries(deps, run, actor, s.id);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));

  return deps.database.transaction(async (tx) => {
    const counts = await outcomeCounts(tx, organizationId, run.id);
    await tx.db
      .update(cycleRuns)
      .set({ status: 'finished', finishedAt: deps.clock.now() })
      .where(and(eq(cycleRuns.organizationId, organizationId), eq(cycleRuns.id, run.id)));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'cycle_run',
      aggregateId: run.id,
      action: 'cycle_run.finished',
      actor,
      changes: counts,
    });
    return counts;
  });
};

type Counts = { issued: number; held: number; nothingReady: number; failed: number };

/** What each run did so far, for any number of runs in one query. */
const countsByRun = async (tx: Tx, organizationId: string, runIds: string[]) => {
  const { rows } = await tx.raw.query<{ run_id: string; outcome: Outcome; n: number }>(
    `SELECT run_id, outcome, count(*)::int AS n FROM cycle_run_items
      WHERE organization_id = $1 AND run_id = ANY($2::uuid[]) GROUP BY run_id, outcome`,
    [organizationId, runIds],
  );
  return (runId: string): Counts => {
    const n = (o: Outcome) => rows.find((r) => r.run_id === runId && r.outcome === o)?.n ?? 0;
    return { issued: n('issued'), held: n('held'), nothingReady: n('nothing_ready'), failed: n('failed') };
  };
};

const outcomeCounts = async (tx: Tx, organizationId: string, runId: string) =>
  (await countsByRun(tx, organizationId, [runId]))(runId);

const viewOf = (run: CycleRunRow, counts: Counts) => ({
  id: run.id,
  periodStart: run.periodStart,
  periodEnd: run.periodEnd,
  billingCycle: run.billingCycle,
  status: run.status,
  total: run.total,
  done: counts.issued + counts.held + counts.nothingReady + counts.failed,
  ...counts,
  createdAt: run.createdAt.toISOString(),
  startedAt: run.startedAt?.toISOString() ?? null,
  finishedAt: run.finishedAt?.toISOString() ?? null,
});

/** A run with its progress and, by name, the series it did not issue an invoice for (and why). */
export const cycleRunView = async (deps: Deps, organizationId: string, runId: string) => {
  const tx = deps.database;
  const [run] = await tx.db
    .select()
    .from(cycleRuns)
    .where(and(eq(cycleRuns.organizationId, organizationId), eq(cycleRuns.id, runId)));
  if (!run) throw notFound('cycle run');
  const { rows } = await tx.raw.query<{
    series_id: string;
    customer: string;
    scope: string | null;
    outcome: Outcome;
    invoice_id: string | null;
    message: string | null;
  }>(
    `SELECT i.series_id, c.name AS customer, s.template->>'scope' AS scope, i.outcome, i.invoice_id, i.message
       FROM cycle_run_items i
       JOIN series s ON s.organization_id = i.organization_id AND s.id = i.series_id
       JOIN customers c ON c.organization_id = s.organization_id AND c.id = s.customer_id
      WHERE i.organization_id = $1 AND i.run_id = $2 AND i.outcome <> 'issued'
      ORDER BY i.outcome, c.name LIMIT $3`,
    [organizationId, runId, PROBLEMS_SHOWN],
  );
  return {
    ...viewOf(run, await outcomeCounts(tx, organizationId, runId)),
    problems: rows.map((r) => ({
      seriesId: r.series_id,
      customer: r.customer,
      scope: r.scope,
      outcome: r.outcome as Exclude<Outcome, 'issued'>,
      invoiceId: r.invoice_id,
      message: r.message ?? '',
    })),
  };
};

/** The organization's latest runs, newest first, with their counts. */
export const listCycleRuns = async (deps: Deps, organizationId: string, limit = 20) => {
  const runs = await deps.database.db
    .select()
    .from(cycleRuns)
    .where(eq(cycleRuns.organizationId, organizationId))
    .orderBy(desc(cycleRuns.createdAt))
    .limit(limit);
  // One count query for the page, not one per run: the office polls this each second while a run works.
  const counts = await countsByRun(
    deps.database,
    organizationId,
    runs.map((r) => r.id),
  );
  return runs.map((r) => viewOf(r, counts(r.id)));
};

/** A cycle's run starts at this local hour on the day after it ends, so late closeouts of its last day count. */
export const CYCLE_RUN_HOUR = '06:00';
/** A run missed (the workers were down) is still started this many days after the cycle ended. */
const CATCH_UP_DAYS = 7;

/**
 * Starts the cycle runs that are due (the hourly `cycles.due` job): for every organization with series billed
 * on a cycle, once that cycle is over in its time zone (from 06:00 on the Monday, the 1st, the first of the
 * quarter), one run by the system for the cycle just ended. A period that already has a run is left alone;
 * an organization with a run in progress is tried again next hour.
 */
export const startDueCycleRuns = async (deps: Deps) => {
  const { rows } = await deps.database.raw.query<{
    organization_id: string;
    time_zone: string;
    billing_cycle: BillingCycle;
  }>(
    `SELECT DISTINCT o.id AS organization_id, o.time_zone, s.billing_cycle
       FROM organizations o JOIN series s ON s.organization_id = o.id
      WHERE s.billing_rule = 'per_cycle' AND s.billing_cycle IS NOT NULL
      ORDER BY 1, 3`,
  );
  const now = deps.clock.now();
  const started: string[] = [];
  for (const r of rows) {
    const period = lastWholeCycle(r.billing_cycle, businessDate(now, r.time_zone));
    const opens = zonedToInstant(addDays(period.end, 1), CYCLE_RUN_HOUR, r.time_zone);
    if (
      now < opens ||
      now > zonedToInstant(addDays(period.end, 1 + CATCH_UP_DAYS), CYCLE_RUN_HOUR, r.time_zone)
    )
      continue;
    const { rows: existing } = await deps.database.raw.query(
      `SELECT 1 FROM cycle_runs WHERE organization_id = $1 AND billing_cycle = $2 AND period_start = $3 AND period_end = $4`,
      [r.organization_id, r.billing_cycle, period.start, period.end],
    );
    if (existing.length > 0) continue;
    try {
      const run = await startCycleRun(
        deps,
        r.organization_id,
        { ...period, billingCycle: r.billing_cycle },
        SYSTEM_ACTOR,
      );
      started.push(run.id);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'conflict')) throw err;
    }
  }
  return { started: started.length };
};
