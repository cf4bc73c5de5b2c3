import { Card, Group, Loader, NumberInput, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { lazy, Suspense, useState } from 'react';
import type { z } from 'zod';
import type { QuotePipeline } from '../../../../../src/contracts/quotes';
import { api } from '../../shared/api';
import { dateTime, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { useMe } from '../../shared/me';
import { useApi } from '../../shared/query';
import { StatusBadge } from '../../shared/status';

const PipelineChart = lazy(() => import('./pipeline-chart'));

type PipelineT = z.infer<typeof QuotePipeline>;

const Figure = ({ label, value }: { label: string; value: string }) => (
  <div>
    <Text size="xs" c="dimmed">
      {label}
    </Text>
    <Text fw={700} size="lg">
      {value}
    </Text>
  </div>
);

/**
 * The last 90 days of quotes: the value at each stage (a chart), how many decided offers were won and how
 * fast, and the offers sent a few days ago still waiting for an answer, to chase.
 */
export const Pipeline = () => {
  const me = useMe();
  const tz = me.organization.timeZone;
  const currency = me.organization.currency;
  const [followUpDays, setFollowUpDays] = useState(3);
  const pipeline = useApi(['quotes', 'pipeline', followUpDays], () =>
    api<PipelineT>('GET', `/api/v1/quotes/pipeline?days=90&followUpDays=${followUpDays}`),
  );
  const p = pipeline.data;
  if (!p) return pipeline.error ? null : <Loader size="sm" aria-label="Loading the pipeline" />;
  const value = (status: string) =>
    p.stages.find((s) => s.status === status)?.values.find((v) => v.currency === currency)?.amount ?? '0';
  const open = Number(value('sent')) + Number(value('viewed'));
  return (
    <Card withBorder component="section" aria-label="Pipeline">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Pipeline, last 90 days
        </Title>
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <Figure label="Waiting for the customer" value={money(String(open), currency)} />
          <Figure label="Won" value={money(value('accepted'), currency)} />
          <Figure
            label="Won of those decided"
            value={p.conversionRate === null ? '–' : `${Math.round(Number(p.conversionRate) * 100)} %`}
          />
          <Figure
            label="Sent to signed (median)"
            value={p.medianDaysToAccept === null ? '–' : `${p.medianDaysToAccept} days`}
          />
        </SimpleGrid>
        <Suspense fallback={<Loader size="sm" aria-label="Loading the chart" />}>
          <PipelineChart stages={p.stages} currency={currency} />
        </Suspense>
        <Group justify="space-between" align="flex-end">
          <Title order={3} size="h5">
            To follow up
          </Title>
          <NumberInput
            label="No answer after (days)"
            value={followUpDays}
            min={1}
            max={60}
            onChange={(v) => setFollowUpDays(typeof v === 'number' && v >= 1 ? v : 3)}
            w={170}
          />
        </Group>
        {p.followUp.length === 0 ? (
          <Text size="sm" c="dimmed">
            Every offer sent more than {followUpDays} days ago has an answer.
          </Text>
        ) : (
          <Table aria-label="Quotes to follow up">
            <Table.Tbody>
              {p.followUp.map((f) => (
                <Table.Tr key={f.id}>
                  <Table.Td>
                    <AppLink to="/quotes/$quoteId" params={{ quoteId: f.id }}>
                      {f.number}
                    </AppLink>
                  </Table.Td>
                  <Table.Td>
                    {f.customerName}: {f.title}
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge kind="quote" status={f.status} />
                  </Table.Td>
                  <Table.Td>Sent {dateTime(f.sentAt, tz)}</Table.Td>
                  <Table.Td ta="right">{money(f.total, f.currency)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Card>
  );
};
