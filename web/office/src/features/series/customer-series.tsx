import { Button, Card, Group, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import type { z } from 'zod';
import type { SeriesSummary } from '../../../../../src/contracts/series';
import { dateTime } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { useCan, useMe } from '../../shared/me';
import { useApiPages } from '../../shared/query';
import { ResourceTable } from '../../shared/resource-table';
import { StatusBadge } from '../../shared/status';
import { NewSeries } from './new-series';
import { planText } from './series-page';

/** A customer's recurring services on their page, and booking a new one for them. */
export const CustomerSeries = ({ customerId }: { customerId: string }) => {
  const can = useCan();
  const tz = useMe().organization.timeZone;
  const navigate = useNavigate();
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const [adding, setAdding] = useState(false);
  const list = useApiPages<z.infer<typeof SeriesSummary>>(
    ['series', 'customer', customerId],
    `/api/v1/series?customerId=${customerId}&status=active,paused`,
  );
  return (
    <Card withBorder component="section" aria-label="Recurring services">
      <Group justify="space-between">
        <Title order={2} size="h4">
          Recurring services
        </Title>
        {can('series.manage') && (
          <Button size="xs" variant="light" onClick={() => setAdding(true)}>
            New recurring service
          </Button>
        )}
      </Group>
      {list.rows && (
        <ResourceTable
          label="Customer recurring services"
          rows={list.rows}
          rowKey={(r) => r.id}
          phone={phone}
          empty="No recurring service."
          columns={[
            {
              header: 'Service',
              cell: (r) => (
                <AppLink to="/series/$seriesId" params={{ seriesId: r.id }}>
                  {r.jobType.name}
                </AppLink>
              ),
            },
            { header: 'How often', cell: (r) => planText(r, r.durationMinutes) },
            { header: 'Next visit', cell: (r) => (r.nextVisit ? dateTime(r.nextVisit, tz) : 'None') },
            { header: 'Status', cell: (r) => <StatusBadge kind="series" status={r.status} /> },
          ]}
        />
      )}
      <NewSeries
        opened={adding}
        customerId={customerId}
        onClose={() => setAdding(false)}
        onCreated={(s) => {
          setAdding(false);
          void navigate({ to: '/series/$seriesId', params: { seriesId: s.id } });
        }}
      />
    </Card>
  );
};
