import { Alert, Badge, Button, Center, Group, Loader, Stack, Text } from '@mantine/core';
import currencyCodes from 'currency-codes';
import {
  createContext,
  type DependencyList,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
} from 'react';
import { ApiError } from './api';

/** What a failed call says to a person: the problem's detail and, when it names fields, which ones. */
export const messageOf = (err: unknown): string => {
  if (err instanceof ApiError) {
    const fields = err.problem.errors ?? [];
    return fields.length
      ? `${err.problem.detail} (${fields.map((f) => `${f.field}: ${f.message}`).join('; ')})`
      : err.problem.detail;
  }
  return 'Could not reach the server';
};

/** What an action said: its success (green, a status; closable when onCloseNotice is given) and its error (red, an alert). */
export const Feedback = ({
  notice,
  error,
  onCloseNotice,
}: {
  notice?: string | null;
  error?: string | null;
  onCloseNotice?: () => void;
}) => (
  <>
    {notice && (
      <Alert
        color="green"
        role="status"
        {...(onCloseNotice ? { withCloseButton: true, onClose: onCloseNotice } : {})}
      >
        {notice}
      </Alert>
    )}
    {error && (
      <Alert color="red" role="alert">
        {error}
      </Alert>
    )}
  </>
);

export type Live = { tick: number; last: { id: string; action: string; number?: string } | null };
const LiveContext = createContext<Live>({ tick: 0, last: null });

/**
 * One EventSource per tab on /api/v1/events. Each job change bumps the tick; screens that show jobs
 * reload on it, so a technician's closeout appears without a reload. The browser reconnects by itself.
 */
export const LiveProvider = ({ enabled, children }: { enabled: boolean; children: ReactNode }) => {
  const [live, setLive] = useState<Live>({ tick: 0, last: null });
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/v1/events');
    const onChange = (e: MessageEvent<string>) => {
      try {
        const data = JSON.parse(e.data) as { id: string; action: string; number?: string };
        setLive((l) => ({ tick: l.tick + 1, last: data }));
      } catch {
        // A malformed frame changes nothing on screen.
      }
    };
    source.addEventListener('job.changed', onChange as EventListener);
    return () => source.close();
  }, [enabled]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
};

export const useLive = () => useContext(LiveContext);

export type Resource<T> = {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
};

/**
 * Loads data for a screen and reloads it when deps change or a live job change arrives. A reload keeps
 * the old data on screen (no flash of the loading state); only the latest answer is kept.
 */
export const useResource = <T,>(load: () => Promise<T>, deps: DependencyList, live = true): Resource<T> => {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const { tick } = useLive();
  const liveTick = live ? tick : 0;
  const seq = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to reload.
  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    load().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setError(messageOf(err));
        setLoading(false);
      },
    );
  }, [...deps, nonce, liveTick]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data, error, loading, reload };
};

/** Loading, error and empty states, the same on every screen. */
export const Loaded = <T,>({
  resource,
  empty,
  isEmpty,
  children,
  what,
}: {
  resource: Resource<T>;
  what: string;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) => {
  if (resource.data === undefined && resource.error) {
    return (
      <Alert color="red" title={`Could not load ${what}`} role="alert">
        <Stack gap="xs">
          <Text size="sm">{resource.error}</Text>
          <Group>
            <Button size="xs" variant="light" onClick={resource.reload}>
              Try again
            </Button>
          </Group>
        </Stack>
      </Alert>
    );
  }
  if (resource.data === undefined) {
    return (
      <Center py="xl" aria-busy="true">
        <Loader size="sm" aria-label={`Loading ${what}`} />
        <Text ml="sm" c="dimmed">
          Loading {what}…
        </Text>
      </Center>
    );
  }
  if (isEmpty?.(resource.data)) {
    return (
      <Text c="dimmed" py="lg" ta="center" data-empty>
        {empty ?? `No ${what}.`}
      </Text>
    );
  }
  return <>{children(resource.data)}</>;
};

export const STATUS_LABEL: Record<string, string> = {
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
  draft: 'Draft',
  issued: 'Issued',
  sent: 'Sent',
  partially_paid: 'Partly paid',
  credited: 'Credited',
  void: 'Discarded',
  pending: 'Pending',
  approved: 'Approved',
  rejected: 'Rejected',
  superseded: 'Superseded',
};

const STATUS_COLOR: Record<string, string> = {
  scheduled: 'gray',
  dispatched: 'blue',
  in_progress: 'indigo',
  completed: 'teal',
  canceled: 'dark',
  no_show: 'dark',
  not_ready: 'gray',
  needs_info: 'orange',
  needs_approval: 'yellow',
  invoice_ready: 'green',
  invoiced: 'cyan',
  paid: 'teal',
  needs_review: 'red',
  not_billable: 'gray',
  draft: 'gray',
  issued: 'blue',
  sent: 'cyan',
  partially_paid: 'yellow',
  credited: 'grape',
  pending: 'yellow',
  approved: 'green',
  rejected: 'red',
};

/** A status as a badge; the colour repeats the words, it never replaces them. */
export const StatusBadge = ({ status, kind }: { status: string; kind?: string }) => (
  <Badge
    color={STATUS_COLOR[status] ?? 'gray'}
    variant="light"
    radius="sm"
    data-status={status}
    aria-label={kind ? `${kind}: ${STATUS_LABEL[status] ?? status}` : undefined}
  >
    {STATUS_LABEL[status] ?? status}
  </Badge>
);

/** Decimal strings formatted for people without turning them into floats for arithmetic. */
/** Every ISO 4217 currency a customer can be invoiced in, by code and name ("GBP · Pound Sterling"). */
export const CURRENCY_OPTIONS = currencyCodes
  .codes()
  .filter((c) => c !== 'XXX' && c !== 'XTS' && !c.startsWith('XB'))
  .map((c) => ({ value: c, label: `${c} · ${currencyCodes.code(c)?.currency ?? ''}` }));

export const money = (amount: string | null | undefined, currency: string): string => {
  if (amount === null || amount === undefined) return '–';
  return new Intl.NumberFormat('en-IE', { style: 'currency', currency }).format(amount as unknown as number);
};

export const dateTime = (iso: string | null | undefined, timeZone: string): string =>
  iso
    ? new Intl.DateTimeFormat('en-IE', {
        timeZone,
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(iso))
    : '–';

const DAY = new Intl.DateTimeFormat('en-IE', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
/** A business date (YYYY-MM-DD) as people write it: "18 Nov 2026". */
export const dayText = (day: string | null | undefined): string =>
  day ? DAY.format(new Date(`${day}T00:00:00Z`)) : '–';

/** HH:MM (24 h) of an instant on the organization's wall clock. */
export const timeOnly = (iso: string, timeZone: string): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(iso),
  );

/** Hash routes: #/board, #/jobs/<id>, #/billing … */
const parseHash = (): string[] =>
  window.location.hash.replace(/^#\/?/, '').split('?')[0]?.split('/').filter(Boolean) ?? [];

export const useRoute = (): string[] => {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const onHash = () => setRoute(parseHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
};

export const go = (path: string) => {
  window.location.hash = `#/${path}`;
};

/** A form's submit state: busy, the server's refusal (naming the field), or a saved notice. */
export const useSubmit = () => {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const run = async (fn: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      setSaved(await fn());
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const feedback: ReactNode = <Feedback notice={saved} error={error} />;
  return { busy, run, feedback, error, setError };
};
