import {
  Badge,
  Button,
  Card,
  Group,
  Progress,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { businessDate, lastWholeCycle, printDate } from '../../../../../src/core/time';
import { api, type CycleRunT } from '../../shared/api';
import { Feedback, messageOf } from '../../shared/feedback';
import { useApi } from '../../shared/query';

const OUTCOME_LABEL = {
  held: 'Waiting in the billing queue',
  nothing_ready: 'Nothing ready',
  failed: 'Failed',
};

type Cycle = CycleRunT['billingCycle'];
const RUN_STATUS_LABEL: Record<CycleRunT['status'], string> = {
  queued: 'Queued',
  running: 'Working',
  finished: 'Finished',
};
const CYCLE_LABEL: Record<Cycle, string> = { weekly: 'Weekly', monthly: 'Monthly', quarterly: 'Quarterly' };

/**
 * Cycle end: every series billed on a cycle invoiced for a period by one background run. Shows the latest run's
 * progress while it works (polled each second) and, once done, the series it did not issue an invoice for.
 */
export const CycleRuns = ({ timeZone, canRun }: { timeZone: string; canRun: boolean }) => {
  const today = businessDate(new Date(), timeZone);
  const [cycle, setCycle] = useState<Cycle>('monthly');
  const [start, setStart] = useState(lastWholeCycle('monthly', today).start);
  const [end, setEnd] = useState(lastWholeCycle('monthly', today).end);
  const chooseCycle = (next: Cycle) => {
    setCycle(next);
    setStart(lastWholeCycle(next, today).start);
    setEnd(lastWholeCycle(next, today).end);
  };
  const [error, setError] = useState<string | null>(null);
  // The run this person started is the one followed; until then, the latest (perhaps the hourly automatic one).
  const [started, setStarted] = useState<string | null>(null);
  const runs = useApi(['cycle-runs'], () => api<{ items: CycleRunT[] }>('GET', '/api/v1/cycle-runs'), {
    refetchInterval: (data) => (data?.items[0] && data.items[0].status !== 'finished' ? 1000 : false),
  });
  const latest = runs.data?.items[0];
  const active = latest && latest.status !== 'finished';
  const followed = started ?? latest?.id ?? null;
  // While the followed run works, its progress is polled each second; a finished run is not asked again.
  const detail = useApi(
    ['cycle-runs', 'detail', followed],
    () => (followed ? api<CycleRunT>('GET', `/api/v1/cycle-runs/${followed}`) : Promise.resolve(null)),
    { refetchInterval: (data) => (data && data.status !== 'finished' ? 1000 : false) },
  );

  const startRun = async () => {
    setError(null);
    try {
      const run = await api<CycleRunT>('POST', '/api/v1/cycle-runs', {
        billingCycle: cycle,
        periodStart: start,
        periodEnd: end,
      });
      setStarted(run.id);
      runs.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  const shown = detail.data ?? null;
  return (
    <Card withBorder component="section" aria-label="Cycle invoices">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Cycle invoices
        </Title>
        <Text size="sm" c="dimmed">
          One invoice per recurring contract billed per cycle, covering its finished visits in the period.
          Unfinished visits are listed on the invoice; a cycle already invoiced is not billed again.
        </Text>
        {canRun && (
          <Group align="flex-end">
            <Select
              label="Contracts billed"
              data={(['weekly', 'monthly', 'quarterly'] as const).map((c) => ({
                value: c,
                label: CYCLE_LABEL[c],
              }))}
              value={cycle}
              allowDeselect={false}
              onChange={(v) => v && chooseCycle(v as Cycle)}
              w={160}
            />
            <TextInput
              type="date"
              label="Period start"
              value={start}
              onChange={(e) => setStart(e.target.value)}
            />
            <TextInput type="date" label="Period end" value={end} onChange={(e) => setEnd(e.target.value)} />
            <Button onClick={startRun} disabled={!!active}>
              Invoice all cycles
            </Button>
          </Group>
        )}
        <Feedback error={error ?? runs.error} />
        {shown && (
          <Stack gap={4} aria-live="polite">
            <Group gap="xs">
              <Text size="sm" fw={500}>
                {CYCLE_LABEL[shown.billingCycle]} contracts, {printDate(shown.periodStart)} to{' '}
                {printDate(shown.periodEnd)}
              </Text>
              <Badge variant="light" color={shown.status === 'finished' ? 'teal' : 'blue'}>
                {RUN_STATUS_LABEL[shown.status]}
              </Badge>
            </Group>
            <Progress
              value={shown.total ? (shown.done / shown.total) * 100 : shown.status === 'finished' ? 100 : 0}
              animated={shown.status !== 'finished'}
              aria-label={`Cycle run: ${shown.done} of ${shown.total ?? '?'}`}
            />
            <Text size="sm" role="status">
              {shown.status === 'queued'
                ? 'Queued: starts in a moment'
                : `${shown.done} of ${shown.total ?? '?'} series · ${shown.issued} issued · ${shown.held} waiting in the billing queue · ${shown.nothingReady} with nothing ready · ${shown.failed} failed`}
            </Text>
            {shown.problems.length > 0 && (
              <Table aria-label="Series not issued" striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Customer</Table.Th>
                    <Table.Th>Series</Table.Th>
                    <Table.Th>Outcome</Table.Th>
                    <Table.Th>Why</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {shown.problems.map((p) => (
                    <Table.Tr key={p.seriesId}>
                      <Table.Td>{p.customer}</Table.Td>
                      <Table.Td>{p.scope ?? '–'}</Table.Td>
                      <Table.Td>
                        <Text size="sm" c={p.outcome === 'failed' ? 'red' : 'dimmed'}>
                          {OUTCOME_LABEL[p.outcome]}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{p.message}</Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Stack>
        )}
      </Stack>
    </Card>
  );
};
