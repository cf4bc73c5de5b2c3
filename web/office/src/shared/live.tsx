import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { LIVE_EVENT_TYPES, LiveEventFrame } from '../../../../src/contracts/live';
import { JOB_SCOPED } from './query';

export type Live = { last: LiveEventFrame | null };
const LiveContext = createContext<Live>({ last: null });

/** Changes arriving within this window are invalidated together: a burst of 50 changes is one refetch. */
const BATCH_MS = 250;

/**
 * One EventSource per tab on /api/v1/events. A job change marks the job-scoped resources stale (jobs, the
 * board, invoices, approvals, metrics); only queries a mounted screen uses refetch, the rest wait until shown,
 * so a technician's closeout appears without a reload. The browser reconnects by itself.
 */
export const LiveProvider = ({ enabled, children }: { enabled: boolean; children: ReactNode }) => {
  const [live, setLive] = useState<Live>({ last: null });
  const client = useQueryClient();
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/v1/events');
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      for (const r of JOB_SCOPED) void client.invalidateQueries({ queryKey: [r] });
    };
    const onChange = (e: MessageEvent<string>) => {
      let frame: LiveEventFrame;
      try {
        const parsed = LiveEventFrame.safeParse(JSON.parse(e.data));
        if (!parsed.success) return;
        frame = parsed.data;
      } catch {
        return; // A malformed frame changes nothing on screen.
      }
      setLive({ last: frame });
      timer ??= setTimeout(flush, BATCH_MS);
    };
    for (const type of LIVE_EVENT_TYPES) source.addEventListener(type, onChange as EventListener);
    return () => {
      if (timer) clearTimeout(timer);
      source.close();
    };
  }, [enabled, client]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
};

export const useLive = () => useContext(LiveContext);
