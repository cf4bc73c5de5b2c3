/**
 * Open-loop load: closeouts arrive at a fixed average rate (Poisson), whether or not earlier ones have been
 * answered, as technicians' phones do. Each latency counts from the moment the request was due, so a server
 * that falls behind shows it (no coordinated omission), unlike a closed loop whose clients wait.
 */
import { randomUUID } from 'node:crypto';
import { closeoutBody } from './fixtures';
import { percentile, round } from './stats';

export type OpenLoopResult = {
  sent: number;
  ok: number;
  errors: number;
  /** Answered per second over the window. */
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
};

export const openLoop = async (args: {
  base: string;
  apiKey: string;
  technicianId: string;
  jobIds: string[];
  perSecond: number;
  seconds: number;
  /** Called every second with what has been answered so far (for progress, or a memory sample). */
  onSecond?: (elapsedSeconds: number) => void;
}): Promise<OpenLoopResult> => {
  const { base, apiKey, technicianId, jobIds, perSecond, seconds } = args;
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const inFlight: Promise<void>[] = [];
  const fire = (jobId: string, due: number) => {
    const done = fetch(`${base}/api/v1/jobs/${jobId}/closeouts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: closeoutBody(randomUUID(), technicianId),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) latencies.push(performance.now() - due);
        else errors += 1;
      })
      .catch(() => {
        errors += 1;
      });
    inFlight.push(done);
  };
  const start = performance.now();
  const end = start + seconds * 1000;
  let due = start;
  let nextSecond = 1;
  for (;;) {
    // Exponential gaps between arrivals: a Poisson process at the given rate.
    due += (-Math.log(1 - Math.random()) / perSecond) * 1000;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const now = performance.now();
    while (args.onSecond && now - start >= nextSecond * 1000) args.onSecond(nextSecond++);
    const jobId = jobIds[sent];
    if (!jobId) throw new Error('the benchmark ran out of prepared jobs');
    sent += 1;
    fire(jobId, due);
  }
  await Promise.all(inFlight);
  return {
    sent,
    ok: latencies.length,
    errors,
    perSecond: round(latencies.length / seconds),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(Math.max(0, ...latencies)),
  };
};
