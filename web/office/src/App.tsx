import { type FormEvent, useEffect, useState } from 'react';
import { addDays, businessDate, zonedToInstant } from '../../../src/core/time';
import { ApiError, api, type JobT, loadMe, type MeT, signIn, signOut } from './api';
import { MetricsPage } from './Metrics';

const STATUS_LABEL: Record<string, string> = {
  scheduled: 'Scheduled',
  dispatched: 'Dispatched',
  in_progress: 'In progress',
  completed: 'Completed',
  canceled: 'Canceled',
  no_show: 'No-show',
  not_ready: 'Not ready',
  needs_info: 'Needs info',
  needs_approval: 'Needs approval',
  invoice_ready: 'Invoice ready',
  invoiced: 'Invoiced',
  paid: 'Paid',
  needs_review: 'Needs review',
  not_billable: 'Not billable',
};

const Login = ({ onSignedIn }: { onSignedIn: (me: MeT) => void }) => {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(email, password));
    } catch (err) {
      setError(err instanceof ApiError ? err.problem.detail : 'Could not reach the server');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <h1>Closeout</h1>
      <p className="tagline">From “job done” to “invoice sent” the same day.</p>
      <form onSubmit={submit} aria-label="Sign in">
        <label>
          E-mail
          <input
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
};

const Week = ({ me }: { me: MeT }) => {
  const [jobs, setJobs] = useState<JobT[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const tz = me.organization.timeZone;
  useEffect(() => {
    const today = businessDate(new Date(), tz);
    const from = zonedToInstant(addDays(today, -2), '00:00', tz).toISOString();
    const to = zonedToInstant(addDays(today, 5), '00:00', tz).toISOString();
    api<{ items: JobT[] }>('GET', `/api/v1/jobs?limit=200&from=${from}&to=${to}`).then(
      (page) => setJobs(page.items),
      (err: unknown) => setError(err instanceof ApiError ? err.problem.detail : 'Could not load jobs'),
    );
  }, [tz]);
  if (error) return <p role="alert">{error}</p>;
  if (!jobs) return <p>Loading jobs…</p>;
  const fmt = new Intl.DateTimeFormat('en-IE', {
    timeZone: tz,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
  const exceptions = jobs.filter((j) => j.status === 'completed' && j.billingStatus !== 'invoice_ready');
  return (
    <section>
      <div className="tiles">
        <div className="tile">
          <span>{jobs.length}</span> jobs from two days ago to four ahead
        </div>
        <div className="tile">
          <span>{jobs.filter((j) => j.status === 'completed').length}</span> completed
        </div>
        <div className="tile">
          <span>{jobs.filter((j) => j.status === 'in_progress').length}</span> in progress
        </div>
        <div className={`tile ${exceptions.length ? 'warn' : ''}`}>
          <span>{exceptions.length}</span> completed but not invoice-ready
        </div>
      </div>
      <table>
        <thead>
          <tr>
            <th>Job</th>
            <th>When</th>
            <th>Customer</th>
            <th>Crew</th>
            <th>Status</th>
            <th>Billing</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id}>
              <td>{j.number}</td>
              <td>{fmt.format(new Date(j.windowStart))}</td>
              <td>
                {j.customerName}
                <small>{j.jobTypeName}</small>
              </td>
              <td>{j.crew.map((c) => c.name).join(', ')}</td>
              <td>
                <span className={`pill ${j.status}`}>{STATUS_LABEL[j.status]}</span>
              </td>
              <td>
                <span className={`pill ${j.billingStatus}`}>{STATUS_LABEL[j.billingStatus]}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
};

const viewOf = () => (window.location.hash.startsWith('#/metrics') ? 'metrics' : 'jobs');

export const App = () => {
  const [me, setMe] = useState<MeT | null | undefined>(undefined);
  const [view, setView] = useState(viewOf);
  useEffect(() => {
    const onHash = () => setView(viewOf());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    loadMe().then(setMe, () => setMe(null));
  }, []);
  if (me === undefined) return <p className="loading">Loading…</p>;
  if (me === null) return <Login onSignedIn={setMe} />;
  return (
    <div className="shell">
      <header>
        <strong>Closeout</strong>
        <span className="org">{me.organization.name}</span>
        <nav>
          {me.permissions.includes('jobs.read') && (
            <a href="#/" aria-current={view === 'jobs' ? 'page' : undefined}>
              Jobs
            </a>
          )}
          {me.permissions.includes('metrics.read') && (
            <a href="#/metrics" aria-current={view === 'metrics' ? 'page' : undefined}>
              Metrics
            </a>
          )}
          {me.permissions.includes('api_keys.manage') && <a href="/api/docs">API docs</a>}
        </nav>
        <span className="who">
          {me.user?.name} · {me.roles.join(', ')}
        </span>
        <button type="button" onClick={() => signOut().then(() => setMe(null))}>
          Sign out
        </button>
      </header>
      <main>
        {view === 'metrics' && me.permissions.includes('metrics.read') ? (
          <>
            <h1>Cash-flow metrics</h1>
            <MetricsPage me={me} />
          </>
        ) : (
          <>
            <h1>Jobs around today</h1>
            <Week me={me} />
          </>
        )}
      </main>
    </div>
  );
};
