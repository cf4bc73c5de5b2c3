import { Badge, Button, Card, Group, List, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useNavigate } from '@tanstack/react-router';
import Decimal from 'decimal.js';
import { useState } from 'react';
import { businessDate } from '../../../../../src/core/time';
import {
  type ApprovalT,
  api,
  type IntegrationErrorT,
  type InvoiceT,
  type JobT,
  listAll,
  type MeT,
} from '../../shared/api';
import { Feedback, messageOf } from '../../shared/feedback';
import { dateTime, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { StatusBadge } from '../../shared/status';
import { ContactMatchActions } from './contact-match';
import { DisputesLane, useOpenDisputes } from './disputes-lane';
import { MissingItem, NotBillableAction } from './missing-item';
import { MoneyLane } from './money-lane';

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

export const ExceptionsPage = ({ me }: { me: MeT }) => {
  const navigate = useNavigate();
  const tz = me.organization.timeZone;
  const can = (a: string) => me.permissions.includes(a);
  const jobs = useApi(['jobs', 'exceptions'], () => listAll<JobT>('/api/v1/jobs?exceptions=true'));
  const approvals = useApi(['approvals', 'pending'], () =>
    can('approvals.read')
      ? api<{ items: ApprovalT[] }>('GET', '/api/v1/approvals').then((r) => r.items)
      : Promise.resolve([] as ApprovalT[]),
  );
  const failures = useApi(['integration-errors', 'open'], () =>
    can('integrations.read')
      ? api<{ items: IntegrationErrorT[] }>('GET', '/api/v1/integration-errors?status=open').then(
          (r) => r.items,
        )
      : Promise.resolve([] as IntegrationErrorT[]),
  );
  const refunds = useApi(['invoices', 'refunds'], () =>
    can('invoices.read')
      ? listAll<InvoiceT>('/api/v1/invoices?kind=credit_note').then((xs) =>
          xs.filter((c) => c.number && !new Decimal(c.outstanding).isZero() && c.memo?.startsWith('Refund')),
        )
      : Promise.resolve([] as InvoiceT[]),
  );
  // Unissued documents: cycle invoices listing visits not done, and the holds that keep a job's invoice
  // from being made or issued (the reason a job in review shows).
  const unissued = useApi(['invoices', 'unissued'], () =>
    can('invoices.read')
      ? Promise.all(
          ['draft', 'needs_review'].map((status) =>
            api<{ items: InvoiceT[] }>('GET', `/api/v1/invoices?status=${status}&limit=200`),
          ),
        ).then((rs) => rs.flatMap((r) => r.items))
      : Promise.resolve([] as InvoiceT[]),
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

  const disputes = useOpenDisputes(can('invoices.read'));
  // Failures shown on a job in review above; the rest (payments, refunds, chargebacks) have their own lane.
  const shownWithJobs = new Set(
    byStatus('needs_review').flatMap((j) => {
      const first = (failures.data ?? []).find((f) => f.jobId === j.id);
      return first ? [first.id] : [];
    }),
  );
  const unattached = (failures.data ?? []).filter((f) => !shownWithJobs.has(f.id)).length;
  const total =
    unattached +
    (jobs.data?.length ?? 0) +
    (refunds.data?.length ?? 0) +
    (cycles.data?.length ?? 0) +
    (disputes.data?.length ?? 0);

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
                                <AppLink to="/jobs/$jobId" params={{ jobId: j.id }} fw={600}>
                                  {j.number}
                                </AppLink>
                                <Text>{j.customerName}</Text>
                                <Text size="sm" c="dimmed">
                                  {j.jobTypeName} · {dateTime(j.completedAt ?? j.windowStart, tz)}
                                </Text>
                              </Group>
                              <Group gap="xs">
                                <StatusBadge kind="work" status={j.status} />
                                <StatusBadge kind="billing" status={j.billingStatus} />
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
                                      <Button
                                        size="xs"
                                        onClick={() =>
                                          navigate({
                                            to: '/approvals/$approvalId',
                                            params: { approvalId: approval.id },
                                          })
                                        }
                                      >
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
                                  {failure ? failure.message : holdsOf(j.id) || j.exceptionReason}
                                </Text>
                                {failure?.reprocessBlockedBy && (
                                  <Text size="sm">{failure.reprocessBlockedBy}.</Text>
                                )}
                                {failure?.contactMatch && can('integrations.manage') && (
                                  <ContactMatchActions
                                    failure={failure}
                                    onDone={(m) => {
                                      setNotice(m);
                                      failures.reload();
                                      jobs.reload();
                                    }}
                                  />
                                )}
                                {failure && !failure.contactMatch && can('integrations.manage') && (
                                  <Tooltip
                                    label={failure.reprocessBlockedBy ?? ''}
                                    disabled={!failure.reprocessBlockedBy}
                                  >
                                    <Button
                                      size="xs"
                                      // data-disabled, not disabled: a disabled button shows no tooltip.
                                      data-disabled={failure.reprocessBlockedBy !== null}
                                      onClick={() => {
                                        if (!failure.reprocessBlockedBy) void reprocess(failure);
                                      }}
                                    >
                                      Reprocess
                                    </Button>
                                  </Tooltip>
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
            {can('invoices.read') && <DisputesLane me={me} onDone={setNotice} />}
            {can('integrations.read') && (
              <MoneyLane me={me} failures={failures} shownWithJobs={shownWithJobs} onDone={setNotice} />
            )}
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
