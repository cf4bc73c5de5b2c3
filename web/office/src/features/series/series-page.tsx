import { Alert, Button, Card, Group, SimpleGrid, Stack, Text, Timeline, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { describeRrule } from '../../../../../src/core/schedule';
import { api, type CustomerDetailT, type JobTypeT, listAll, type UserT } from '../../shared/api';
import { EditModal } from '../../shared/edit-modal';
import { Feedback } from '../../shared/feedback';
import { dateTime, dayText } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useCan, useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';
import { ResourceTable } from '../../shared/resource-table';
import { StatusBadge } from '../../shared/status';
import { InvoicePeriod } from './invoice-period';
import type { SeriesT } from './new-series';
import { ChangeFollowing, ResumeSeries, StopSeries } from './series-changes';

type Visit = SeriesT['visits'][number];
type Dialog = 'change' | 'pause' | 'resume' | 'end' | null;

const hours = (minutes: number) =>
  minutes % 60 === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;

/** How a part of the service reads: "Every week on Tuesday at 09:00, 2 h". */
export const planText = (p: { rrule: string; startTime: string }, durationMinutes?: number) =>
  `${describeRrule(p.rrule)} at ${p.startTime}${durationMinutes ? `, ${hours(durationMinutes)}` : ''}`;

const billingText = (s: Pick<SeriesT, 'billingRule' | 'billingCycle'>) =>
  s.billingRule === 'per_visit'
    ? 'Each visit is invoiced when its work is closed out'
    : `One invoice ${{ weekly: 'a week', monthly: 'a month', quarterly: 'a quarter' }[s.billingCycle ?? 'monthly'] ?? 'per period'} for the visits done`;

/**
 * One recurring service: its plan, its history of changes, every visit, and the changes the office makes.
 * A change that continues the service in a new part moves the page to it, keeping the notice of what changed.
 */
export const SeriesPage = ({ id }: { id: string }) => {
  const me = useMe();
  const can = useCan();
  const tz = me.organization.timeZone;
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const navigate = useNavigate();
  const invalidate = useInvalidate();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [invoicing, setInvoicing] = useState(false);
  const series = useApi(['series', id], () => api<SeriesT>('GET', `/api/v1/series/${id}`));
  const customerId = series.data?.customerId;
  const refs = useApi(
    ['customers', 'series-page', customerId],
    async () => {
      const [customer, jobTypes, users] = await Promise.all([
        api<CustomerDetailT>('GET', `/api/v1/customers/${customerId}`),
        api<{ items: JobTypeT[] }>('GET', '/api/v1/job-types'),
        listAll<UserT>('/api/v1/users'),
      ]);
      return { customer, jobTypes: jobTypes.items, users };
    },
    { enabled: Boolean(customerId) },
  );
  const manage = can('series.manage');
  const done = (next: SeriesT, message: string) => {
    setDialog(null);
    setNotice(message);
    invalidate('series', 'jobs', 'board');
    if (next.id !== id) void navigate({ to: '/series/$seriesId', params: { seriesId: next.id } });
  };
  return (
    <Loaded resource={series} what="the recurring service">
      {(s) => {
        const r = refs.data;
        const site = r?.customer.sites.find((x) => x.id === s.siteId);
        const jobType = r?.jobTypes.find((t) => t.id === s.jobTypeId);
        const crew = s.crew.map((u) => r?.users.find((x) => x.id === u)?.name ?? 'a former team member');
        const technicians = (r?.users ?? []).filter((u) => u.active && u.roles.includes('technician'));
        const now = Date.now();
        const closed = (v: Visit) => v.status === 'canceled' || v.status === 'no_show';
        const ahead = s.visits.filter((v) => new Date(v.windowStart).getTime() >= now);
        // Visits a pause or a new plan closed stay on record (on the job's page) but are not "coming up".
        const upcoming = ahead.filter((v) => !closed(v));
        const closedAhead = ahead.length - upcoming.length;
        const earlier = s.visits.filter((v) => new Date(v.windowStart).getTime() < now).reverse();
        const last = s.chain[s.chain.length - 1];
        const visitColumns = [
          {
            header: 'When',
            cell: (v: Visit) => dateTime(v.windowStart, tz),
          },
          {
            header: 'Job',
            cell: (v: Visit) => (
              <AppLink to="/jobs/$jobId" params={{ jobId: v.id }}>
                {v.number}
              </AppLink>
            ),
          },
          { header: 'Work', cell: (v: Visit) => <StatusBadge kind="work" status={v.status} /> },
          { header: 'Billing', cell: (v: Visit) => <StatusBadge kind="billing" status={v.billingStatus} /> },
        ];
        return (
          <Stack>
            <Group justify="space-between" align="flex-end">
              <Stack gap={0}>
                <AppLink to="/series" size="sm">
                  ← All recurring services
                </AppLink>
                <Title order={1}>
                  {r ? `${r.customer.name}: ${jobType?.name ?? 'recurring service'}` : 'Recurring service'}
                </Title>
                <Group gap="xs">
                  <Text>{planText(s, s.durationMinutes)}</Text>
                  <StatusBadge kind="series" status={s.status} />
                </Group>
              </Stack>
              {(manage || can('invoices.manage')) && (
                <Group gap="xs">
                  {can('invoices.manage') && s.billingRule === 'per_cycle' && (
                    <Button variant="default" onClick={() => setInvoicing(true)}>
                      Invoice a period…
                    </Button>
                  )}
                  {manage && s.status === 'active' && (
                    <>
                      <Button onClick={() => setDialog('change')}>Change this and following…</Button>
                      <Button variant="default" onClick={() => setDialog('pause')}>
                        Pause…
                      </Button>
                    </>
                  )}
                  {manage && s.status === 'paused' && (
                    <Button onClick={() => setDialog('resume')}>Resume…</Button>
                  )}
                  {manage && (s.status === 'active' || s.status === 'paused') && (
                    <Button variant="default" color="red" onClick={() => setDialog('end')}>
                      End…
                    </Button>
                  )}
                </Group>
              )}
            </Group>
            <Feedback notice={notice} onCloseNotice={() => setNotice(null)} />
            {invoicing && (
              <InvoicePeriod seriesId={s.id} onClose={() => setInvoicing(false)} onDone={setNotice} />
            )}
            {s.status === 'continued' && last && last.id !== s.id && (
              <Alert color="blue" title="This is an earlier part of the service">
                This plan ran until {dayText(s.endDate)}; the service was changed after that.{' '}
                <AppLink to="/series/$seriesId" params={{ seriesId: last.id }}>
                  Open the current plan
                </AppLink>
              </Alert>
            )}
            {(s.status === 'paused' || s.status === 'ended') && (
              <Alert
                color={s.status === 'paused' ? 'yellow' : 'gray'}
                title={s.status === 'paused' ? 'Paused' : 'Ended'}
              >
                No visits after {dayText(s.endDate)}
                {s.statusReason ? `. Reason: ${s.statusReason}` : '.'}
              </Alert>
            )}
            <SimpleGrid cols={{ base: 1, md: 3 }}>
              <Card withBorder component="section" aria-label="Where and what">
                <Title order={2} size="h5">
                  Where and what
                </Title>
                {r && (
                  <AppLink to="/customers/$customerId" params={{ customerId: s.customerId }} size="sm">
                    {r.customer.name}
                  </AppLink>
                )}
                <Text size="sm">
                  {site ? `${site.name}, ${site.address.line1}, ${site.address.city}` : ''}
                </Text>
                <Text size="sm" mt="xs">
                  {s.scope}
                </Text>
              </Card>
              <Card withBorder component="section" aria-label="Crew and billing">
                <Title order={2} size="h5">
                  Crew and billing
                </Title>
                <Text size="sm">
                  {crew.length ? crew.join(', ') : 'No crew yet: assign visits on the board'}
                </Text>
                <Text size="sm" mt="xs">
                  {billingText(s)}
                </Text>
              </Card>
              <Card withBorder component="section" aria-label="Plan history">
                <Title order={2} size="h5">
                  Plan history
                </Title>
                <Timeline
                  active={s.chain.findIndex((p) => p.id === s.id)}
                  bulletSize={14}
                  lineWidth={2}
                  mt="xs"
                >
                  {s.chain.map((p) => (
                    <Timeline.Item
                      key={p.id}
                      title={
                        p.id === s.id ? (
                          <Text size="sm" fw={600}>
                            {planText(p)}
                          </Text>
                        ) : (
                          <AppLink to="/series/$seriesId" params={{ seriesId: p.id }} size="sm">
                            {planText(p)}
                          </AppLink>
                        )
                      }
                    >
                      <Text size="xs" c="dimmed">
                        From {dayText(p.startDate)}
                        {p.endDate ? ` to ${dayText(p.endDate)}` : ''} · {p.visits}{' '}
                        {p.visits === 1 ? 'visit' : 'visits'}
                        {p.statusReason ? ` · ${p.statusReason}` : ''}
                      </Text>
                    </Timeline.Item>
                  ))}
                </Timeline>
              </Card>
            </SimpleGrid>
            <Card withBorder component="section" aria-label="Coming up">
              <Title order={2} size="h4">
                Coming up
              </Title>
              <ResourceTable
                label="Upcoming visits"
                rows={upcoming}
                rowKey={(v) => v.id}
                phone={phone}
                empty="No visits coming up."
                columns={visitColumns}
              />
              {closedAhead > 0 && (
                <Text size="sm" c="dimmed" mt="xs">
                  {closedAhead} later {closedAhead === 1 ? 'visit was' : 'visits were'} closed when the plan
                  changed; each stays on record with the reason.
                </Text>
              )}
            </Card>
            {earlier.length > 0 && (
              <Card withBorder component="section" aria-label="Earlier visits">
                <Title order={2} size="h4">
                  Earlier visits
                </Title>
                <ResourceTable
                  label="Earlier visits"
                  rows={earlier}
                  rowKey={(v) => v.id}
                  phone={phone}
                  empty=""
                  columns={visitColumns}
                />
              </Card>
            )}
            <EditModal
              opened={dialog === 'change'}
              onClose={() => setDialog(null)}
              title="Change this and following visits"
              size="xl"
            >
              <ChangeFollowing
                series={s}
                technicians={technicians}
                onClose={() => setDialog(null)}
                onDone={done}
              />
            </EditModal>
            <EditModal
              opened={dialog === 'pause' || dialog === 'end'}
              onClose={() => setDialog(null)}
              title={dialog === 'end' ? 'End the recurring service' : 'Pause the recurring service'}
              size="md"
            >
              {(dialog === 'pause' || dialog === 'end') && (
                <StopSeries series={s} action={dialog} onClose={() => setDialog(null)} onDone={done} />
              )}
            </EditModal>
            <EditModal
              opened={dialog === 'resume'}
              onClose={() => setDialog(null)}
              title="Resume the recurring service"
              size="md"
            >
              <ResumeSeries series={s} onClose={() => setDialog(null)} onDone={done} />
            </EditModal>
          </Stack>
        );
      }}
    </Loaded>
  );
};
