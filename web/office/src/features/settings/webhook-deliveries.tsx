import { Badge, Table, Text } from '@mantine/core';
import type { z } from 'zod';
import type { WebhookDeliveries } from '../../../../../src/contracts/integrations';
import { api } from '../../shared/api';
import { EditModal } from '../../shared/edit-modal';
import { dateTime, plural } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useMe } from '../../shared/me';
import { useApi } from '../../shared/query';

type DeliveryT = z.infer<typeof WebhookDeliveries>['items'][number];

const STATUS = {
  pending: { label: 'Trying again', color: 'yellow' },
  delivered: { label: 'Delivered', color: 'green' },
  failed: { label: 'Gave up', color: 'red' },
} as const satisfies Record<DeliveryT['status'], { label: string; color: string }>;

/** What the receiver said to the last attempt, in words. */
const answerOf = (d: DeliveryT) =>
  d.lastStatusCode
    ? `answered HTTP ${d.lastStatusCode}${d.lastError ? `: ${d.lastError}` : ''}`
    : d.lastError
      ? `did not answer: ${d.lastError}`
      : 'not tried yet';

/** A subscription's delivery log: each event, how many tries, and what the receiver answered last. */
export const WebhookDeliveryLog = ({
  subscription,
  onClose,
}: {
  subscription: { id: string; url: string };
  onClose: () => void;
}) => {
  const me = useMe();
  const log = useApi(['integrations', 'deliveries', subscription.id], () =>
    api<z.infer<typeof WebhookDeliveries>>(
      'GET',
      `/api/v1/webhook-subscriptions/${subscription.id}/deliveries?limit=100`,
    ),
  );
  return (
    <EditModal opened onClose={onClose} title={`Deliveries to ${subscription.url}`} size="xl">
      <Loaded
        resource={log}
        what="the deliveries"
        isEmpty={(l) => l.items.length === 0}
        empty="Nothing has been sent to this address yet."
      >
        {(l) => (
          <Table.ScrollContainer minWidth={640}>
            <Table aria-label="Deliveries">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Event</Table.Th>
                  <Table.Th>Happened</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>Last answer</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {l.items.map((d) => (
                  <Table.Tr key={d.id}>
                    <Table.Td>
                      <Text size="sm" ff="monospace">
                        {d.eventType}
                      </Text>
                    </Table.Td>
                    <Table.Td>{dateTime(d.createdAt, me.organization.timeZone)}</Table.Td>
                    <Table.Td>
                      <Badge color={STATUS[d.status].color}>{STATUS[d.status].label}</Badge>{' '}
                      <Text span size="xs" c="dimmed">
                        {plural(d.attempts, 'try', 'tries')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{answerOf(d)}</Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Loaded>
    </EditModal>
  );
};
