import { ActionIcon, Indicator, Popover, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../shared/api';
import { Loaded } from '../shared/loaded';
import { useApi, useInvalidate } from '../shared/query';

type Notification = {
  id: string;
  kind: string;
  jobId: string | null;
  invoiceId: string | null;
  body: string;
  createdAt: string;
  read: boolean;
};

/** What each kind of notification is about, in words; an unknown kind is just "Update". */
const KIND_WORDS: Record<string, string> = {
  approval: 'Approval needed',
  info_request: 'Information requested',
  info_reply: 'Reply from the crew',
  integration_error: 'Accounting or sending problem',
  approval_decided: 'Approval decided',
  payment: 'Payment received',
  bank: 'Bank statement',
  invoice_email: 'Invoice not e-mailed',
};

const RELATIVE = new Intl.RelativeTimeFormat('en-IE', { numeric: 'auto' });
/** "5 minutes ago", "yesterday": how long ago, the way people say it. */
export const ago = (iso: string, now = Date.now()): string => {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [unit, size] of steps)
    if (Math.abs(seconds) >= size) return RELATIVE.format(Math.round(seconds / size), unit);
  return 'just now';
};

const Bell = () => (
  <svg
    width="18"
    height="18"
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    strokeWidth="2"
    aria-hidden
  >
    <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
    <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
  </svg>
);

/**
 * The notification centre in the header: approvals waiting, the crew's replies, accounting problems. The
 * number is what is unread; opening the list reads them. It refreshes with the live stream (job changes
 * carry approvals and replies) and once a minute for the rest.
 */
export const NotificationCentre = () => {
  const [opened, setOpened] = useState(false);
  const navigate = useNavigate();
  const invalidate = useInvalidate();
  const count = useApi(
    ['notifications', 'count'],
    () => api<{ count: number }>('GET', '/api/v1/notifications/unread-count'),
    { refetchInterval: 60_000 },
  );
  const list = useApi(
    ['notifications', 'list', opened],
    async () => {
      if (!opened) return null;
      const r = await api<{ items: Notification[] }>('GET', '/api/v1/notifications?limit=30');
      return r.items;
    },
    { enabled: opened },
  );
  const unread = count.data?.count ?? 0;
  const go = (n: Notification) => {
    setOpened(false);
    if (n.kind === 'approval') void navigate({ to: '/approvals' });
    else if (n.kind === 'bank') void navigate({ to: '/bank' });
    else if (n.invoiceId) void navigate({ to: '/invoices/$invoiceId', params: { invoiceId: n.invoiceId } });
    else if (n.jobId) void navigate({ to: '/jobs/$jobId', params: { jobId: n.jobId } });
  };
  return (
    <Popover
      opened={opened}
      onChange={(o) => {
        setOpened(o);
        if (!o) invalidate('notifications');
      }}
      position="bottom-end"
      width={360}
      shadow="md"
      withinPortal
    >
      <Popover.Target>
        <Indicator
          label={unread > 9 ? '9+' : unread}
          size={16}
          disabled={unread === 0}
          color="red"
          offset={4}
        >
          <ActionIcon
            variant="default"
            size="lg"
            aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
            onClick={() => setOpened((o) => !o)}
          >
            <Bell />
          </ActionIcon>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown p={0}>
        <section aria-label="Notifications">
          <Text fw={600} p="sm" pb={4}>
            Notifications
          </Text>
          <Loaded resource={list} what="the notifications">
            {(items) =>
              !items || items.length === 0 ? (
                <Text size="sm" c="dimmed" p="sm">
                  Nothing new. Approvals, the crew's replies, payments received and accounting problems show
                  here.
                </Text>
              ) : (
                <ScrollArea.Autosize mah={420}>
                  <Stack gap={0} component="ul" m={0} p={0} style={{ listStyle: 'none' }}>
                    {items.map((n) => (
                      <li key={n.id}>
                        <UnstyledButton
                          onClick={() => go(n)}
                          w="100%"
                          px="sm"
                          py={8}
                          style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}
                          bg={n.read ? 'transparent' : 'blue.0'}
                        >
                          <Text size="xs" c="dimmed">
                            {KIND_WORDS[n.kind] ?? 'Update'} · {ago(n.createdAt)}
                          </Text>
                          <Text size="sm" fw={n.read ? 400 : 600} lineClamp={3}>
                            {n.body}
                          </Text>
                        </UnstyledButton>
                      </li>
                    ))}
                  </Stack>
                </ScrollArea.Autosize>
              )
            }
          </Loaded>
        </section>
      </Popover.Dropdown>
    </Popover>
  );
};
