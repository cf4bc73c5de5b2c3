import { Alert, Badge, Button, Group, Loader, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { PaymentEntry } from '../../../../../src/contracts/invoices';
import { dayText, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { useApiPages } from '../../shared/query';
import { type Column, ResourceTable } from '../../shared/resource-table';
import { METHOD_WORDS } from './invoice-words';

type EntryT = z.infer<typeof PaymentEntry>;

const METHODS = [
  { value: '', label: 'Every way of paying' },
  ...Object.entries(METHOD_WORDS).map(([value, label]) => ({ value, label })),
];

/**
 * The money that moved, newest first: each payment and refund with its document and customer, whether it
 * came online, and whether the customer's bank took it back; for a period and a way of paying, to match
 * against the bank statement.
 */
export const PaymentsList = ({ phone }: { phone: boolean }) => {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [method, setMethod] = useState('');
  const query = [from && `from=${from}`, to && `to=${to}`, method && `method=${method}`]
    .filter(Boolean)
    .join('&');
  const list = useApiPages<EntryT>(
    ['invoices', 'payments-list', query],
    `/api/v1/payments${query ? `?${query}` : ''}`,
  );
  const columns: Column<EntryT>[] = [
    { header: 'Received', cell: (p) => dayText(p.receivedOn) },
    {
      header: 'Amount',
      numeric: true,
      cell: (p) => {
        const shown = money(p.kind === 'refund' ? `-${p.amount}` : p.amount, p.currency);
        return p.reversedOn ? <s>{shown}</s> : <strong>{shown}</strong>;
      },
    },
    {
      header: 'Document',
      cell: (p) => (
        <AppLink to="/invoices/$invoiceId" params={{ invoiceId: p.invoiceId }}>
          {p.number ?? 'Document'}
        </AppLink>
      ),
    },
    {
      header: 'Customer',
      cell: (p) =>
        p.customerId ? (
          <AppLink to="/customers/$customerId" params={{ customerId: p.customerId }}>
            {p.customerName ?? 'Customer'}
          </AppLink>
        ) : (
          (p.customerName ?? '–')
        ),
    },
    {
      header: 'How',
      cell: (p) => (
        <Group gap={4} wrap="nowrap">
          <Text size="sm">{METHOD_WORDS[p.method] ?? 'Other'}</Text>
          {p.online && (
            <Badge size="sm" variant="light">
              Online
            </Badge>
          )}
        </Group>
      ),
    },
    { header: 'Reference', wide: true, cell: (p) => p.reference ?? '–' },
    {
      header: 'What',
      cell: (p) =>
        p.reversedOn ? (
          <Badge color="red" variant="light" size="sm">
            Taken back {dayText(p.reversedOn)}
          </Badge>
        ) : p.kind === 'refund' ? (
          <Badge color="grape" variant="light" size="sm">
            Refund
          </Badge>
        ) : (
          <Badge color="teal" variant="light" size="sm">
            Payment
          </Badge>
        ),
    },
  ];
  return (
    <Stack>
      <Group align="flex-end">
        <TextInput type="date" label="From" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput type="date" label="To" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <Select
          label="Paid by"
          data={METHODS}
          value={method}
          onChange={(v) => setMethod(v ?? '')}
          allowDeselect={false}
          w={200}
        />
      </Group>
      {list.error && !list.rows && (
        <Alert color="red" role="alert" title="Could not load the payments">
          {list.error}
        </Alert>
      )}
      {!list.rows && !list.error && <Loader size="sm" aria-label="Loading the payments" />}
      {list.rows && (
        <ResourceTable
          label="Payments and refunds"
          rows={list.rows}
          rowKey={(p) => p.id}
          columns={columns}
          phone={phone}
          empty={query ? 'No payment matches these filters.' : 'No payment recorded yet.'}
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
