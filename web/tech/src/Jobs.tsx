import { useEffect, useState } from 'react';
import type { WorkOrdersT, WorkOrderT } from '../../../src/contracts/work-orders';
import { ChangeOrderList } from './ChangeOrders';
import { timerHours } from './closeout';
import { type Draft, db, emptyDraft, type OutboxItem } from './db';
import { fmt } from './format';
import { Messages, openQuestion } from './Messages';
import { go } from './nav';
import { enqueue, STATE_LABEL, syncOutbox } from './sync';

const dayKey = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(iso),
  );

const STATUS: Record<string, string> = {
  scheduled: 'Scheduled',
  dispatched: 'On the way',
  in_progress: 'In progress',
  completed: 'Completed',
  canceled: 'Canceled',
  no_show: 'No-show',
};

const latestFor = (outbox: OutboxItem[], jobId: string) =>
  outbox.find((o) => o.jobId === jobId && o.kind === 'closeout');

export const JobsList = ({
  work,
  outbox,
  fetchedAt,
  onRefresh,
}: {
  work: WorkOrdersT;
  outbox: OutboxItem[];
  fetchedAt: string | null;
  onRefresh: () => void;
}) => {
  const tz = work.organization.timeZone;
  const today = dayKey(new Date().toISOString(), tz);
  const days = new Map<string, WorkOrderT[]>();
  for (const w of work.items) {
    const k = dayKey(w.job.windowStart, tz);
    days.set(k, [...(days.get(k) ?? []), w]);
  }
  return (
    <>
      <div className="row between">
        <h1>My jobs</h1>
        <button type="button" onClick={onRefresh}>
          Refresh
        </button>
      </div>
      {fetchedAt && (
        <p className="muted">
          Updated {fmt(fetchedAt, tz, { weekday: 'short', hour: '2-digit', minute: '2-digit' })}
        </p>
      )}
      {work.items.length === 0 && <p className="empty">No jobs for you today or in the next few days.</p>}
      {[...days].map(([day, items]) => (
        <section key={day} aria-label={day === today ? 'Today' : day}>
          <h2>
            {day === today
              ? 'Today'
              : fmt(`${day}T12:00:00Z`, 'UTC', { weekday: 'long', day: 'numeric', month: 'short' })}
          </h2>
          <ul className="jobs">
            {items.map((w) => {
              const sent = latestFor(outbox, w.job.id);
              return (
                <li key={w.job.id}>
                  <button
                    type="button"
                    className="job-card"
                    data-job={w.job.number}
                    onClick={() => go(`job/${w.job.id}`)}
                  >
                    <span className="job-head">
                      <strong>{w.job.number}</strong>
                      <span>
                        {fmt(w.job.windowStart, tz, { hour: '2-digit', minute: '2-digit' })}–
                        {fmt(w.job.windowEnd, tz, { hour: '2-digit', minute: '2-digit' })}
                      </span>
                    </span>
                    <span className="job-customer">{w.job.customerName}</span>
                    <span className="muted">
                      {w.site.address.line1}, {w.site.address.city} · {w.jobType.name}
                    </span>
                    <span className={`pill ${w.job.status}`}>{STATUS[w.job.status] ?? w.job.status}</span>
                    {sent && <span className={`pill ${sent.state}`}>{STATE_LABEL[sent.state]}</span>}
                    {openQuestion(
                      w.messages,
                      outbox.filter((o) => o.kind === 'message' && o.jobId === w.job.id),
                    ) && <span className="pill needs_attention">The office asked a question</span>}
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </>
  );
};

/** The job's draft, created on first use and saved on every change. */
export const useDraft = (jobId: string) => {
  const [draft, setDraft] = useState<Draft | null>(null);
  useEffect(() => {
    void db.drafts.get(jobId).then((d) => setDraft(d ?? emptyDraft(jobId)));
  }, [jobId]);
  const save = async (next: Draft) => {
    const stamped = { ...next, updatedAt: new Date().toISOString() };
    setDraft(stamped);
    await db.drafts.put(stamped);
  };
  return [draft, save] as const;
};

const Timer = ({ draft, save }: { draft: Draft; save: (d: Draft) => Promise<void> }) => {
  const [, tick] = useState(0);
  useEffect(() => {
    if (!draft.timer.startedAt) return;
    const t = window.setInterval(() => tick((n) => n + 1), 1000);
    return () => window.clearInterval(t);
  }, [draft.timer.startedAt]);
  const running = draft.timer.startedAt !== null;
  const total =
    draft.timer.elapsedMs + (running ? Date.now() - new Date(draft.timer.startedAt ?? 0).getTime() : 0);
  const hh = Math.floor(total / 3_600_000);
  const mm = Math.floor((total % 3_600_000) / 60_000);
  const ss = Math.floor((total % 60_000) / 1000);
  return (
    <section className="timer" aria-label="Timer">
      <span className="clock" role="timer">
        {String(hh).padStart(2, '0')}:{String(mm).padStart(2, '0')}:{String(ss).padStart(2, '0')}
      </span>
      <button
        type="button"
        onClick={() =>
          save(
            running
              ? {
                  ...draft,
                  timer: { startedAt: null, elapsedMs: total },
                  laborHours: String(timerHours({ ...draft, timer: { startedAt: null, elapsedMs: total } })),
                }
              : {
                  ...draft,
                  timer: { startedAt: new Date().toISOString(), elapsedMs: draft.timer.elapsedMs },
                },
          )
        }
      >
        {running ? 'Stop timer' : 'Start timer'}
      </button>
    </section>
  );
};

export const JobPage = ({
  work,
  order,
  outbox,
  online,
}: {
  work: WorkOrdersT;
  order: WorkOrderT;
  outbox: OutboxItem[];
  online: boolean;
}) => {
  const tz = work.organization.timeZone;
  const j = order.job;
  const [draft, save] = useDraft(j.id);
  const a = order.site.address;
  const address = [a.line1, a.line2, a.city, a.postalCode].filter(Boolean).join(', ');
  const [eta, setEta] = useState(20);
  const current = order.visits.find((v) => v.current);
  const next = order.visits.find((v) => v.status === 'planned' && !v.current);
  const status = async (kind: 'on_my_way' | 'start' | 'visit_done') => {
    await enqueue({
      id: crypto.randomUUID(),
      kind,
      jobId: j.id,
      jobNumber: j.number,
      ...(kind === 'on_my_way' ? { etaMinutes: eta } : {}),
      ...(kind === 'visit_done' ? { visitId: current?.id } : {}),
    });
    // Leaving for the day: the timer stops with the visit, and goes on when the crew starts the next one.
    if (kind === 'visit_done' && draft?.timer.startedAt)
      await save({
        ...draft,
        timer: {
          startedAt: null,
          elapsedMs: draft.timer.elapsedMs + (Date.now() - new Date(draft.timer.startedAt).getTime()),
        },
      });
    if (kind === 'start' && draft && !draft.timer.startedAt)
      await save({
        ...draft,
        timer: { startedAt: new Date().toISOString(), elapsedMs: draft.timer.elapsedMs },
      });
    void syncOutbox();
  };
  // A job of several visits: what was said on an earlier visit does not count for this one.
  const visitLeft =
    outbox
      .filter((o) => o.kind === 'visit_done')
      .map((o) => o.createdAt)
      .sort()
      .at(-1) ?? '';
  const said = (kind: string) => outbox.some((o) => o.kind === kind && o.createdAt > visitLeft);
  // Left done, and the phone still shows that visit until the next sync brings the job's next one.
  const leftToday =
    current !== undefined && outbox.some((o) => o.kind === 'visit_done' && o.visitId === current.id);
  const when = (at: string) =>
    fmt(at, tz, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  const closed = j.status === 'canceled' || j.status === 'no_show';
  // A refused closeout sends the technician back to the wizard; anything else is on its way.
  const closeout = outbox.find(
    (o) => o.kind === 'closeout' && !(o.state === 'needs_attention' && !o.conflict),
  );
  const refused = outbox.find((o) => o.kind === 'closeout' && o.state === 'needs_attention' && !o.conflict);
  const quotes = outbox.filter((o) => o.kind === 'quote');
  return (
    <article aria-label={`Job ${j.number}`}>
      <button type="button" className="link" onClick={() => go('')}>
        ← My jobs
      </button>
      <h1>
        {j.number} · {j.customerName}
      </h1>
      <p className={`pill ${j.status}`}>{STATUS[j.status] ?? j.status}</p>
      {closed && (
        <p className="banner warn" role="alert">
          The office {j.status === 'canceled' ? 'canceled' : 'closed'} this job
          {j.closedReason ? `: ${j.closedReason}` : ''}.
        </p>
      )}
      <dl className="facts">
        <dt>When</dt>
        <dd>
          {fmt(j.windowStart, tz, {
            weekday: 'short',
            day: 'numeric',
            month: 'short',
            hour: '2-digit',
            minute: '2-digit',
          })}
          –{fmt(j.windowEnd, tz, { hour: '2-digit', minute: '2-digit' })}
        </dd>
        {current?.number && (
          <>
            <dt>Visit</dt>
            <dd>
              {`${current.number} of ${current.of}`}
              {next ? `; the next: ${when(next.windowStart)}` : '; the last one'}
            </dd>
          </>
        )}
        <dt>Where</dt>
        <dd>
          {order.site.name}, {address}{' '}
          <a
            href={`https://www.google.com/maps/dir/?api=1&destination=${encodeURIComponent(address)}`}
            target="_blank"
            rel="noreferrer"
          >
            Navigate
          </a>
        </dd>
        {order.site.accessNotes && (
          <>
            <dt>Access</dt>
            <dd>{order.site.accessNotes}</dd>
          </>
        )}
        <dt>Work</dt>
        <dd>
          {order.jobType.name}: {j.scope}
        </dd>
      </dl>
      <section aria-label="What this closeout needs">
        <h2>What this closeout needs</h2>
        <ul className="needs">
          {order.jobType.requirements.checklist.map((c) => (
            <li key={c}>☐ {c}</li>
          ))}
          {order.jobType.requirements.photos.map((p) => (
            <li key={p.category}>
              {p.min} {p.category.replace('_', ' ')} photo{p.min > 1 ? 's' : ''}
            </li>
          ))}
          {order.jobType.requirements.signature && <li>Customer signature</li>}
          {order.jobType.requirements.serialNumbers && <li>Serial number of the unit</li>}
          {order.jobType.requirements.notes && <li>Notes on the work</li>}
          {order.jobType.billingMode === 'time_and_materials' && <li>Labor hours</li>}
        </ul>
      </section>
      {!closed && !closeout && !leftToday && (
        <div className="actions">
          {j.status === 'scheduled' && !said('on_my_way') && (
            <label className="eta">
              Arriving in
              <select value={eta} onChange={(e) => setEta(Number(e.target.value))}>
                {[10, 15, 20, 30, 45, 60, 90].map((m) => (
                  <option key={m} value={m}>
                    {m} min
                  </option>
                ))}
              </select>
            </label>
          )}
          <button
            type="button"
            disabled={said('on_my_way') || j.status !== 'scheduled'}
            onClick={() => status('on_my_way')}
          >
            {said('on_my_way') || j.status === 'dispatched' ? 'On my way ✓' : 'On my way'}
          </button>
          <button
            type="button"
            disabled={said('start') || j.status === 'in_progress'}
            onClick={() => status('start')}
          >
            {said('start') || j.status === 'in_progress' ? 'Started ✓' : 'Start job'}
          </button>
          {next && (j.status === 'in_progress' || said('start')) && (
            <button type="button" onClick={() => status('visit_done')}>
              {`Done for today, back ${when(next.windowStart)}`}
            </button>
          )}
        </div>
      )}
      {leftToday && next && (
        <p className="banner ok" role="status">
          {`Visit done: you are back ${when(next.windowStart)}. It goes to the office with the next sync.`}
        </p>
      )}
      {draft && !closed && !closeout && !leftToday && <Timer draft={draft} save={save} />}
      {closeout ? (
        <p className={`banner ${closeout.state === 'needs_attention' ? 'warn' : 'ok'}`}>
          Closeout: {STATE_LABEL[closeout.state]}{' '}
          <button type="button" className="link" onClick={() => go('outbox')}>
            See the outbox
          </button>
        </p>
      ) : (
        !closed && (
          <>
            {refused && (
              <p className="banner warn" role="alert">
                The office refused the last closeout: {refused.reason}
              </p>
            )}
            {next && (
              <p className="muted">
                Close out only when the whole job is done: its later visits are then canceled.
              </p>
            )}
            <button type="button" className="primary wide" onClick={() => go(`closeout/${j.id}`)}>
              {refused ? 'Fix the closeout' : 'Close out'}
            </button>
          </>
        )
      )}
      <ChangeOrderList order={order} online={online} />
      <section aria-label="Quotes drafted here">
        <h2>Quotes</h2>
        {quotes.length === 0 && (
          <p className="muted">
            Customer asking about more work? Draft a quote: the office prices and sends it.
          </p>
        )}
        <ul className="changes">
          {quotes.map((q) => (
            <li key={q.id} className="job-card">
              <span className="job-head">
                <strong>{q.quote?.title}</strong>
                <span className={`pill ${q.state}`}>{STATE_LABEL[q.state]}</span>
              </span>
              {q.state === 'submitted' && q.outcome && <span>{q.outcome}</span>}
              {q.state !== 'submitted' && q.reason && <span className="reason">{q.reason}</span>}
            </li>
          ))}
        </ul>
        <button type="button" className="wide" onClick={() => go(`quote/${j.id}`)}>
          Draft a quote
        </button>
      </section>
      <Messages work={work} order={order} outbox={outbox} />
    </article>
  );
};
