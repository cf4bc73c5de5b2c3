import { Badge, Group, Spoiler, Stack, Text } from '@mantine/core';
import type { z } from 'zod';
import type { CustomerMessage } from '../../../../../src/contracts/jobs';
import { MESSAGE_KIND_WORDS } from '../../../../../src/core/customer-messages';
import { api } from '../../shared/api';
import { dateTime } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

type MessageT = z.infer<typeof CustomerMessage>;

const STATUS: Record<MessageT['status'], { label: string; color: string }> = {
  queued: { label: 'Waiting to go', color: 'blue' },
  sending: { label: 'Sending', color: 'blue' },
  sent: { label: 'Sent', color: 'green' },
  skipped: { label: 'Not sent', color: 'gray' },
  failed: { label: 'Failed', color: 'red' },
  unknown: { label: 'May not have arrived', color: 'orange' },
};

/** A text's delivery report says more than "sent": delivered to the phone, or not. */
const shown = (m: MessageT) =>
  m.channel === 'sms' && m.status === 'sent' && m.delivery === 'delivered'
    ? { label: 'Delivered', color: 'teal' }
    : STATUS[m.status];

/** What the customer was told about this visit, when, and why anything was not sent. */
export const CustomerMessages = ({ jobId, timeZone }: { jobId: string; timeZone: string }) => {
  const list = useApi(['jobs', jobId, 'customer-messages'], () =>
    api<{ items: MessageT[] }>('GET', `/api/v1/jobs/${jobId}/customer-messages`).then((r) => r.items),
  );
  return (
    <Loaded resource={list} what="the visit notices">
      {(items) =>
        items.length === 0 ? (
          <Text c="dimmed" size="sm">
            Nothing sent to the customer yet.
          </Text>
        ) : (
          <Stack gap="sm">
            {items.map((m) => (
              <Stack key={m.id} gap={2} aria-label={MESSAGE_KIND_WORDS[m.kind]} component="article">
                <Group gap="xs" justify="space-between">
                  <Text fw={600} size="sm">
                    {MESSAGE_KIND_WORDS[m.kind]}
                  </Text>
                  <Badge color={shown(m).color} variant="light">
                    {shown(m).label}
                  </Badge>
                </Group>
                <Text size="xs" c="dimmed">
                  {m.recipient
                    ? `${m.channel === 'sms' ? 'By text to' : 'By e-mail to'} ${m.recipient}`
                    : m.channel === 'sms'
                      ? 'No mobile number'
                      : 'No address'}
                  , {dateTime(m.sentAt ?? m.createdAt, timeZone)}
                </Text>
                {m.reason && <Text size="sm">{m.reason}</Text>}
                <Spoiler maxHeight={0} showLabel="Show the message" hideLabel="Hide the message">
                  {m.channel === 'email' && (
                    <Text size="sm" fw={600}>
                      {m.subject}
                    </Text>
                  )}
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                    {m.body}
                  </Text>
                </Spoiler>
              </Stack>
            ))}
          </Stack>
        )
      }
    </Loaded>
  );
};
