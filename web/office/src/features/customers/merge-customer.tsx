import { Alert, Button, Group, List, Select, Stack, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { api, type CustomerDetailT, type CustomerT, type JobT, listAll, type Page } from '../../shared/api';
import { EditModal } from '../../shared/edit-modal';
import { useSubmit } from '../../shared/feedback';
import { plural } from '../../shared/format';
import { useApi, useInvalidate } from '../../shared/query';

/** What moving the duplicate brings with it, counted before anyone confirms. */
const WhatMoves = ({ duplicate }: { duplicate: CustomerT }) => {
  const counts = useApi(['customers', 'merge-preview', duplicate.id], async () => {
    const [jobs, invoices] = await Promise.all([
      listAll<JobT>(`/api/v1/jobs?customerId=${duplicate.id}`),
      api<Page<unknown>>('GET', `/api/v1/invoices?customerId=${duplicate.id}&limit=200`),
    ]);
    return { jobs: jobs.length, invoices: invoices.items.length, more: !!invoices.nextCursor };
  });
  return (
    <List size="sm" aria-label="What moves">
      <List.Item>{plural(duplicate.sites.length, 'site', 'sites')}</List.Item>
      <List.Item>{counts.data ? plural(counts.data.jobs, 'job', 'jobs') : 'Counting the jobs…'}</List.Item>
      <List.Item>
        {counts.data
          ? `${counts.data.more ? 'over ' : ''}${plural(counts.data.invoices, 'invoice', 'invoices')} (issued ones keep the name they were issued to)`
          : 'Counting the invoices…'}
      </List.Item>
      <List.Item>Its contacts, recurring services and accounting links</List.Item>
    </List>
  );
};

/**
 * Merge a duplicate into this customer: pick it by name, see what moves, confirm. The duplicate is not
 * deleted: it stays on record, marked as merged into this one.
 */
export const MergeCustomer = ({
  customer,
  opened,
  onClose,
  onDone,
}: {
  customer: CustomerDetailT;
  opened: boolean;
  onClose: () => void;
  onDone: (message: string) => void;
}) => {
  const invalidate = useInvalidate();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const [picked, setPicked] = useState<CustomerT | null>(null);
  const s = useSubmit();
  const candidates = useApi(['customers', 'merge-candidates', customer.id, q], () =>
    api<Page<CustomerT>>('GET', `/api/v1/customers?limit=20${q ? `&q=${encodeURIComponent(q)}` : ''}`).then(
      (r) => r.items.filter((c) => c.id !== customer.id),
    ),
  );
  const options = [
    ...(candidates.data ?? []),
    ...(picked && !candidates.data?.some((c) => c.id === picked.id) ? [picked] : []),
  ];
  return (
    <EditModal opened={opened} onClose={onClose} title={`Merge a duplicate into ${customer.name}`} size="md">
      <Stack>
        <Text size="sm">
          Everything of the duplicate moves here and it leaves the customer list; it stays on record as
          merged, so nothing it was part of loses its history.
        </Text>
        <Select
          label="The duplicate"
          placeholder="Type part of its name, e-mail or phone"
          searchable
          searchValue={search}
          onSearchChange={setSearch}
          filter={({ options: all }) => all}
          data={options.map((c) => ({
            value: c.id,
            label: `${c.name}${c.email ? ` · ${c.email}` : ''}${c.sites[0] ? ` · ${c.sites[0].address.city}` : ''}`,
          }))}
          value={picked?.id ?? null}
          onChange={(v) => setPicked(options.find((c) => c.id === v) ?? null)}
          nothingFoundMessage={candidates.loading ? 'Searching…' : 'No other customer matches'}
        />
        {picked && (
          <Alert color="orange" title={`${picked.name} moves into ${customer.name}`}>
            <WhatMoves duplicate={picked} />
          </Alert>
        )}
        {s.error && (
          <Text c="red" size="sm" role="alert">
            {s.error}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="orange"
            disabled={!picked}
            loading={s.busy}
            onClick={() =>
              void s.run(async () => {
                if (!picked) return '';
                await api('POST', `/api/v1/customers/${customer.id}/merge`, { duplicateId: picked.id });
                invalidate('customers', 'jobs', 'invoices', 'series', 'board');
                const msg = `${picked.name} is merged into ${customer.name}.`;
                onDone(msg);
                onClose();
                return msg;
              })
            }
          >
            Merge
          </Button>
        </Group>
      </Stack>
    </EditModal>
  );
};
