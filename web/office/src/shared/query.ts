import {
  keepPreviousData,
  QueryClient,
  type QueryKey,
  useInfiniteQuery,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { useCallback } from 'react';
import { api, type Page } from './api';
import { messageOf } from './feedback';

/**
 * Server state lives in one TanStack Query cache. Every key starts with the resource it reads, so the live
 * stream and the forms invalidate by resource ('jobs', 'invoices' …) and only the screens that show it refetch.
 */
export type ResourceName =
  | 'jobs'
  | 'board'
  | 'invoices'
  | 'approvals'
  | 'integration-errors'
  | 'cycle-runs'
  | 'exchange-rates'
  | 'metrics'
  | 'customers'
  | 'series'
  | 'notifications'
  | 'users'
  | 'catalog'
  | 'organization'
  | 'integrations'
  | 'api-keys'
  | 'quotes'
  | 'bank'
  | 'imports'
  | 'account';

export type ApiKey = readonly [ResourceName, ...unknown[]];

/** What a job change on the live stream can alter; settings (customers, users, catalog …) are not among them. */
export const JOB_SCOPED: readonly ResourceName[] = [
  'jobs',
  'board',
  'invoices',
  'approvals',
  'integration-errors',
  'metrics',
  'series',
  'notifications',
  'quotes',
];

export const createQueryClient = () =>
  new QueryClient({
    defaultOptions: {
      queries: {
        // Freshness comes from the live stream and from invalidation after a write, not from timers.
        staleTime: 30_000,
        retry: (failures, err) => failures < 2 && messageOf(err) === 'Could not reach the server',
        refetchOnWindowFocus: true,
      },
    },
  });

export type Resource<T> = {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
};

/**
 * Loads data for a screen under a resource key. A change of key keeps the old data on screen until the new
 * answer arrives (no flash of the loading state); requests for the same key are made once and shared.
 */
export const useApi = <T>(
  key: ApiKey,
  load: () => Promise<T>,
  options: {
    enabled?: boolean;
    refetchInterval?: number | false | ((data: T | undefined) => number | false);
  } = {},
): Resource<T> => {
  const q = useQuery({
    queryKey: key as unknown as QueryKey,
    queryFn: load,
    placeholderData: keepPreviousData,
    enabled: options.enabled ?? true,
    refetchInterval: (query) => {
      const every = options.refetchInterval ?? false;
      return typeof every === 'function' ? every(query.state.data) : every;
    },
  });
  const { refetch } = q;
  const reload = useCallback(() => {
    void refetch();
  }, [refetch]);
  return {
    data: q.data,
    error: q.error ? messageOf(q.error) : null,
    loading: q.isFetching,
    reload,
  };
};

/** After a write: mark what it changed as stale, so every screen showing it refetches once. */
export const useInvalidate = () => {
  const client = useQueryClient();
  return useCallback(
    (...resources: ResourceName[]) => {
      for (const r of resources) void client.invalidateQueries({ queryKey: [r] });
    },
    [client],
  );
};

/** A cursor-paginated list, a page at a time: the rows so far, and a way to load the next page. */
export const useApiPages = <T>(key: ApiKey, url: string, pageSize = 50) => {
  const q = useInfiniteQuery({
    queryKey: key as unknown as QueryKey,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api<Page<T>>(
        'GET',
        `${url}${url.includes('?') ? '&' : '?'}limit=${pageSize}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    getNextPageParam: (last) => last.nextCursor ?? null,
    placeholderData: keepPreviousData,
  });
  return {
    rows: q.data?.pages.flatMap((p) => p.items),
    error: q.error ? messageOf(q.error) : null,
    loading: q.isFetching,
    hasMore: q.hasNextPage,
    loadMore: () => void q.fetchNextPage(),
    loadingMore: q.isFetchingNextPage,
    reload: () => void q.refetch(),
  };
};
