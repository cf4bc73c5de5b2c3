import {
  Alert,
  Badge,
  Button,
  Group,
  MultiSelect,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { api } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

type ConnectorT = { id: string; provider: string; status: string; tenantId: string; apiBaseUrl: string };
type SubscriptionT = { id: string; url: string; events: string[]; active: boolean };

/** What a Test button's call answers (connectors and webhooks alike). */
type TestResultT = { ok: boolean; message: string; durationMs: number; statusCode?: number | null };

/** What each webhook event means, with the name a developer subscribes to. */
const EVENT_OPTIONS = [
  { value: 'job.completed', label: 'A job is completed (job.completed)' },
  { value: 'job.invoice_ready', label: 'A job is ready to invoice (job.invoice_ready)' },
  { value: 'approval.requested', label: 'An approval is asked for (approval.requested)' },
  { value: 'invoice.issued', label: 'An invoice or credit note is issued (invoice.issued)' },
  { value: 'invoice.sent', label: 'An invoice is sent (invoice.sent)' },
  { value: 'invoice.paid', label: 'An invoice is paid in full (invoice.paid)' },
  { value: 'invoice.credited', label: 'An invoice is credited, in full or in part (invoice.credited)' },
  { value: 'payment.recorded', label: 'A payment or refund is recorded (payment.recorded)' },
  { value: 'integration.failed', label: 'An accounting push or webhook failed (integration.failed)' },
];

export const Integrations = () => {
  const data = useApi(['integrations'], async () => {
    const [connectors, subs] = await Promise.all([
      api<{ items: ConnectorT[] }>('GET', '/api/v1/connectors'),
      api<{ items: SubscriptionT[] }>('GET', '/api/v1/webhook-subscriptions'),
    ]);
    return { connectors: connectors.items, subs: subs.items };
  });
  const [provider, setProvider] = useState<string | null>('xero');
  const [tenantId, setTenantId] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [refreshToken, setRefreshToken] = useState('');
  const [defaultItem, setDefaultItem] = useState('');
  const [accountCode, setAccountCode] = useState('');
  const c = useSubmit();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['invoice.issued']);
  const w = useSubmit();
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <Loaded resource={data} what="integrations">
      {(d) => (
        <Stack>
          <Title order={3}>Accounting connectors</Title>
          {d.connectors.length === 0 ? (
            <Text c="dimmed" data-empty>
              No accounting system connected: invoices are still exported as CSV.
            </Text>
          ) : (
            <Table aria-label="Connectors">
              <Table.Tbody>
                {d.connectors.map((x) => (
                  <Table.Tr key={x.id}>
                    <Table.Td>{x.provider === 'xero' ? 'Xero' : 'QuickBooks Online'}</Table.Td>
                    <Table.Td>{x.tenantId}</Table.Td>
                    <Table.Td>
                      <Badge color={x.status === 'active' ? 'green' : 'gray'}>{x.status}</Badge>
                    </Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="default"
                        mr="xs"
                        aria-label={`Test ${x.provider === 'xero' ? 'Xero' : 'QuickBooks Online'}`}
                        onClick={() =>
                          void c.run(async () => {
                            const r = await api<TestResultT>('POST', `/api/v1/connectors/${x.id}/test`);
                            if (!r.ok) throw new Error(`Connection failed: ${r.message}`);
                            return r.message;
                          })
                        }
                      >
                        Test connection
                      </Button>
                      <Button
                        size="xs"
                        variant="light"
                        onClick={() =>
                          void c.run(async () => {
                            await api('PATCH', `/api/v1/connectors/${x.id}`, {
                              status: x.status === 'active' ? 'disabled' : 'active',
                            });
                            data.reload();
                            return `Connector ${x.status === 'active' ? 'disabled' : 'enabled'}`;
                          })
                        }
                      >
                        {x.status === 'active' ? 'Disable' : 'Enable'}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <form
            aria-label="Connect an accounting system"
            onSubmit={(e) => {
              e.preventDefault();
              void c.run(async () => {
                await api('POST', '/api/v1/connectors', {
                  provider,
                  tenantId,
                  clientId,
                  clientSecret,
                  refreshToken,
                  mappings: {
                    items: {},
                    taxTypes: {},
                    ...(defaultItem ? { defaultItem } : {}),
                    ...(accountCode ? { accountCode } : {}),
                  },
                });
                data.reload();
                return 'Connected: tokens are stored encrypted and never shown again';
              });
            }}
          >
            <Stack maw={640}>
              <Group grow>
                <Select
                  label="Provider"
                  data={[
                    { value: 'xero', label: 'Xero' },
                    { value: 'quickbooks', label: 'QuickBooks Online' },
                  ]}
                  value={provider}
                  onChange={setProvider}
                />
                <TextInput
                  label={provider === 'xero' ? 'Xero tenant ID' : 'QuickBooks company (realm) ID'}
                  required
                  value={tenantId}
                  onChange={(e) => setTenantId(e.target.value)}
                />
              </Group>
              <Group grow>
                <TextInput
                  label="OAuth client ID"
                  required
                  value={clientId}
                  onChange={(e) => setClientId(e.target.value)}
                />
                <TextInput
                  label="OAuth client secret"
                  type="password"
                  required
                  value={clientSecret}
                  onChange={(e) => setClientSecret(e.target.value)}
                />
              </Group>
              <TextInput
                label="Refresh token"
                type="password"
                required
                value={refreshToken}
                onChange={(e) => setRefreshToken(e.target.value)}
              />
              <Group grow>
                <TextInput
                  label="Default item code"
                  value={defaultItem}
                  onChange={(e) => setDefaultItem(e.target.value)}
                />
                <TextInput
                  label="Revenue account code"
                  value={accountCode}
                  onChange={(e) => setAccountCode(e.target.value)}
                />
              </Group>
              {c.feedback}
              <Group>
                <Button type="submit" loading={c.busy}>
                  Connect
                </Button>
              </Group>
            </Stack>
          </form>
          <Title order={3}>Webhooks</Title>
          {d.subs.length === 0 ? (
            <Text c="dimmed" data-empty>
              No webhook subscriptions.
            </Text>
          ) : (
            <Table aria-label="Webhook subscriptions">
              <Table.Tbody>
                {d.subs.map((x) => (
                  <Table.Tr key={x.id}>
                    <Table.Td>{x.url}</Table.Td>
                    <Table.Td>{x.events.join(', ')}</Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="default"
                        mr="xs"
                        aria-label={`Send a test to ${x.url}`}
                        onClick={() =>
                          void w.run(async () => {
                            const r = await api<TestResultT>(
                              'POST',
                              `/api/v1/webhook-subscriptions/${x.id}/test`,
                            );
                            if (!r.ok) throw new Error(`Test ping failed: ${r.message}`);
                            return `Test ping sent: the receiver answered HTTP ${r.statusCode}`;
                          })
                        }
                      >
                        Send test
                      </Button>
                      <Button
                        size="xs"
                        color="red"
                        variant="light"
                        onClick={() =>
                          void w.run(async () => {
                            await api('DELETE', `/api/v1/webhook-subscriptions/${x.id}`);
                            data.reload();
                            return 'Subscription removed';
                          })
                        }
                      >
                        Remove
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <form
            aria-label="New webhook subscription"
            onSubmit={(e) => {
              e.preventDefault();
              void w.run(async () => {
                const created = await api<{ secret: string }>('POST', '/api/v1/webhook-subscriptions', {
                  url,
                  events,
                });
                setSecret(created.secret);
                data.reload();
                return 'Subscribed';
              });
            }}
          >
            <Group align="flex-end">
              <TextInput
                label="Endpoint URL"
                required
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                w={320}
              />
              <MultiSelect label="Events" data={EVENT_OPTIONS} value={events} onChange={setEvents} w={360} />
              <Button type="submit" loading={w.busy}>
                Subscribe
              </Button>
            </Group>
          </form>
          {secret && (
            <Alert color="blue" title="Signing secret (shown once)">
              <code>{secret}</code>
            </Alert>
          )}
          {w.feedback}
        </Stack>
      )}
    </Loaded>
  );
};
