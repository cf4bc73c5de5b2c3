import { Badge, Button, Card, Group, Stack, Text, Title, Tooltip } from '@mantine/core';
import { api, type IntegrationErrorT, type MeT } from '../../shared/api';
import { Feedback, useSubmit } from '../../shared/feedback';
import { dateTime } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import type { Resource } from '../../shared/query';
import { ContactMatchActions } from './contact-match';
import { UnplacedMoneyAction } from './unplaced-money';

const KIND_WORDS: Record<IntegrationErrorT['kind'], string> = {
  accounting_push: 'Accounting',
  webhook: 'Webhook',
  online_payment: 'Online payment',
  peppol_send: 'E-invoice',
};

/**
 * What failed without holding a job back (a payment or refund that did not reach the books, a chargeback,
 * money paid online that did not fit, a webhook that gave up): each in words, with its document, and the
 * step to take: reprocess it, or mark it handled once done by hand.
 */
export const MoneyLane = ({
  me,
  failures,
  shownWithJobs,
  onDone,
}: {
  me: MeT;
  failures: Resource<IntegrationErrorT[]>;
  /** Errors already shown on a job of the lanes above. */
  shownWithJobs: Set<string>;
  onDone: (message: string) => void;
}) => {
  const tz = me.organization.timeZone;
  const can = me.permissions.includes('integrations.manage');
  const s = useSubmit();
  const act = (e: IntegrationErrorT) =>
    void s.run(async () => {
      await api('POST', `/api/v1/integration-errors/${e.id}/reprocess`, {
        ...(e.kind === 'online_payment' ? { note: 'handled by the office' } : {}),
      });
      failures.reload();
      onDone(
        e.kind === 'online_payment'
          ? 'Marked as handled'
          : 'Reprocessing: it leaves this list when it succeeds',
      );
      return '';
    });
  const items = (failures.data ?? []).filter((f) => !shownWithJobs.has(f.id));
  return (
    <Card withBorder component="section" aria-label="Payments and books to check">
      <Group justify="space-between">
        <Title order={2} size="h4">
          Payments and books to check <Badge variant="light">{items.length}</Badge>
        </Title>
        <Text size="sm" c="dimmed">
          Chargebacks, refunds, e-invoices not delivered, and what did not reach the accounting system.
        </Text>
      </Group>
      <Feedback error={s.error} />
      <Loaded
        resource={{ ...failures, data: failures.data ? items : undefined }}
        what="the failures"
        isEmpty={(r) => r.length === 0}
        empty={
          <Text c="dimmed" size="sm" mt="xs" data-empty>
            Nothing here.
          </Text>
        }
      >
        {(xs) => (
          <Stack mt="sm" gap="sm">
            {xs.map((e) => (
              <Card key={e.id} withBorder p="sm" aria-label={`${KIND_WORDS[e.kind]}: ${e.message}`}>
                <Group justify="space-between" align="flex-start" wrap="nowrap">
                  <Stack gap={2}>
                    <Text size="sm" fw={600}>
                      {KIND_WORDS[e.kind]}
                    </Text>
                    <Text size="sm">{e.message}</Text>
                    <Text size="xs" c="dimmed">
                      Since {dateTime(e.firstSeenAt, tz)}
                      {e.invoiceId ? ' · ' : ''}
                      {e.invoiceId && (
                        <AppLink to="/invoices/$invoiceId" params={{ invoiceId: e.invoiceId }}>
                          Open the document
                        </AppLink>
                      )}
                    </Text>
                    {can && e.contactMatch && (
                      // Two answers, under the question: side by side they would not fit a phone.
                      <Group gap="xs" mt={4}>
                        <ContactMatchActions
                          failure={e}
                          onDone={(m) => {
                            failures.reload();
                            onDone(m);
                          }}
                        />
                      </Group>
                    )}
                    {can && e.unplacedPaymentId && (
                      <Group gap="xs" mt={4}>
                        <UnplacedMoneyAction
                          failure={e}
                          onDone={(m) => {
                            failures.reload();
                            onDone(m);
                          }}
                        />
                      </Group>
                    )}
                  </Stack>
                  {can && !e.contactMatch && (
                    <Tooltip label={e.reprocessBlockedBy ?? ''} disabled={!e.reprocessBlockedBy}>
                      <Button
                        size="xs"
                        style={{ flexShrink: 0 }}
                        variant={e.kind === 'online_payment' ? 'default' : 'filled'}
                        loading={s.busy}
                        data-disabled={e.reprocessBlockedBy !== null}
                        onClick={() => {
                          if (!e.reprocessBlockedBy) act(e);
                        }}
                      >
                        {e.kind === 'online_payment' ? 'Mark as handled' : 'Reprocess'}
                      </Button>
                    </Tooltip>
                  )}
                </Group>
              </Card>
            ))}
          </Stack>
        )}
      </Loaded>
    </Card>
  );
};
