import { Group, List, Stack, Table, Text } from '@mantine/core';
import type { z } from 'zod';
import type { Payment } from '../../../../../src/contracts/invoices';
import { unitText } from '../../../../../src/core/units';
import { api, type InvoiceT, type Page, type TimelineEventT } from '../../shared/api';
import { dateTime, dayText, money, taxWords } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useMe } from '../../shared/me';
import { useApi } from '../../shared/query';
import { CREDIT_REASONS, SYSTEM_CREDIT_REASONS } from '../jobs/credit-form';
import { AccountingSync } from './accounting-sync';
import { invoiceEventWords, METHOD_WORDS } from './invoice-words';

/** The parts of the invoice page: the document, payments, credit notes, the books and the history. */

type PaymentT = z.infer<typeof Payment>;

/** The document itself: lines, tax and totals, as the customer's PDF shows them; on a phone, a line a row. */
export const Lines = ({ invoice, phone }: { invoice: InvoiceT; phone: boolean }) => {
  const cur = invoice.currency;
  const adjustments = [...invoice.allowances, ...invoice.charges];
  const qty = (l: InvoiceT['lines'][number]) => `${Number(l.quantity)} ${unitText(l.unitCode)}`;
  const jobOf = (l: InvoiceT['lines'][number]) =>
    l.jobNumber && invoice.jobNumbers.length > 1 ? (
      <Text size="xs" c="dimmed">
        Job {l.jobNumber}
        {l.serviceDate ? `, ${dayText(l.serviceDate)}` : ''}
      </Text>
    ) : null;
  return (
    <>
      {phone ? (
        <Stack gap="xs" aria-label="Lines">
          {invoice.lines.map((l) => (
            <Group key={l.position} justify="space-between" wrap="nowrap" align="flex-start">
              <div>
                <Text size="sm">{l.description}</Text>
                <Text size="xs" c="dimmed">
                  {qty(l)} × {money(l.unitPrice, cur)}
                </Text>
                {jobOf(l)}
              </div>
              <Text size="sm">{money(l.netAmount, cur)}</Text>
            </Group>
          ))}
          {adjustments.map((a) => (
            <Group key={`${a.chargeIndicator}-${a.reason}-${a.amount}`} justify="space-between">
              <Text size="sm">{a.reason}</Text>
              <Text size="sm">{money(a.chargeIndicator ? a.amount : `-${a.amount}`, cur)}</Text>
            </Group>
          ))}
        </Stack>
      ) : (
        <Table aria-label="Lines" striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>What</Table.Th>
              <Table.Th ta="right">Quantity</Table.Th>
              <Table.Th ta="right">Price</Table.Th>
              <Table.Th ta="right">Amount</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invoice.lines.map((l) => (
              <Table.Tr key={l.position}>
                <Table.Td>
                  {l.description}
                  {jobOf(l)}
                </Table.Td>
                <Table.Td ta="right">{qty(l)}</Table.Td>
                <Table.Td ta="right">{money(l.unitPrice, cur)}</Table.Td>
                <Table.Td ta="right">{money(l.netAmount, cur)}</Table.Td>
              </Table.Tr>
            ))}
            {adjustments.map((a) => (
              <Table.Tr key={`${a.chargeIndicator}-${a.reason}-${a.amount}`}>
                <Table.Td colSpan={3}>{a.reason}</Table.Td>
                <Table.Td ta="right">{money(a.chargeIndicator ? a.amount : `-${a.amount}`, cur)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {invoice.totals && (
        <Stack gap={2} align="flex-end" mt="xs" aria-label="Totals">
          <Text size="sm">Net {money(invoice.totals.taxExclusive, cur)}</Text>
          {invoice.taxSubtotals.map((t) => (
            <Text size="sm" key={`${t.category}-${t.rate}-${t.jurisdiction}`}>
              {taxWords(invoice.profile === 'us_sales_tax', t.category, t.rate)} on{' '}
              {money(t.taxableAmount, cur)}: {money(t.taxAmount, cur)}
            </Text>
          ))}
          {Number(invoice.totals.prepaid) !== 0 && (
            <Text size="sm">Paid in advance {money(`-${invoice.totals.prepaid}`, cur)}</Text>
          )}
          {Number(invoice.totals.rounding ?? 0) !== 0 && (
            <Text size="sm">Rounding {money(invoice.totals.rounding ?? '0', cur)}</Text>
          )}
          <Text fw={700}>
            {invoice.kind === 'credit_note' ? 'Credited' : 'To pay'} {money(invoice.totals.payable, cur)}
          </Text>
        </Stack>
      )}
    </>
  );
};

export const Payments = ({ invoice }: { invoice: InvoiceT }) => {
  const list = useApi(['invoices', invoice.id, 'payments', invoice.version], () =>
    api<{ items: PaymentT[] }>('GET', `/api/v1/invoices/${invoice.id}/payments`).then((r) => r.items),
  );
  return (
    <Loaded
      resource={list}
      what="the payments"
      isEmpty={(p) => p.length === 0}
      empty={
        <Text c="dimmed">{invoice.kind === 'credit_note' ? 'No refund paid out.' : 'No payment yet.'}</Text>
      }
    >
      {(items) => (
        <List aria-label="Payments received" spacing={4}>
          {items.map((p) => (
            <List.Item key={p.id}>
              {p.reversedOn ? (
                <s>{money(p.amount, invoice.currency)}</s>
              ) : (
                <strong>{money(p.amount, invoice.currency)}</strong>
              )}{' '}
              on {dayText(p.receivedOn)} by {(METHOD_WORDS[p.method] ?? 'other means').toLowerCase()}
              {p.reference ? `, reference ${p.reference}` : ''}
              {p.reversedOn ? (
                <Text span c="red.8" size="sm">
                  {' '}
                  — taken back by the customer’s bank on {dayText(p.reversedOn)}
                </Text>
              ) : null}
            </List.Item>
          ))}
        </List>
      )}
    </Loaded>
  );
};

export const Credits = ({ invoice }: { invoice: InvoiceT }) => {
  const notes = useApi(['invoices', 'credits-of', invoice.id, invoice.version], () =>
    api<Page<InvoiceT>>('GET', `/api/v1/invoices?correctsInvoiceId=${invoice.id}&limit=50`).then(
      (r) => r.items,
    ),
  );
  return (
    <Loaded
      resource={notes}
      what="the credit notes"
      isEmpty={(n) => n.length === 0}
      empty={<Text c="dimmed">Nothing credited.</Text>}
    >
      {(items) => (
        <List aria-label="Credit notes" spacing={4}>
          {items.map((n) => (
            <List.Item key={n.id}>
              <AppLink to="/invoices/$invoiceId" params={{ invoiceId: n.id }}>
                {n.number ?? 'Draft credit note'}
              </AppLink>{' '}
              for {money(n.totals?.payable ?? null, n.currency)}
              {n.issueDate ? ` on ${dayText(n.issueDate)}` : ''}
              {n.creditReason
                ? ` (${[...CREDIT_REASONS, ...SYSTEM_CREDIT_REASONS].find((r) => r.value === n.creditReason)?.label.toLowerCase() ?? 'other reason'})`
                : ''}
            </List.Item>
          ))}
        </List>
      )}
    </Loaded>
  );
};

export const Accounting = ({ invoice }: { invoice: InvoiceT }) => <AccountingSync invoice={invoice} />;

export const History = ({ invoice }: { invoice: InvoiceT }) => {
  const tz = useMe().organization.timeZone;
  const events = useApi(['invoices', invoice.id, 'timeline', invoice.version], () =>
    api<{ items: TimelineEventT[] }>('GET', `/api/v1/invoices/${invoice.id}/timeline`).then((r) => r.items),
  );
  return (
    <Loaded resource={events} what="the history">
      {(items) => (
        <List aria-label="What happened" spacing={4}>
          {[...items].reverse().map((e) => (
            <List.Item key={e.seq}>
              <Text size="sm" span fw={500}>
                {invoiceEventWords(e, invoice.currency, invoice.kind === 'credit_note')}
              </Text>
              <Text size="xs" c="dimmed">
                {dateTime(e.at, tz)} · {e.actor.name ?? (e.actor.type === 'system' ? 'Closeout' : 'Someone')}
              </Text>
            </List.Item>
          ))}
        </List>
      )}
    </Loaded>
  );
};
