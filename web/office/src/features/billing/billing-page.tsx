import {
  Alert,
  Button,
  Checkbox,
  Group,
  Progress,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import Decimal from 'decimal.js';
import { useMemo, useState } from 'react';
import { PASSABLE_HOLDS } from '../../../../../src/core/invoice-lifecycle';
import { addDays, zonedToInstant } from '../../../../../src/core/time';
import { api, type CustomerT, type InvoiceT, type JobTypeT, listAll, type MeT } from '../../shared/api';
import { messageOf } from '../../shared/feedback';
import { money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { StatusBadge } from '../../shared/status';
import { CycleRuns } from './cycle-runs';
import { ExchangeRates } from './exchange-rates';

type Outcome = { ok: boolean; message: string };

export const BillingPage = ({ me }: { me: MeT }) => {
  const tz = me.organization.timeZone;
  const [lane, setLane] = useState<'draft' | 'issued'>('draft');
  const [customerId, setCustomerId] = useState<string | null>(null);
  const [jobTypeId, setJobTypeId] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const filters = useApi(['customers', 'billing-filters'], async () => {
    const [customers, jobTypes] = await Promise.all([
      listAll<CustomerT>('/api/v1/customers'),
      api<{ items: JobTypeT[] }>('GET', '/api/v1/job-types'),
    ]);
    return { customers, jobTypes: jobTypes.items };
  });
  const query = new URLSearchParams({ status: lane, limit: '200' });
  if (customerId) query.set('customerId', customerId);
  if (jobTypeId) query.set('jobTypeId', jobTypeId);
  if (from) query.set('createdFrom', zonedToInstant(from, '00:00', tz).toISOString());
  if (to) query.set('createdTo', zonedToInstant(addDays(to, 1), '00:00', tz).toISOString());
  const list = useApi(['invoices', 'billing', query.toString()], () =>
    api<{ items: InvoiceT[] }>('GET', `/api/v1/invoices?${query.toString()}`).then((r) =>
      r.items.filter((i) => i.kind !== 'credit_note'),
    ),
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [running, setRunning] = useState<{ done: number; total: number; label: string } | null>(null);
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});

  const items = list.data ?? [];
  const visibleSelected = useMemo(() => items.filter((i) => selected.has(i.id)), [items, selected]);
  // Documents in several currencies add up per currency, never into one figure.
  const total = (xs: InvoiceT[]) => {
    const by = new Map<string, Decimal>();
    for (const i of xs)
      by.set(i.currency, (by.get(i.currency) ?? new Decimal(0)).plus(i.totals?.payable ?? '0'));
    if (by.size === 0) return money('0', me.organization.currency);
    return [...by.entries()].map(([c, d]) => money(d.toFixed(), c)).join(' + ');
  };
  const [rebuilt, setRebuilt] = useState<Record<string, Outcome>>({});
  // A draft held by something billing has since fixed (a rate recorded, a price added) is made again.
  const rebuild = async (i: InvoiceT) => {
    try {
      await api('POST', `/api/v1/jobs/${i.jobId}/rebuild-invoices`);
      setRebuilt({ ...rebuilt, [i.id]: { ok: true, message: 'Rebuilding from the job…' } });
      setTimeout(list.reload, 1500);
    } catch (err) {
      setRebuilt({ ...rebuilt, [i.id]: { ok: false, message: messageOf(err) } });
    }
  };
  const canManage = me.roles.some((r) => r === 'owner' || r === 'billing');

  const run = async (steps: ('issue' | 'send')[], label: string) => {
    const batch = visibleSelected;
    setOutcomes({});
    setRunning({ done: 0, total: batch.length, label });
    const results: Record<string, Outcome> = {};
    // One at a time: numbers are issued in the order shown, and each answer is shown as it comes.
    for (const [n, invoice] of batch.entries()) {
      try {
        let current = invoice;
        for (const step of steps) {
          if (step === 'issue' && current.status !== 'draft') continue;
          current = await api<InvoiceT>('POST', `/api/v1/invoices/${invoice.id}/${step}`);
        }
        results[invoice.id] = { ok: true, message: `${current.number} ${current.status}` };
      } catch (err) {
        results[invoice.id] = { ok: false, message: messageOf(err) };
      }
      setOutcomes({ ...results });
      setRunning({ done: n + 1, total: batch.length, label });
    }
    setSelected(new Set());
    list.reload();
  };

  const failed = Object.values(outcomes).filter((o) => !o.ok).length;
  const succeeded = Object.values(outcomes).filter((o) => o.ok).length;

  return (
    <Stack>
      <Title order={1}>Billing queue</Title>
      <CycleRuns timeZone={tz} canRun={canManage} />
      <ExchangeRates currency={me.organization.currency} timeZone={tz} canRecord={canManage} />
      <Group align="flex-end" wrap="wrap">
        <SegmentedControl
          aria-label="Lane"
          value={lane}
          onChange={(v) => {
            setLane(v as 'draft' | 'issued');
            setSelected(new Set());
          }}
          data={[
            { value: 'draft', label: 'Ready to issue' },
            { value: 'issued', label: 'Issued, not sent' },
          ]}
        />
        <Select
          label="Customer"
          clearable
          searchable
          data={(filters.data?.customers ?? []).map((c) => ({ value: c.id, label: c.name }))}
          value={customerId}
          onChange={setCustomerId}
        />
        <Select
          label="Job type"
          clearable
          data={(filters.data?.jobTypes ?? []).map((t) => ({ value: t.id, label: t.name }))}
          value={jobTypeId}
          onChange={setJobTypeId}
        />
        <TextInput type="date" label="Drafted from" value={from} onChange={(e) => setFrom(e.target.value)} />
        <TextInput type="date" label="Drafted to" value={to} onChange={(e) => setTo(e.target.value)} />
      </Group>
      <Group>
        {lane === 'draft' ? (
          <>
            <Button
              disabled={!visibleSelected.length || (!!running && running.done < running.total)}
              onClick={() => run(['issue', 'send'], 'Issuing and sending')}
            >
              Issue and send {visibleSelected.length || ''}
            </Button>
            <Button
              variant="light"
              disabled={!visibleSelected.length || (!!running && running.done < running.total)}
              onClick={() => run(['issue'], 'Issuing')}
            >
              Issue only
            </Button>
          </>
        ) : (
          <Button
            disabled={!visibleSelected.length || (!!running && running.done < running.total)}
            onClick={() => run(['send'], 'Sending')}
          >
            Send {visibleSelected.length || ''}
          </Button>
        )}
        <Text size="sm" c="dimmed">
          Selected total {total(visibleSelected)} · {items.length} in this lane, {total(items)}
        </Text>
      </Group>
      {running && (
        <Stack gap={4} aria-live="polite">
          <Progress
            value={running.total ? (running.done / running.total) * 100 : 100}
            aria-label={`${running.label}: ${running.done} of ${running.total}`}
            animated={running.done < running.total}
          />
          <Text size="sm" role="status">
            {running.done < running.total
              ? `${running.label}: ${running.done} of ${running.total}`
              : `Done: ${succeeded} succeeded${failed ? `, ${failed} failed (reasons below)` : ''}`}
          </Text>
        </Stack>
      )}
      <Loaded
        resource={list}
        what="the billing queue"
        isEmpty={(xs) => xs.length === 0}
        empty={lane === 'draft' ? 'Nothing waiting to be issued.' : 'Every issued invoice has been sent.'}
      >
        {(xs) => (
          <Table.ScrollContainer minWidth={760}>
            <Table striped highlightOnHover aria-label="Billing queue">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>
                    <Checkbox
                      aria-label="Select all"
                      checked={xs.length > 0 && xs.every((i) => selected.has(i.id))}
                      indeterminate={visibleSelected.length > 0 && visibleSelected.length < xs.length}
                      onChange={(e) =>
                        setSelected(e.currentTarget.checked ? new Set(xs.map((i) => i.id)) : new Set())
                      }
                    />
                  </Table.Th>
                  <Table.Th>Job</Table.Th>
                  <Table.Th>Customer</Table.Th>
                  <Table.Th>Document</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th ta="right">Total</Table.Th>
                  <Table.Th>Waiting for</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {xs.map((i) => {
                  const outcome = outcomes[i.id];
                  return (
                    <Table.Tr key={i.id} data-invoice={i.id}>
                      <Table.Td>
                        <Checkbox
                          aria-label={`Select ${i.jobNumbers.join(', ') || i.id}`}
                          checked={selected.has(i.id)}
                          onChange={(e) => {
                            const next = new Set(selected);
                            if (e.currentTarget.checked) next.add(i.id);
                            else next.delete(i.id);
                            setSelected(next);
                          }}
                        />
                      </Table.Td>
                      <Table.Td>
                        {i.jobId ? (
                          <AppLink to="/jobs/$jobId" params={{ jobId: i.jobId }}>
                            {i.jobNumbers.join(', ')}
                          </AppLink>
                        ) : (
                          i.jobNumbers.join(', ')
                        )}
                      </Table.Td>
                      <Table.Td>{i.buyer}</Table.Td>
                      <Table.Td>
                        {i.kind === 'deposit_invoice' ? 'Deposit invoice' : 'Invoice'} {i.number ?? ''}
                      </Table.Td>
                      <Table.Td>
                        <StatusBadge kind="invoice" status={i.status} />
                      </Table.Td>
                      <Table.Td ta="right">{money(i.totals?.payable ?? null, i.currency)}</Table.Td>
                      <Table.Td>
                        {outcome ? (
                          <Text size="sm" c={outcome.ok ? 'teal' : 'red'}>
                            {outcome.message}
                          </Text>
                        ) : (
                          <Group gap="xs" wrap="nowrap">
                            <Text size="sm" c="dimmed">
                              {i.holdReasons.map((h) => h.message).join('; ') || '–'}
                            </Text>
                            {canManage &&
                              i.jobId &&
                              i.holdReasons.some((h) => !PASSABLE_HOLDS.includes(h.code)) && (
                                <Button size="compact-xs" variant="light" onClick={() => rebuild(i)}>
                                  Rebuild
                                </Button>
                              )}
                            {rebuilt[i.id] && (
                              <Text size="sm" c={rebuilt[i.id]?.ok ? 'teal' : 'red'}>
                                {rebuilt[i.id]?.message}
                              </Text>
                            )}
                          </Group>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Loaded>
      {failed > 0 && (
        <Alert color="red" title={`${failed} could not be completed`}>
          Each row says why. Fix the cause (a PO number, a customer e-mail) and run them again.
        </Alert>
      )}
    </Stack>
  );
};
