import { AppShell, Button, Group, Loader, Text } from '@mantine/core';
import { type FormEvent, lazy, Suspense, useEffect, useRef, useState } from 'react';
import { addDays, businessDate, zonedToInstant } from '../../../src/core/time';
import { ApprovalsPage } from './Approvals';
import { ApiError, api, type JobT, loadMe, type MeT, signIn, signOut } from './api';
import { BillingPage } from './Billing';
import { BoardPage } from './Board';
import { ExceptionsPage } from './Exceptions';
import { JobPage } from './JobPage';
import { LiveProvider, STATUS_LABEL, useLive, useRoute } from './lib';
import { TodayPage } from './Today';

// The charts (recharts) and the settings editors load when first opened: the board opens without them.
const MetricsPage = lazy(() => import('./Metrics').then((m) => ({ default: m.MetricsPage })));
const SettingsPage = lazy(() => import('./Settings').then((m) => ({ default: m.SettingsPage })));

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

/** Jobs from two days ago to four ahead: a technician's own, or everyone's. */
const MyJobs = ({ me }: { me: MeT }) => {
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
      <h1>Jobs around today</h1>
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

type NavItem = { path: string; label: string; permission: string };

/** Each role sees the screens its permissions open, nothing more. */
const NAV: NavItem[] = [
  { path: 'board', label: 'Board', permission: 'board.read' },
  { path: 'today', label: 'End of day', permission: 'board.read' },
  { path: 'exceptions', label: 'Exceptions', permission: 'board.read' },
  { path: 'approvals', label: 'Approvals', permission: 'approvals.read' },
  { path: 'billing', label: 'Billing', permission: 'invoices.manage' },
  { path: 'metrics', label: 'Metrics', permission: 'metrics.read' },
  { path: 'settings', label: 'Settings', permission: 'organization.manage' },
];

const Shell = ({ me, onSignOut }: { me: MeT; onSignOut: () => void }) => {
  const route = useRoute();
  const allowed = NAV.filter((n) => me.permissions.includes(n.permission));
  const [head = allowed[0]?.path ?? 'jobs', id] = route;
  const { last } = useLive();
  // On a phone the navigation scrolls sideways: keep the current page's link in view.
  const navRef = useRef<HTMLElement>(null);
  useEffect(() => {
    navRef.current
      ?.querySelector(`a[href="#/${head}"]`)
      ?.scrollIntoView({ inline: 'center', block: 'nearest' });
  }, [head]);
  const page = (() => {
    if (head === 'jobs' && id) return <JobPage me={me} id={id} />;
    if (!allowed.some((n) => n.path === head)) return <MyJobs me={me} />;
    switch (head) {
      case 'board':
        return <BoardPage me={me} />;
      case 'today':
        return <TodayPage me={me} />;
      case 'exceptions':
        return <ExceptionsPage me={me} />;
      case 'approvals':
        return <ApprovalsPage me={me} focus={id} />;
      case 'billing':
        return <BillingPage me={me} />;
      case 'metrics':
        return (
          <>
            <h1>Cash-flow metrics</h1>
            <Suspense fallback={<Loader aria-label="Loading the metrics" />}>
              <MetricsPage me={me} />
            </Suspense>
          </>
        );
      case 'settings':
        return (
          <Suspense fallback={<Loader aria-label="Loading the settings" />}>
            <SettingsPage me={me} />
          </Suspense>
        );
      default:
        return <MyJobs me={me} />;
    }
  })();
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header className="topbar">
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <strong>Closeout</strong>
            <Text size="sm" c="dimmed" visibleFrom="sm">
              {me.organization.name}
            </Text>
          </Group>
          <nav aria-label="Main" className="mainnav" ref={navRef}>
            {allowed.map((n) => (
              <a key={n.path} href={`#/${n.path}`} aria-current={head === n.path ? 'page' : undefined}>
                {n.label}
              </a>
            ))}
            {me.permissions.includes('api_keys.manage') && <a href="/api/docs">API docs</a>}
          </nav>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" visibleFrom="md">
              {me.user?.name} · {me.roles.join(', ')}
            </Text>
            <Button size="xs" variant="default" onClick={onSignOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <div className="live-region" aria-live="polite">
          {last ? `Live: ${last.number ?? 'a job'} ${last.action.replaceAll('_', ' ')}` : ''}
        </div>
        {page}
      </AppShell.Main>
    </AppShell>
  );
};

export const App = () => {
  const [me, setMe] = useState<MeT | null | undefined>(undefined);
  useEffect(() => {
    loadMe().then(setMe, () => setMe(null));
  }, []);
  if (me === undefined) return <p className="loading">Loading…</p>;
  if (me === null) return <Login onSignedIn={setMe} />;
  return (
    <LiveProvider enabled={me.permissions.includes('events.read')}>
      <Shell me={me} onSignOut={() => signOut().then(() => setMe(null))} />
    </LiveProvider>
  );
};
