import {
  Anchor,
  Button,
  Card,
  Group,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { lazy, Suspense, useState } from 'react';
import type { z } from 'zod';
import type { StatementView } from '../../../../../src/contracts/collections';
import { ENTRY_WORDS } from '../../../../../src/core/statement';
import { api } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { dayText, money } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useApi, useInvalidate } from '../../shared/query';

const AgingChart = lazy(() => import('../invoices/aging-chart'));
type S = z.infer<typeof StatementView>;

/** An amount the customer owes as it is; one they are owed as a credit. */
const signed = (amount: string, currency: string) =>
  amount.startsWith('-') ? `${money(amount.slice(1), currency)} credit` : money(amount, currency);

/**
 * The customer's statement of account on their page: the period to show, its balance and how late, every
 * movement with the running balance, the PDF, "E-mail it to them", and the monthly statement by e-mail.
 */
export const CustomerStatement = ({
  customerId,
  canSend,
  phone,
}: {
  customerId: string;
  canSend: boolean;
  phone: boolean;
}) => {
  const invalidate = useInvalidate();
  const [period, setPeriod] = useState<{ from: string; to: string } | null>(null);
  const send = useSubmit();
  const query = period ? `?from=${period.from}&to=${period.to}` : '';
  const statement = useApi(['customers', customerId, 'statement', query], () =>
    api<S>('GET', `/api/v1/customers/${customerId}/statement${query}`),
  );
  return (
    <Card withBorder component="section" aria-label="Statement of account">
      <Loaded resource={statement} what="the statement">
        {(s) => (
          <Stack gap="sm">
            <Group justify="space-between" align="flex-end">
              <Title order={2} size="h4">
                Statement of account
              </Title>
              <Group gap="xs" align="flex-end">
                <TextInput
                  type="date"
                  label="From"
                  size="xs"
                  value={s.from}
                  onChange={(e) =>
                    e.currentTarget.value && setPeriod({ from: e.currentTarget.value, to: s.to })
                  }
                />
                <TextInput
                  type="date"
                  label="To"
                  size="xs"
                  value={s.to}
                  onChange={(e) =>
                    e.currentTarget.value && setPeriod({ from: s.from, to: e.currentTarget.value })
                  }
                />
              </Group>
            </Group>
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <Stack gap={4}>
                <Text size="sm">
                  Brought forward on {dayText(s.from)}: {signed(s.opening, s.currency)}
                </Text>
                <Text fw={600}>
                  Balance on {dayText(s.to)}: {signed(s.closing, s.currency)}
                </Text>
                {Number(s.overdue) > 0 && (
                  <Text size="sm" c="red.8" fw={600}>
                    Overdue: {money(s.overdue, s.currency)}
                  </Text>
                )}
                {Number(s.credits) < 0 && (
                  <Text size="sm">They hold a credit of {money(s.credits.slice(1), s.currency)}.</Text>
                )}
                <Group gap="xs" mt="xs">
                  <Anchor
                    href={`/api/v1/customers/${customerId}/statement/pdf?from=${s.from}&to=${s.to}`}
                    target="_blank"
                    rel="noreferrer"
                    size="sm"
                  >
                    Statement as a PDF
                  </Anchor>
                  {canSend && (
                    <Button
                      size="xs"
                      variant="default"
                      loading={send.busy}
                      onClick={() =>
                        void send.run(async () => {
                          const r = await api<{ recipients: string[] }>(
                            'POST',
                            `/api/v1/customers/${customerId}/statement/send`,
                            { from: s.from, to: s.to },
                          );
                          return `The statement is being e-mailed to ${r.recipients.join(', ')}.`;
                        })
                      }
                    >
                      E-mail it to them
                    </Button>
                  )}
                </Group>
                {canSend && (
                  <Switch
                    mt="xs"
                    size="sm"
                    label="E-mail last month’s statement on the first of each month"
                    checked={s.monthly}
                    onChange={(e) => {
                      const monthly = e.currentTarget.checked;
                      void send.run(async () => {
                        await api('PUT', `/api/v1/customers/${customerId}/statement-preferences`, {
                          monthly,
                        });
                        invalidate('customers');
                        return monthly
                          ? 'They will get a statement by e-mail on the first of each month.'
                          : 'No more monthly statements.';
                      });
                    }}
                  />
                )}
                {send.feedback}
              </Stack>
              <Suspense fallback={null}>
                <AgingChart
                  c={{
                    currency: s.currency,
                    buckets: s.aging.map((a) => ({ bucket: a.band, amount: a.amount })),
                  }}
                />
              </Suspense>
            </SimpleGrid>
            <Table.ScrollContainer minWidth={phone ? 480 : 0}>
              <Table aria-label="Activity" striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Date</Table.Th>
                    <Table.Th>What</Table.Th>
                    <Table.Th ta="right">Amount</Table.Th>
                    <Table.Th ta="right">Balance</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {s.lines.length === 0 && (
                    <Table.Tr>
                      <Table.Td colSpan={4}>
                        <Text size="sm" c="dimmed">
                          Nothing happened in this period.
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  )}
                  {s.lines.map((l, i) => (
                    // A day can hold the same kind of movement on the same document twice (two payments).
                    // biome-ignore lint/suspicious/noArrayIndexKey: see above
                    <Table.Tr key={`${l.date}-${l.kind}-${l.number}-${i}`}>
                      <Table.Td>{dayText(l.date)}</Table.Td>
                      <Table.Td>
                        {ENTRY_WORDS[l.kind]}{' '}
                        {l.kind === 'invoice' || l.kind === 'credit_note' ? l.number : `on ${l.number}`}
                        {l.reference ? ` (${l.reference})` : ''}
                      </Table.Td>
                      <Table.Td ta="right">
                        {l.amount.startsWith('-')
                          ? `−${money(l.amount.slice(1), s.currency)}`
                          : money(l.amount, s.currency)}
                      </Table.Td>
                      <Table.Td ta="right">{signed(l.balance, s.currency)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Stack>
        )}
      </Loaded>
    </Card>
  );
};
