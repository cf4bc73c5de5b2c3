import { Anchor, Badge, Button, Card, Group, List, Stack, Text, TextInput, Title } from '@mantine/core';
import Decimal from 'decimal.js';
import { useState } from 'react';
import { businessDate } from '../../../src/core/time';
import {
  type ApprovalT,
  api,
  type CloseoutRecordT,
  type IntegrationErrorT,
  type InvoiceT,
  type JobT,
  listAll,
  type MeT,
} from './api';
import { dateTime, Feedback, go, Loaded, messageOf, money, StatusBadge, useResource, useSubmit } from './lib';

type Group_ = { key: string; title: string; hint: string };

const GROUPS: Group_[] = [
  { key: 'needs_info', title: 'Missing proof', hint: 'The closeout lacks what the job type requires.' },
  {
    key: 'not_ready',
    title: 'Completed without a closeout',
    hint: 'The work is done but nothing was submitted.',
  },
  { key: 'needs_approval', title: 'Waiting for approval', hint: 'Overdue requests first.' },
  { key: 'needs_review', title: 'Invoice or accounting step failed', hint: 'Fix the cause, then reprocess.' },
];

/** One missing-proof item: the list from the latest refusal, and the one action that clears it. */
const MissingItem = ({
  job,
  canRequest,
  onDone,
}: {
  job: JobT;
  canRequest: boolean;
  onDone: (msg: string) => void;
}) => {
  const record = useResource(() => api<CloseoutRecordT>('GET', `/api/v1/jobs/${job.id}/closeout`), [job.id]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const request = async (missing: string[]) => {
    setBusy(true);
    setError(null);
    try {
      const body = missing.length
        ? `Please complete the closeout of ${job.number}: ${missing.join('; ')}`
        : `Please submit the closeout of ${job.number}`;
      await api('POST', `/api/v1/jobs/${job.id}/info-requests`, { body });
      onDone(`Asked the crew of ${job.number} for the missing items`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Loaded resource={record} what="the missing list">
      {(r) => (
        <Stack gap={4}>
          {r.missing.length > 0 && (
            <List size="sm" aria-label={`Missing for ${job.number}`}>
              {r.missing.map((m) => (
                <List.Item key={`${m.field}-${m.message}`}>{m.message}</List.Item>
              ))}
            </List>
          )}
          {error && (
            <Text c="red" size="sm" role="alert">
              {error}
            </Text>
          )}
          {canRequest && (
            <Group>
              <Button size="xs" loading={busy} onClick={() => request(r.missing.map((m) => m.message))}>
                Request from technician
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </Loaded>
  );
};

/** Billing closes a job in review as not billable (warranty, goodwill), with the reason the timeline keeps. */
const NotBillableAction = ({ job, onDone }: { job: JobT; onDone: (msg: string) => void }) => {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const s = useSubmit();
  const close = () =>
    s.run(async () => {
      await api('POST', `/api/v1/jobs/${job.id}/close-not-billable`, { reason });
      const msg = `${job.number} closed as not billable`;
      onDone(msg);
      return msg;
    });
  if (!open)
    return (
      <Button size="xs" variant="default" onClick={() => setOpen(true)}>
        Close as not billable
      </Button>
    );
  return (
    <Group align="flex-end" gap="xs">
      <TextInput
        size="xs"
        label={`Why is ${job.number} not billable?`}
        placeholder="Covered by the warranty"
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
        error={s.error}
      />
      <Button size="xs" color="red" loading={s.busy} disabled={!reason.trim()} onClick={close}>
        Close as not billable
      </Button>
      <Button size="xs" variant="subtle" onClick={() => setOpen(false)}>
        Keep it
      </Button>
    </Group>
  );
};

export const ExceptionsPage = ({ me }: { me: MeT }) => {
  const tz = me.organization.timeZone;
  const can = (a: string) => me.permissions.includes(a);
  const jobs = useResource(() => listAll<JobT>('/api/v1/jobs?exceptions=true'), []);
  const approvals = useResource(
    () =>
      can('approvals.read')
        ? api<{ items: ApprovalT[] }>('GET', '/api/v1/approvals').then((r) => r.items)
        : Promise.resolve([] as ApprovalT[]),
    [],
  );
  const failures = useResource(
    () =>
      can('integrations.read')
        ? api<{ items: IntegrationErrorT[] }>('GET', '/api/v1/integration-errors?status=open').then(
            (r) => r.items,
          )
        : Promise.resolve([] as IntegrationErrorT[]),
    [],
  );
  const refunds = useResource(
    () =>
      can('invoices.read')
        ? listAll<InvoiceT>('/api/v1/invoices?kind=credit_note').then((xs) =>
            xs.filter(
              (c) => c.number && !new Decimal(c.outstanding).isZero() && c.memo?.startsWith('Refund'),
            ),
          )
        : Promise.resolve([] as InvoiceT[]),
    [],
  );
  // Unissued documents: cycle invoices listing visits not done, and the holds that keep a job's invoice
  // from being made or issued (the reason a job in review shows).
  const unissued = useResource(
    () =>
      can('invoices.read')
        ? Promise.all(
            ['draft', 'needs_review'].map((status) =>
              api<{ items: InvoiceT[] }>('GET', `/api/v1/invoices?status=${status}&limit=200`),
            ),
          ).then((rs) => rs.flatMap((r) => r.items))
        : Promise.resolve([] as InvoiceT[]),
    [],
  );
  const cycles = {
    ...unissued,
    data: unissued.data?.filter((i) => i.status === 'draft' && i.exceptions.length > 0),
  };
  const holdsOf = (jobId: string) =>
    (unissued.data ?? [])
      .filter((i) => i.jobId === jobId)
      .flatMap((i) => i.holdReasons)
      .map((h) => h.message)
      .join('; ');
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reprocess = async (e: IntegrationErrorT) => {
    setError(null);
    try {
      await api('POST', `/api/v1/integration-errors/${e.id}/reprocess`);
      setNotice('Reprocessing: the job returns to the queue when it succeeds');
      failures.reload();
      jobs.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  // The invoice could not be made (a rate missing, a price to add): once fixed, made again from the job.
  const rebuild = async (jobId: string) => {
    setError(null);
    try {
      await api('POST', `/api/v1/jobs/${jobId}/rebuild-invoices`);
      setNotice('Making the invoice again: the job leaves this list when it is issued');
      jobs.reload();
      unissued.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const recordRefund = async (c: InvoiceT) => {
    setError(null);
    try {
      await api('POST', '/api/v1/payments', {
        invoiceId: c.id,
        amount: c.outstanding.replace('-', ''),
        receivedOn: businessDate(new Date(), tz),
        method: 'bank_transfer',
        reference: `Refund ${c.number}`,
      });
      setNotice(`Refund of ${c.number} recorded`);
      refunds.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  const byStatus = (status: string) => (jobs.data ?? []).filter((j) => j.billingStatus === status);
  const pendingFor = (jobId: string) => (approvals.data ?? []).find((a) => a.jobId === jobId);

  const total = (jobs.data?.length ?? 0) + (refunds.data?.length ?? 0) + (cycles.data?.length ?? 0);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Exception queue</Title>
        {jobs.data && (
          <Badge size="lg" color={total ? 'orange' : 'green'}>
            {total ? `${total} to clear` : 'All clear'}
          </Badge>
        )}
      </Group>
      <Feedback notice={notice} error={error} onCloseNotice={() => setNotice(null)} />
      <Loaded resource={jobs} what="exceptions">
        {() => (
          <Stack>
            {GROUPS.map((g) => {
              let items = byStatus(g.key);
              if (g.key === 'needs_approval')
                items = [...items].sort(
                  (a, b) =>
                    Number(pendingFor(b.id)?.overdue ?? false) - Number(pendingFor(a.id)?.overdue ?? false),
                );
              return (
                <Card withBorder key={g.key} component="section" aria-label={g.title}>
                  <Group justify="space-between">
                    <Title order={2} size="h4">
                      {g.title} <Badge variant="light">{items.length}</Badge>
                    </Title>
                    <Text size="sm" c="dimmed">
                      {g.hint}
                    </Text>
                  </Group>
                  {items.length === 0 ? (
                    <Text c="dimmed" size="sm" mt="xs" data-empty>
                      Nothing here.
                    </Text>
                  ) : (
                    <Stack mt="sm" gap="md">
                      {items.map((j) => {
                        const approval = pendingFor(j.id);
                        const failure = (failures.data ?? []).find((f) => f.jobId === j.id);
                        return (
                          <Card
                            key={j.id}
                            withBorder
                            p="sm"
                            data-exception={j.number}
                            aria-label={`${j.number} ${j.customerName}`}
                          >
                            <Group justify="space-between">
                              <Group gap="xs">
                                <Anchor href={`#/jobs/${j.id}`} fw={600}>
                                  {j.number}
                                </Anchor>
                                <Text>{j.customerName}</Text>
                                <Text size="sm" c="dimmed">
                                  {j.jobTypeName} · {dateTime(j.completedAt ?? j.windowStart, tz)}
                                </Text>
                              </Group>
                              <Group gap="xs">
                                <StatusBadge status={j.status} kind="Work" />
                                <StatusBadge status={j.billingStatus} kind="Billing" />
                              </Group>
                            </Group>
                            {(g.key === 'needs_info' || g.key === 'not_ready') && (
                              <MissingItem
                                job={j}
                                canRequest={can('jobs.request_info')}
                                onDone={(m) => setNotice(m)}
                              />
                            )}
                            {g.key === 'needs_approval' && (
                              <Group mt="xs">
                                {approval ? (
                                  <>
                                    {approval.overdue && <Badge color="red">Overdue</Badge>}
                                    <Text size="sm">
                                      {approval.rules.map((r) => r.message).join('; ')} · due{' '}
                                      {dateTime(approval.dueAt, tz)}
                                    </Text>
                                    {can('approvals.decide') && (
                                      <Button size="xs" onClick={() => go(`approvals/${approval.id}`)}>
                                        Decide
                                      </Button>
                                    )}
                                  </>
                                ) : (
                                  <Text size="sm" c="dimmed">
                                    Waiting for an approver.
                                  </Text>
                                )}
                              </Group>
                            )}
                            {g.key === 'needs_review' && (
                              <Group mt="xs">
                                <Text size="sm" c="red">
                                  {failure
                                    ? `${failure.providerCode ? `${failure.providerCode}: ` : ''}${failure.message}`
                                    : holdsOf(j.id) || j.exceptionReason}
                                </Text>
                                {failure && can('integrations.manage') && (
                                  <Button size="xs" onClick={() => reprocess(failure)}>
                                    Reprocess
                                  </Button>
                                )}
                                {!failure && can('invoices.manage') && (
                                  <Button size="xs" onClick={() => rebuild(j.id)}>
                                    Try again
                                  </Button>
                                )}
                                {can('invoices.manage') && (
                                  <NotBillableAction
                                    job={j}
                                    onDone={(msg) => {
                                      setNotice(msg);
                                      jobs.reload();
                                    }}
                                  />
                                )}
                              </Group>
                            )}
                          </Card>
                        );
                      })}
                    </Stack>
                  )}
                </Card>
              );
            })}
            {can('invoices.read') && (
              <Card withBorder component="section" aria-label="Canceled with a deposit">
                <Title order={2} size="h4">
                  Canceled with a deposit <Badge variant="light">{refunds.data?.length ?? 0}</Badge>
                </Title>
                <Loaded
                  resource={refunds}
                  what="refunds due"
                  isEmpty={(r) => r.length === 0}
                  empty="No refund is due."
                >
                  {(xs) => (
                    <Stack mt="sm">
                      {xs.map((c) => (
                        <Group key={c.id} justify="space-between">
                          <Text size="sm">
                            {c.number} · {c.jobNumbers.join(', ')} · {c.buyer}: refund due{' '}
                            {money(c.outstanding.replace('-', ''), c.currency)}
                          </Text>
                          {can('payments.record') && (
                            <Button size="xs" onClick={() => recordRefund(c)}>
                              Record refund
                            </Button>
                          )}
                        </Group>
                      ))}
                    </Stack>
                  )}
                </Loaded>
              </Card>
            )}
            {can('invoices.read') && (
              <Card withBorder component="section" aria-label="Visits not complete at cycle close">
                <Title order={2} size="h4">
                  Visits not complete at cycle close <Badge variant="light">{cycles.data?.length ?? 0}</Badge>
                </Title>
                <Loaded
                  resource={cycles}
                  what="cycle invoices"
                  isEmpty={(r) => r.length === 0}
                  empty="Every cycle closed complete."
                >
                  {(xs) => (
                    <Stack mt="sm">
                      {xs.map((i) => (
                        <Stack key={i.id} gap={2}>
                          <Text size="sm" fw={600}>
                            {i.buyer} · {i.periodStart} to {i.periodEnd}
                          </Text>
                          <List size="sm">
                            {i.exceptions.map((x) => (
                              <List.Item key={x}>{x}</List.Item>
                            ))}
                          </List>
                        </Stack>
                      ))}
                    </Stack>
                  )}
                </Loaded>
              </Card>
            )}
          </Stack>
        )}
      </Loaded>
    </Stack>
  );
};
