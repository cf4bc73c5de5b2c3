import { useCallback, useEffect, useState } from 'react';
import type { WorkOrdersT } from '../../../src/contracts/work-orders';
import { ApiError, call, NetworkError, setCsrf } from './api';
import { ChangeOrderScreen } from './ChangeOrders';
import { db, getNotices, getSession, getSnapshot, type Notices, type OutboxItem, type Session } from './db';
import { JobPage, JobsList } from './Jobs';
import { NewChangeOrder } from './NewChangeOrder';
import { NewQuote } from './NewQuote';
import { go, useRoute } from './nav';
import { Outbox } from './Outbox';
import { onOutboxChange, syncOutbox } from './sync';
import { CloseoutWizard } from './Wizard';
import { dismissNotice, refreshWork } from './work';

type MeT = {
  user: { id: string; name: string; email: string };
  csrfToken: string;
  organization: { name: string };
  organizations: { id: string; name: string; current: boolean }[];
};

/** Keeps who is signed in, and for which organization, on the phone. */
const keepSession = async (me: MeT): Promise<Session> => {
  const session: Session = {
    key: 'session',
    userId: me.user.id,
    name: me.user.name,
    email: me.user.email,
    csrfToken: me.csrfToken,
    organizationName: me.organization.name,
    organizations: me.organizations,
  };
  await db.meta.put(session);
  setCsrf(me.csrfToken);
  return session;
};

/**
 * A technician who works for several firms moves the phone to another: only with nothing waiting to reach
 * this one's office (the outbox's work belongs to its jobs). The jobs shown are fetched again for the other;
 * unfinished closeouts stay on the phone for when they come back.
 */
const SwitchOrganization = ({
  session,
  blocked,
  onSwitched,
}: {
  session: Session;
  blocked: boolean;
  onSwitched: (s: Session) => void;
}) => {
  const [error, setError] = useState<string | null>(null);
  const others = (session.organizations ?? []).filter((o) => !o.current);
  if (others.length === 0) return null;
  return (
    <fieldset className="switch" aria-label="Your other organizations">
      {others.map((o) => (
        <button
          key={o.id}
          type="button"
          className="link"
          disabled={blocked}
          onClick={async () => {
            setError(null);
            try {
              const me = await call<MeT>('POST', '/auth/switch', { organizationId: o.id });
              await db.meta.delete('snapshot');
              await db.meta.delete('notices');
              onSwitched(await keepSession(me));
            } catch (err) {
              setError(
                err instanceof NetworkError ? 'No connection: switching needs one.' : (err as Error).message,
              );
            }
          }}
        >
          Work for {o.name}
        </button>
      ))}
      {blocked && <span className="hint">Send what waits in the outbox first.</span>}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </fieldset>
  );
};

const Login = ({ onSignedIn }: { onSignedIn: (s: Session) => void }) => {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // A person with two-step sign-in is asked for the code from their authenticator app on a second step.
  const [code, setCode] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main className="login">
      <h1>Closeout</h1>
      <p>Sign in once; your jobs stay on this phone.</p>
      <form
        aria-label="Sign in"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            const me = await call<MeT>(
              'POST',
              '/auth/login',
              code ? { email, password, device: true, code } : { email, password, device: true },
            );
            onSignedIn(await keepSession(me));
          } catch (err) {
            if (err instanceof ApiError && err.code === 'second_factor_required') {
              setCode('');
              return;
            }
            setError(
              err instanceof NetworkError
                ? 'No connection: signing in needs one, once.'
                : (err as Error).message,
            );
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          E-mail
          <input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {code !== null && (
          <label>
            Code from your authenticator app (or a recovery code)
            <input
              autoComplete="one-time-code"
              required
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </label>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
};

export const App = () => {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [work, setWork] = useState<WorkOrdersT | null>(null);
  const [fetchedAt, setFetchedAt] = useState<string | null>(null);
  const [outbox, setOutbox] = useState<OutboxItem[]>([]);
  const [notices, setNotices] = useState<Notices['items']>([]);
  const [online, setOnline] = useState(navigator.onLine);
  const [problem, setProblem] = useState<string | null>(null);
  const route = useRoute();

  const reload = useCallback(async () => {
    setOutbox(await db.outbox.orderBy('createdAt').reverse().toArray());
    setNotices(await getNotices());
    const snap = await getSnapshot();
    if (snap) {
      setWork(snap.data);
      setFetchedAt(snap.fetchedAt);
    }
  }, []);

  /** Fetch fresh work orders, then send what waits. Offline, both quietly wait for the next chance. */
  const syncNow = useCallback(
    async (force = false) => {
      try {
        await refreshWork();
        setProblem(null);
        // The organizations the person may work for change (an invitation accepted, a membership ended).
        const me = await call<MeT>('GET', '/me');
        const kept = await getSession();
        if (JSON.stringify(kept?.organizations) !== JSON.stringify(me.organizations))
          setSession(await keepSession(me));
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          setProblem('Your sign-in has expired. Sign in again: nothing on this phone is lost.');
        } else if (!(err instanceof NetworkError)) setProblem((err as Error).message);
      }
      await syncOutbox({ force });
      await reload();
    },
    [reload],
  );

  useEffect(() => {
    void (async () => {
      const s = await getSession();
      if (s) setCsrf(s.csrfToken);
      setSession(s ?? null);
      await reload();
    })();
  }, [reload]);

  // Keyed by the member, not the session object: the session is kept again when its organizations change.
  const member = session?.userId;
  useEffect(() => {
    if (!member) return;
    void syncNow();
    const up = () => {
      setOnline(true);
      void syncNow(true);
    };
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    const timer = window.setInterval(() => void syncOutbox().then(reload), 15_000);
    const off = onOutboxChange(() => void reload());
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
      window.clearInterval(timer);
      off();
    };
  }, [member, syncNow, reload]);

  if (session === undefined) return <p className="loading">Loading…</p>;
  if (session === null || problem?.startsWith('Your sign-in'))
    return (
      <>
        {problem && (
          <p className="banner warn" role="alert">
            {problem}
          </p>
        )}
        <Login
          onSignedIn={(s) => {
            setProblem(null);
            setSession(s);
          }}
        />
      </>
    );

  const waiting = outbox.filter((o) => o.state === 'saved' || o.state === 'sending').length;
  const attention = outbox.filter((o) => o.state === 'needs_attention').length;
  const [screen, id] = route;
  const order = id ? work?.items.find((w) => w.job.id === id) : undefined;

  return (
    <div className="app">
      <header className="top">
        <button type="button" className="link home" onClick={() => go('')}>
          Closeout
        </button>
        <span className={`net ${online ? 'on' : 'off'}`} role="status" aria-label="Connection">
          {online ? 'Online' : 'Offline'}
        </span>
        <button type="button" className="outbox-link" onClick={() => go('outbox')}>
          Outbox{waiting ? ` · ${waiting} waiting` : ''}
          {attention ? ` · ${attention} need attention` : ''}
        </button>
      </header>
      {notices.length > 0 && (
        <section className="notices" aria-label="Changes from the office">
          {notices.map((n) => (
            <p key={`${n.jobId}${n.message}`} className="banner warn">
              {n.message}{' '}
              <button
                type="button"
                className="link"
                onClick={() => void dismissNotice(n.jobId, n.message).then(reload)}
              >
                Got it
              </button>
            </p>
          ))}
        </section>
      )}
      {problem && (
        <p className="banner error" role="alert">
          {problem}
        </p>
      )}
      <main>
        {!work ? (
          <p className="empty">
            {online ? 'Fetching your jobs…' : 'No jobs on this phone yet: connect once to fetch them.'}
          </p>
        ) : screen === 'outbox' ? (
          <Outbox items={outbox} work={work} onSync={() => syncNow(true)} />
        ) : screen === 'job' && order ? (
          <JobPage
            work={work}
            order={order}
            outbox={outbox.filter((o) => o.jobId === order.job.id)}
            online={online}
          />
        ) : screen === 'change' && order ? (
          route[2] ? (
            <ChangeOrderScreen order={order} changeOrderId={route[2]} onSaved={() => syncNow(true)} />
          ) : (
            <NewChangeOrder work={work} order={order} onSaved={() => syncNow(true)} />
          )
        ) : screen === 'quote' && order ? (
          <NewQuote work={work} order={order} onQueued={() => syncNow(true)} />
        ) : screen === 'closeout' && order ? (
          <CloseoutWizard work={work} order={order} />
        ) : screen && screen !== '' && !order ? (
          <p className="empty">That job is not on this phone any more.</p>
        ) : (
          <JobsList work={work} outbox={outbox} fetchedAt={fetchedAt} onRefresh={() => syncNow(true)} />
        )}
      </main>
      <footer className="foot">
        Signed in as {session.name}
        {session.organizationName && (session.organizations?.length ?? 0) > 1
          ? ` for ${session.organizationName}`
          : ''}
        <SwitchOrganization
          session={session}
          blocked={waiting + attention > 0}
          onSwitched={(s) => {
            setWork(null);
            setFetchedAt(null);
            setNotices([]);
            go('');
            setSession(s);
          }}
        />
        <button
          type="button"
          className="link"
          onClick={async () => {
            if (
              waiting &&
              !window.confirm(
                'Some work has not reached the office yet. Sign out anyway? It stays on this phone.',
              )
            )
              return;
            await call('POST', '/auth/logout').catch(() => undefined);
            await db.meta.delete('session');
            setSession(null);
          }}
        >
          Sign out
        </button>
      </footer>
    </div>
  );
};
