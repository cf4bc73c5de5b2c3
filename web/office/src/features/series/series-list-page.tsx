import { Alert, Button, Group, Loader, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import type { z } from 'zod';
import type { SeriesSummary } from '../../../../../src/contracts/series';
import { dateTime } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { useCan, useMe } from '../../shared/me';
import { useApiPages } from '../../shared/query';
import { ResourceTable } from '../../shared/resource-table';
import { StatusBadge } from '../../shared/status';
import { NewSeries } from './new-series';
import { planText } from './series-page';

type Row = z.infer<typeof SeriesSummary>;

const FILTERS = [
  { value: 'active', label: 'Running' },
  { value: 'paused', label: 'Paused' },
  { value: 'ended', label: 'Ended' },
  { value: 'all', label: 'All' },
];

/** The recurring services: who, what, how often, the next visit and whether it runs, paused or ended. */
export const SeriesListPage = () => {
  const can = useCan();
  const tz = useMe().organization.timeZone;
  const navigate = useNavigate();
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const [filter, setFilter] = useState('active');
  const [adding, setAdding] = useState(false);
  const list = useApiPages<Row>(
    ['series', 'list', filter],
    `/api/v1/series${filter === 'all' ? '' : `?status=${filter}`}`,
  );
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1}>Recurring services</Title>
        {can('series.manage') && <Button onClick={() => setAdding(true)}>New recurring service</Button>}
      </Group>
      <SegmentedControl aria-label="Show" data={FILTERS} value={filter} onChange={setFilter} maw={480} />
      {list.error && !list.rows && (
        <Alert color="red" role="alert" title="Could not load the recurring services">
          {list.error}
        </Alert>
      )}
      {!list.rows && !list.error && <Loader size="sm" aria-label="Loading the recurring services" />}
      {list.rows && (
        <ResourceTable
          label="Recurring services"
          rows={list.rows}
          rowKey={(r) => r.id}
          phone={phone}
          empty={
            filter === 'active'
              ? 'No recurring services running. Book one for a maintenance contract or a regular clean.'
              : 'Nothing here.'
          }
          columns={[
            {
              header: 'Customer',
              cell: (r) => (
                <AppLink to="/series/$seriesId" params={{ seriesId: r.id }} fw={600}>
                  {r.customer.name}
                </AppLink>
              ),
            },
            { header: 'Service', cell: (r) => r.jobType.name },
            { header: 'How often', cell: (r) => planText(r, r.durationMinutes) },
            { header: 'Site', wide: true, cell: (r) => `${r.site.name}, ${r.site.addressLine}` },
            {
              header: 'Next visit',
              cell: (r) => (r.nextVisit ? dateTime(r.nextVisit, tz) : <Text c="dimmed">None</Text>),
            },
            {
              header: 'Billing',
              wide: true,
              cell: (r) =>
                r.billingRule === 'per_visit'
                  ? 'Each visit'
                  : `${{ weekly: 'Weekly', monthly: 'Monthly', quarterly: 'Quarterly' }[r.billingCycle ?? ''] ?? 'Per period'} invoice`,
            },
            { header: 'Status', cell: (r) => <StatusBadge kind="series" status={r.status} /> },
          ]}
        />
      )}
      {list.hasMore && (
        <Group justify="center">
          <Button variant="default" onClick={list.loadMore} loading={list.loadingMore}>
            Show more
          </Button>
        </Group>
      )}
      <NewSeries
        opened={adding}
        onClose={() => setAdding(false)}
        onCreated={(s) => {
          setAdding(false);
          void navigate({ to: '/series/$seriesId', params: { seriesId: s.id } });
        }}
      />
    </Stack>
  );
};
