import { Alert, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { addDays, businessDate, zonedToInstant } from '../../../../../src/core/time';
import { type JobT, listAll, type MeT, type UserT } from '../../shared/api';
import { timeOnly } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { StatusBadge } from '../../shared/status';

/** Billing statuses that need nothing more from the office today. */
const CLEAR_BILLING = new Set(['invoice_ready', 'invoiced', 'paid', 'not_billable']);

/** What still stands between a job of the day and its invoice, in words; null when it is clear. */
const toClear = (j: JobT): string | null => {
  if (j.status === 'canceled' || j.status === 'no_show')
    return CLEAR_BILLING.has(j.billingStatus) ? null : 'Closed: decide the fee or not billable';
  if (j.status !== 'completed') return j.status === 'in_progress' ? 'Still in progress' : 'Not started';
  if (CLEAR_BILLING.has(j.billingStatus)) return null;
  return j.exceptionReason ?? 'Not invoice-ready';
};

export const TodayPage = ({ me }: { me: MeT }) => {
  const tz = me.organization.timeZone;
  const [date, setDate] = useState(() => businessDate(new Date(), tz));
  const jobs = useApi(['jobs', 'day', date], () =>
    listAll<JobT>(
      `/api/v1/jobs?from=${zonedToInstant(date, '00:00', tz).toISOString()}&to=${zonedToInstant(addDays(date, 1), '00:00', tz).toISOString()}`,
    ),
  );
  const users = useApi(['users', 'all'], () =>
    me.permissions.includes('users.read') ? listAll<UserT>('/api/v1/users') : Promise.resolve([]),
  );
  const nameOf = (id: string | null) =>
    id ? (users.data?.find((u) => u.id === id)?.name ?? 'Someone') : 'Unowned';
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1}>End of day</Title>
        <TextInput
          type="date"
          label="Day"
          value={date}
          onChange={(e) => e.target.value && setDate(e.target.value)}
        />
      </Group>
      <Loaded
        resource={jobs}
        what="the day’s jobs"
        isEmpty={(xs) => xs.length === 0}
        empty="No jobs were scheduled that day."
      >
        {(xs) => {
          const open = xs.filter((j) => toClear(j) !== null);
          return (
            <Stack>
              {open.length === 0 ? (
                <Alert color="green" title="All clear" role="status">
                  All {xs.length} jobs of the day are invoice-ready, invoiced or closed.
                </Alert>
              ) : (
                <Alert color="orange" title={`${open.length} of ${xs.length} still to clear`} role="status">
                  <Stack gap={2}>
                    {open.map((j) => (
                      <Text size="sm" key={j.id}>
                        <AppLink to="/jobs/$jobId" params={{ jobId: j.id }}>
                          {j.number}
                        </AppLink>{' '}
                        {j.customerName}: {toClear(j)} · billing owner {nameOf(j.billingOwnerId)}
                      </Text>
                    ))}
                  </Stack>
                </Alert>
              )}
              <Table.ScrollContainer minWidth={760}>
                <Table striped aria-label="The day’s jobs">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Job</Table.Th>
                      <Table.Th>Time</Table.Th>
                      <Table.Th>Customer</Table.Th>
                      <Table.Th>Crew</Table.Th>
                      <Table.Th>Work</Table.Th>
                      <Table.Th>Billing</Table.Th>
                      <Table.Th>Billing owner</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {xs.map((j) => (
                      <Table.Tr key={j.id}>
                        <Table.Td>
                          <AppLink to="/jobs/$jobId" params={{ jobId: j.id }}>
                            {j.number}
                          </AppLink>
                        </Table.Td>
                        <Table.Td>{timeOnly(j.windowStart, tz)}</Table.Td>
                        <Table.Td>{j.customerName}</Table.Td>
                        <Table.Td>{j.crew.map((c) => c.name).join(', ') || '–'}</Table.Td>
                        <Table.Td>
                          <StatusBadge kind="work" status={j.status} />
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge kind="billing" status={j.billingStatus} />
                        </Table.Td>
                        <Table.Td>{nameOf(j.billingOwnerId)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Stack>
          );
        }}
      </Loaded>
    </Stack>
  );
};
