import {
  Alert,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  Loader,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { lazy, Suspense, useState } from 'react';
import type { z } from 'zod';
import type { Receivables } from '../../../../../src/contracts/invoices';
import { api, type InvoiceT } from '../../shared/api';
import { Feedback } from '../../shared/feedback';
import { dayText, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useCan } from '../../shared/me';
import { useApi, useApiPages } from '../../shared/query';
import { type Column, ResourceTable } from '../../shared/resource-table';
import { StatusBadge } from '../../shared/status';
import { ExportInvoices } from './export-invoices';
import { lateness } from './invoice-words';
import { PaymentsList } from './payments-list';
import { RecordPayment } from './record-payment';

const AgingChart = lazy(() => import('./aging-chart'));

type ReceivablesT = z.infer<typeof Receivables>;

const VIEWS = [
  { value: 'owed', label: 'Owed', query: 'open=true' },
  { value: 'overdue', label: 'Overdue', query: 'overdue=true' },
  { value: 'paid', label: 'Paid', query: 'status=paid' },
  { value: 'credit', label: 'Credit notes', query: 'kind=credit_note' },
  { value: 'all', label: 'All', query: '' },
  { value: 'payments', label: 'Payments', query: '' },
] as const;
type View = (typeof VIEWS)[number]['value'];

const payable = (i: InvoiceT) =>
  i.kind !== 'credit_note' &&
  ['issued', 'sent', 'partially_paid'].includes(i.status) &&
  Number(i.outstanding) > 0;

const Summary = ({ data, phone }: { data: ReceivablesT; phone: boolean }) => (
  <Stack>
    {data.currencies.length === 0 && (
      <Text c="dimmed" data-empty>
        Nothing is owed: every issued invoice is paid or credited.
      </Text>
    )}
    {data.currencies.map((c) => (
      <Card withBorder key={c.currency} component="section" aria-label={`Owed in ${c.currency}`}>
        <Grid>
          <Grid.Col span={{ base: 6, md: 3 }}>
            <Text size="sm" c="dimmed">
              Owed to you
            </Text>
            <Text size="xl" fw={700}>
              {money(c.outstanding, c.currency)}
            </Text>
            <Text size="sm">{c.count === 1 ? 'on 1 invoice' : `on ${c.count} invoices`}</Text>
          </Grid.Col>
          <Grid.Col span={{ base: 6, md: 3 }}>
            <Text size="sm" c="dimmed">
              Overdue
            </Text>
            <Text size="xl" fw={700} c={Number(c.overdue) > 0 ? 'red.8' : 'inherit'}>
              {money(c.overdue, c.currency)}
            </Text>
            <Text size="sm">as of {dayText(data.asOf)}</Text>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Suspense fallback={<Loader size="sm" aria-label="Loading the chart" />}>
              <AgingChart c={c} />
            </Suspense>
          </Grid.Col>
        </Grid>
      </Card>
    ))}
    {data.debtors.length > 0 && (
      <Card withBorder component="section" aria-label="Who owes the most">
        <Title order={3} size="h5" mb="xs">
          Who owes the most
        </Title>
        <ResourceTable
          label="Largest debtors"
          phone={phone}
          rows={data.debtors}
          rowKey={(d) => `${d.customerId}-${d.currency}`}
          empty="Nobody owes anything."
          columns={[
            {
              header: 'Customer',
              cell: (d) => (
                <AppLink to="/customers/$customerId" params={{ customerId: d.customerId }}>
                  {d.name}
                </AppLink>
              ),
            },
            { header: 'Invoices', cell: (d) => d.count, numeric: true },
            { header: 'Owed', cell: (d) => money(d.outstanding, d.currency), numeric: true },
            {
              header: 'Overdue',
              cell: (d) => (Number(d.overdue) > 0 ? money(d.overdue, d.currency) : '–'),
              numeric: true,
            },
            { header: 'Oldest due', cell: (d) => dayText(d.oldestDue), wide: true },
          ]}
        />
      </Card>
    )}
  </Stack>
);

/** Invoices after they are sent: what is owed, what is late and by whom, and the payments that settle them. */
export const InvoicesPage = () => {
  const can = useCan();
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const [view, setView] = useState<View>('owed');
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [paying, setPaying] = useState<InvoiceT | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const summary = useApi(['invoices', 'receivables'], () => api<ReceivablesT>('GET', '/api/v1/receivables'));
  const filter = VIEWS.find((v) => v.value === view)?.query ?? '';
  const url = `/api/v1/invoices?${[filter, q ? `q=${encodeURIComponent(q)}` : ''].filter(Boolean).join('&')}`;
  const list = useApiPages<InvoiceT>(['invoices', 'list', view, q], url);
  const asOf = summary.data?.asOf ?? null;

  const columns: Column<InvoiceT>[] = [
    {
      header: 'Invoice',
      cell: (i) => (
        <Stack gap={0}>
          <AppLink fw={600} size="sm" to="/invoices/$invoiceId" params={{ invoiceId: i.id }}>
            {i.number ?? 'Not numbered yet'}
          </AppLink>
          {i.kind !== 'invoice' && (
            <Text size="xs" c="dimmed">
              {i.kind === 'credit_note' ? 'Credit note' : 'Deposit'}
            </Text>
          )}
        </Stack>
      ),
    },
    {
      header: 'Customer',
      cell: (i) =>
        i.customerId ? (
          <AppLink to="/customers/$customerId" params={{ customerId: i.customerId }}>
            {i.buyer ?? 'Customer'}
          </AppLink>
        ) : (
          (i.buyer ?? '–')
        ),
    },
    {
      header: 'Job',
      wide: true,
      cell: (i) =>
        i.jobId ? (
          <AppLink to="/jobs/$jobId" params={{ jobId: i.jobId }}>
            {i.jobNumbers.join(', ')}
          </AppLink>
        ) : (
          i.jobNumbers.join(', ') || '–'
        ),
    },
    { header: 'Issued', wide: true, cell: (i) => dayText(i.issueDate) },
    {
      header: 'Due',
      cell: (i) => {
        const late = payable(i) && asOf ? lateness(i.dueDate, asOf) : null;
        return (
          <Stack gap={0}>
            <Text size="sm">{dayText(i.dueDate)}</Text>
            {late && (
              <Badge color="red" variant="light" size="sm">
                {late}
              </Badge>
            )}
          </Stack>
        );
      },
    },
    { header: 'Total', numeric: true, wide: true, cell: (i) => money(i.totals?.payable, i.currency) },
    { header: 'Owed', numeric: true, cell: (i) => (payable(i) ? money(i.outstanding, i.currency) : '–') },
    { header: 'Status', cell: (i) => <StatusBadge kind="invoice" status={i.status} /> },
    {
      header: 'Actions',
      cell: (i) => (
        <Group gap="xs" wrap="nowrap">
          {payable(i) && can('payments.record') && (
            <Button size="xs" onClick={() => setPaying(i)} aria-label={`Record a payment on ${i.number}`}>
              Record payment
            </Button>
          )}
          {i.number && (
            <Button
              size="xs"
              variant="default"
              component="a"
              href={`/api/v1/invoices/${i.id}/pdf`}
              target="_blank"
              rel="noreferrer"
            >
              PDF
            </Button>
          )}
        </Group>
      ),
    },
  ];

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Invoices</Title>
        {can('invoices.read') && <ExportInvoices />}
      </Group>
      <Feedback notice={notice} onCloseNotice={() => setNotice(null)} />
      <Loaded resource={summary} what="what customers owe">
        {(data) => <Summary data={data} phone={phone} />}
      </Loaded>
      <Group justify="space-between" align="flex-end">
        <SegmentedControl
          aria-label="Which invoices"
          value={view}
          onChange={(v) => setView(v as View)}
          data={VIEWS.map((v) => ({ value: v.value, label: v.label }))}
        />
        {view !== 'payments' && (
          <TextInput
            label="Search"
            placeholder="Invoice number or customer"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            w={phone ? '100%' : 280}
          />
        )}
      </Group>
      {view === 'payments' && <PaymentsList phone={phone} />}
      {view !== 'payments' && list.error && !list.rows && (
        <Alert color="red" role="alert" title="Could not load the invoices">
          {list.error}
        </Alert>
      )}
      {view !== 'payments' && !list.rows && !list.error && (
        <Loader size="sm" aria-label="Loading the invoices" />
      )}
      {view !== 'payments' && list.rows && (
        <ResourceTable
          label="Invoices"
          rows={list.rows}
          rowKey={(i) => i.id}
          columns={columns}
          phone={phone}
          empty={
            q
              ? `No invoice matches “${q}”.`
              : view === 'overdue'
                ? 'Nothing is overdue.'
                : view === 'owed'
                  ? 'Nothing is owed.'
                  : 'No invoices here yet.'
          }
        />
      )}
      {view !== 'payments' && list.hasMore && (
        <Group justify="center">
          <Button variant="default" onClick={list.loadMore} loading={list.loadingMore}>
            Show more
          </Button>
        </Group>
      )}
      {paying && (
        <RecordPayment
          key={paying.id}
          invoice={paying}
          opened
          onClose={() => setPaying(null)}
          onDone={setNotice}
        />
      )}
    </Stack>
  );
};
