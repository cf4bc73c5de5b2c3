import {
  Alert,
  Badge,
  Button,
  Group,
  MultiSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../../../../../src/contracts/integrations';
import { api } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { BackfillForm } from './backfill-form';
import { ConnectAccounting, goAuthorize, OAuthOutcome } from './connect-accounting';
import { ConnectorMappingsForm, type ConnectorT, PROVIDER_WORDS } from './connector-mappings';
import { OnlinePayments } from './online-payments';
import { PeppolSettings } from './peppol-settings';
import { WebhookDeliveryLog } from './webhook-deliveries';

/** Back from the provider's sign-in: Settings' address says how it went. */
const returnedFromProvider = () => {
  const q = new URLSearchParams(window.location.hash.split('?')[1] ?? '');
  return { attemptId: q.get('oauth'), error: q.get('oauthError') };
};

type SubscriptionT = { id: string; url: string; events: string[]; active: boolean };

/** What a Test button's call answers (connectors and webhooks alike). */
type TestResultT = { ok: boolean; message: string; durationMs: number; statusCode?: number | null };

/** What each webhook event means; a new event does not compile until it has its words here. */
const EVENT_WORDS: Record<WebhookEvent, string> = {
  'job.completed': 'A job is completed',
  'job.invoice_ready': 'A job is ready to invoice',
  'approval.requested': 'An approval is asked for',
  'invoice.issued': 'An invoice or credit note is issued',
  'invoice.sent': 'An invoice is sent',
  'invoice.paid': 'An invoice is paid in full',
  'invoice.credited': 'An invoice is credited, in full or in part',
  'invoice.written_off': 'What was left on an invoice is written off',
  'payment.recorded': 'A payment or refund is recorded',
  'payment.reversed': 'A customer’s bank takes a card payment back',
  'integration.failed': 'An accounting push or webhook failed',
  'quote.sent': 'A quote is sent to the customer',
  'quote.accepted': 'A customer accepts a quote',
  'quote.declined': 'A customer declines a quote',
  'change_order.approved': 'A customer approves a change order',
};
/** The contract's events in its order, each with its words and the name a developer subscribes to. */
const EVENT_OPTIONS = WEBHOOK_EVENTS.map((e) => ({ value: e, label: `${EVENT_WORDS[e]} (${e})` }));

export const Integrations = () => {
  const data = useApi(['integrations'], async () => {
    const [connectors, subs] = await Promise.all([
      api<{ items: ConnectorT[] }>('GET', '/api/v1/connectors'),
      api<{ items: SubscriptionT[] }>('GET', '/api/v1/webhook-subscriptions'),
    ]);
    return { connectors: connectors.items, subs: subs.items };
  });
  const [mapping, setMapping] = useState<string | null>(null);
  const [backfill, setBackfill] = useState<string | null>(null);
  const [log, setLog] = useState<SubscriptionT | null>(null);
  const saved = useSubmit();
  const c = useSubmit();
  const back = returnedFromProvider();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['invoice.issued']);
  const w = useSubmit();
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <Loaded resource={data} what="integrations">
      {(d) => (
        <Stack>
          <Title order={3}>Accounting connectors</Title>
          {back.attemptId && <OAuthOutcome attemptId={back.attemptId} onDone={() => data.reload()} />}
          {back.error && (
            <Alert color="red" role="alert" title="Not connected">
              {back.error}
            </Alert>
          )}
          {d.connectors.length === 0 ? (
            <Text c="dimmed" data-empty>
              No accounting system connected: invoices are still exported as CSV.
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={720}>
              <Table aria-label="Connectors">
                <Table.Tbody>
                  {d.connectors.map((x) => (
                    <Table.Tr key={x.id}>
                      <Table.Td>{PROVIDER_WORDS[x.provider]}</Table.Td>
                      <Table.Td>{x.tenantId}</Table.Td>
                      <Table.Td>
                        <Badge color={!x.authorized ? 'red' : x.status === 'active' ? 'green' : 'gray'}>
                          {!x.authorized ? 'Disconnected' : x.status === 'active' ? 'Active' : 'Disabled'}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        {/* Disconnected: no token to test or push with; re-authorizing brings it back. */}
                        {x.authorized && (
                          <>
                            <Button
                              size="xs"
                              variant="default"
                              mr="xs"
                              aria-label={`Test ${PROVIDER_WORDS[x.provider]}`}
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
                          </>
                        )}
                        <Button
                          size="xs"
                          variant="default"
                          ml="xs"
                          aria-label={`Mappings of ${PROVIDER_WORDS[x.provider]}`}
                          onClick={() => setMapping(mapping === x.id ? null : x.id)}
                        >
                          {mapping === x.id ? 'Close mappings' : 'Mappings'}
                        </Button>
                        {x.status === 'active' && x.authorized && (
                          <Button
                            size="xs"
                            variant="default"
                            ml="xs"
                            aria-label={`Push earlier documents to ${PROVIDER_WORDS[x.provider]}`}
                            onClick={() => setBackfill(backfill === x.id ? null : x.id)}
                          >
                            Earlier documents
                          </Button>
                        )}
                        <Button
                          size="xs"
                          variant="default"
                          ml="xs"
                          aria-label={`Re-authorize ${PROVIDER_WORDS[x.provider]}`}
                          onClick={() =>
                            void c.run(() => goAuthorize({ provider: x.provider, connectorId: x.id }))
                          }
                        >
                          Re-authorize
                        </Button>
                        {x.authorized && (
                          <Button
                            size="xs"
                            color="red"
                            variant="light"
                            ml="xs"
                            aria-label={`Disconnect ${PROVIDER_WORDS[x.provider]}`}
                            onClick={() =>
                              void c.run(async () => {
                                if (
                                  !window.confirm(
                                    `Disconnect ${PROVIDER_WORDS[x.provider]}? Nothing more is pushed until it is re-authorized.`,
                                  )
                                )
                                  return 'Still connected';
                                const r = await api<{ revokeProblem: string | null }>(
                                  'POST',
                                  `/api/v1/connectors/${x.id}/disconnect`,
                                );
                                data.reload();
                                return r.revokeProblem
                                  ? `Disconnected here; ${PROVIDER_WORDS[x.provider]} did not confirm the revocation (${r.revokeProblem})`
                                  : `Disconnected: ${PROVIDER_WORDS[x.provider]} revoked the access`;
                              })
                            }
                          >
                            Disconnect
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          {d.connectors
            .filter((x) => x.id === mapping)
            .map((x) => (
              <ConnectorMappingsForm
                key={x.id}
                connector={x}
                onSaved={(message) => {
                  setMapping(null);
                  data.reload();
                  void saved.run(async () => message);
                }}
              />
            ))}
          {d.connectors
            .filter((x) => x.id === backfill)
            .map((x) => (
              <BackfillForm key={x.id} connector={x} onDone={() => data.reload()} />
            ))}
          {saved.feedback}
          {c.feedback}
          <Title order={4}>{d.connectors.length ? 'Connect another' : 'Connect'}</Title>
          <ConnectAccounting />
          <OnlinePayments />
          <PeppolSettings />
          <Title order={3}>Webhooks</Title>
          {d.subs.length === 0 ? (
            <Text c="dimmed" data-empty>
              No webhook subscriptions.
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={720}>
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
                          aria-label={`Deliveries to ${x.url}`}
                          onClick={() => setLog(x)}
                        >
                          Deliveries
                        </Button>
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
            </Table.ScrollContainer>
          )}
          {log && <WebhookDeliveryLog subscription={log} onClose={() => setLog(null)} />}
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
