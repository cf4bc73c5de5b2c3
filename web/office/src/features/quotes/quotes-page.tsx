import { Alert, Button, Group, Loader, SegmentedControl, Select, Stack, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import type { z } from 'zod';
import type { QuoteSummary } from '../../../../../src/contracts/quotes';
import { dateTime, dayText, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { useCan, useMe } from '../../shared/me';
import { useApiPages } from '../../shared/query';
import { ResourceTable } from '../../shared/resource-table';
import { StatusBadge } from '../../shared/status';
import { Pipeline } from './pipeline';

type Row = z.infer<typeof QuoteSummary>;

const FILTERS = [
  { value: 'all', label: 'All' },
  { value: 'draft', label: 'Drafts' },
  { value: 'sent', label: 'Sent' },
  { value: 'viewed', label: 'Seen' },
  { value: 'accepted', label: 'Accepted' },
  { value: 'declined', label: 'Declined' },
];

/** Quotes newest first: who, what, how much, and where each stands with the customer. */
export const QuotesPage = () => {
  const can = useCan();
  const tz = useMe().organization.timeZone;
  const navigate = useNavigate();
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const [filter, setFilter] = useState('all');
  const list = useApiPages<Row>(
    ['quotes', 'list', filter],
    `/api/v1/quotes${filter === 'all' ? '' : `?status=${filter}`}`,
  );
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1}>Quotes</Title>
        {can('quotes.manage') && (
          <Button onClick={() => void navigate({ to: '/quotes/new' })}>New quote</Button>
        )}
      </Group>
      <Pipeline />
      {phone ? (
        <Select
          label="Show"
          data={FILTERS}
          value={filter}
          allowDeselect={false}
          onChange={(v) => setFilter(v ?? 'all')}
        />
      ) : (
        <SegmentedControl aria-label="Show" data={FILTERS} value={filter} onChange={setFilter} maw={640} />
      )}
      {list.error && !list.rows && (
        <Alert color="red" role="alert" title="Could not load the quotes">
          {list.error}
        </Alert>
      )}
      {!list.rows && !list.error && <Loader size="sm" aria-label="Loading the quotes" />}
      {list.rows && (
        <ResourceTable
          label="Quotes"
          rows={list.rows}
          rowKey={(r) => r.id}
          phone={phone}
          empty="No quotes here. Price a job before the work: the customer accepts it online."
          columns={[
            {
              header: 'Quote',
              cell: (r) => (
                <AppLink to="/quotes/$quoteId" params={{ quoteId: r.id }} fw={600}>
                  {r.number}
                </AppLink>
              ),
            },
            { header: 'Customer', cell: (r) => r.customerName },
            { header: 'Work', wide: true, cell: (r) => r.title },
            { header: 'Total', cell: (r) => money(r.acceptedTotal ?? r.total, r.currency) },
            { header: 'Status', cell: (r) => <StatusBadge kind="quote" status={r.status} /> },
            {
              header: 'Sent',
              wide: true,
              cell: (r) => (r.sentAt ? dateTime(r.sentAt, tz) : <Text c="dimmed">Not yet</Text>),
            },
            { header: 'Valid until', wide: true, cell: (r) => dayText(r.validUntil) },
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
    </Stack>
  );
};
