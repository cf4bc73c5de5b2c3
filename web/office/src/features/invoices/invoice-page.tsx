import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  List,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useState } from 'react';
import { businessDate } from '../../../../../src/core/time';
import { unitText } from '../../../../../src/core/units';
import { api, type InvoiceT, type Page, type TimelineEventT } from '../../shared/api';
import { Feedback, useSubmit } from '../../shared/feedback';
import { dateTime, dayText, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useCan, useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';
import { StatusBadge } from '../../shared/status';
import { CREDIT_REASONS, CreditForm } from '../jobs/credit-form';
import { type Push, Section } from '../jobs/job-sections';
import { invoiceEventWords, KIND_WORDS, lateness, METHOD_WORDS } from './invoice-words';
import { RecordPayment } from './record-payment';

type PaymentT = {
  id: string;
  amount: string;
  receivedOn: string;
  method: string;
  reference: string | null;
};

const SENDABLE = ['issued', 'sent', 'partially_paid', 'paid'];
const CREDITABLE = ['issued', 'sent', 'partially_paid', 'paid'];

const taxWords = (invoice: InvoiceT, category: string | null, rate: string) =>
  invoice.profile === 'us_sales_tax'
    ? `Sales tax ${Number(rate)} %`
    : category === 'S' || category === null
      ? `VAT ${Number(rate)} %`
      : category === 'Z'
        ? 'VAT 0 %'
        : 'No VAT';

/** The document itself: lines, tax and totals, as the customer's PDF shows them; on a phone, a line a row. */
const Lines = ({ invoice, phone }: { invoice: InvoiceT; phone: boolean }) => {
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
              {taxWords(invoice, t.category, t.rate)} on {money(t.taxableAmount, cur)}:{' '}
              {money(t.taxAmount, cur)}
            </Text>
          ))}
          {Number(invoice.totals.prepaid) !== 0 && (
            <Text size="sm">Paid in advance {money(`-${invoice.totals.prepaid}`, cur)}</Text>
          )}
          <Text fw={700}>
            {invoice.kind === 'credit_note' ? 'Credited' : 'To pay'} {money(invoice.totals.payable, cur)}
          </Text>
        </Stack>
      )}
    </>
  );
};

const Payments = ({ invoice }: { invoice: InvoiceT }) => {
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
              <strong>{money(p.amount, invoice.currency)}</strong> on {dayText(p.receivedOn)} by{' '}
              {(METHOD_WORDS[p.method] ?? 'other means').toLowerCase()}
              {p.reference ? `, reference ${p.reference}` : ''}
            </List.Item>
          ))}
        </List>
      )}
    </Loaded>
  );
};

const Credits = ({ invoice }: { invoice: InvoiceT }) => {
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
                ? ` (${CREDIT_REASONS.find((r) => r.value === n.creditReason)?.label.toLowerCase() ?? 'other reason'})`
                : ''}
            </List.Item>
          ))}
        </List>
      )}
    </Loaded>
  );
};

const Accounting = ({ invoice }: { invoice: InvoiceT }) => {
  const pushes = useApi(['invoices', invoice.id, 'accounting', invoice.version], () =>
    api<{ items: Push[] }>('GET', `/api/v1/invoices/${invoice.id}/accounting`).then((r) => r.items),
  );
  return (
    <Loaded
      resource={pushes}
      what="the accounting sync"
      isEmpty={(p) => p.length === 0}
      empty={<Text c="dimmed">No accounting system is connected.</Text>}
    >
      {(items) => (
        <Stack gap={4}>
          {items.map((p) => (
            <Text size="sm" key={p.connectorId}>
              <StatusBadge kind="push" status={p.status} />{' '}
              {p.attempts > 1 ? `after ${p.attempts} attempts` : ''}
              {p.lastError ? ` — ${p.lastError}` : ''}
            </Text>
          ))}
        </Stack>
      )}
    </Loaded>
  );
};

const History = ({ invoice }: { invoice: InvoiceT }) => {
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
                {invoiceEventWords(e, invoice.currency)}
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

/**
 * One invoice or credit note: the document, what was paid and credited, where it was sent, the books, and
 * everything that happened to it; and the office's actions on it (payment, credit, send again).
 */
export const InvoicePage = ({ id }: { id: string }) => {
  const me = useMe();
  const can = useCan();
  const phone = useMediaQuery('(max-width: 48em)');
  const invalidate = useInvalidate();
  const [notice, setNotice] = useState<string | null>(null);
  const [paying, setPaying] = useState(false);
  const [crediting, setCrediting] = useState(false);
  const [pdf, setPdf] = useState(false);
  const send = useSubmit();
  const invoice = useApi(['invoices', id], () => api<InvoiceT>('GET', `/api/v1/invoices/${id}`));
  const today = businessDate(new Date(), me.organization.timeZone);

  return (
    <Loaded resource={invoice} what="the invoice">
      {(i) => {
        const kind = KIND_WORDS[i.kind];
        const owed = i.kind !== 'credit_note' && Number(i.outstanding) > 0 && SENDABLE.includes(i.status);
        const late = owed ? lateness(i.dueDate, today) : null;
        const done = (msg: string) => {
          setNotice(msg);
          invalidate('invoices', 'jobs', 'metrics', 'customers');
        };
        return (
          <Stack>
            <Group justify="space-between" align="flex-start">
              <div>
                <Text size="sm" c="dimmed">
                  {kind}
                </Text>
                <Title order={1}>{i.number ?? `${kind} (draft)`}</Title>
                <Text>
                  {i.customerId ? (
                    <AppLink to="/customers/$customerId" params={{ customerId: i.customerId }}>
                      {i.buyer ?? 'Customer'}
                    </AppLink>
                  ) : (
                    i.buyer
                  )}
                  {i.jobId ? (
                    <>
                      {' · '}
                      <AppLink to="/jobs/$jobId" params={{ jobId: i.jobId }}>
                        Job {i.jobNumbers.join(', ')}
                      </AppLink>
                    </>
                  ) : i.seriesId ? (
                    <>
                      {' · '}
                      <AppLink to="/series/$seriesId" params={{ seriesId: i.seriesId }}>
                        Recurring service, {dayText(i.periodStart)} to {dayText(i.periodEnd)}
                      </AppLink>
                    </>
                  ) : null}
                </Text>
              </div>
              <Group>
                <StatusBadge kind="invoice" status={i.status} />
                {late && (
                  <Badge color="red" variant="light">
                    {late}
                  </Badge>
                )}
              </Group>
            </Group>

            <Group gap="xs" aria-label="Actions">
              {owed && can('payments.record') && (
                <Button onClick={() => setPaying(true)}>Record payment</Button>
              )}
              {i.number && SENDABLE.includes(i.status) && can('invoices.manage') && (
                <Button
                  variant="default"
                  loading={send.busy}
                  onClick={() =>
                    void send.run(async () => {
                      await api('POST', `/api/v1/invoices/${i.id}/send`);
                      done(
                        i.sentAt
                          ? `${i.number} is being e-mailed to the customer again.`
                          : `${i.number} is being e-mailed to the customer.`,
                      );
                      return '';
                    })
                  }
                >
                  {i.sentAt ? 'Send again' : 'Send to the customer'}
                </Button>
              )}
              {i.kind !== 'credit_note' && CREDITABLE.includes(i.status) && can('invoices.manage') && (
                <Button variant="default" onClick={() => setCrediting((c) => !c)}>
                  {crediting ? 'Keep as it is' : 'Credit…'}
                </Button>
              )}
              {i.number && (
                <>
                  <Button variant="light" onClick={() => setPdf((p) => !p)}>
                    {pdf ? 'Hide the PDF' : 'Show the PDF'}
                  </Button>
                  <Anchor href={`/api/v1/invoices/${i.id}/pdf`} target="_blank" rel="noreferrer">
                    PDF
                  </Anchor>
                  <Anchor href={`/api/v1/invoices/${i.id}/ubl`} download>
                    E-invoice (UBL)
                  </Anchor>
                  <Anchor href={`/api/v1/invoices/${i.id}/packet`} download>
                    Full packet (ZIP)
                  </Anchor>
                </>
              )}
            </Group>
            <Feedback notice={notice} error={send.error} onCloseNotice={() => setNotice(null)} />
            {i.holdReasons.length > 0 && (
              <Alert color="yellow" title="Waiting before it can be issued">
                {i.holdReasons.map((h) => h.message).join('; ')}
              </Alert>
            )}
            {crediting && (
              <Section title={`Credit ${i.number}`}>
                <CreditForm
                  invoice={i}
                  onDone={(msg) => {
                    setCrediting(false);
                    done(msg);
                  }}
                />
              </Section>
            )}
            {pdf && i.number && (
              <iframe
                title={`PDF of ${i.number}`}
                src={`/api/v1/invoices/${i.id}/pdf`}
                className="pdf-preview"
              />
            )}

            <SimpleGrid cols={{ base: 1, md: 3 }}>
              <Section title="Amounts">
                <Stack gap={2}>
                  <Text>
                    Total <strong>{money(i.totals?.payable ?? null, i.currency)}</strong>
                  </Text>
                  {i.kind !== 'credit_note' && <Text size="sm">Paid {money(i.amountPaid, i.currency)}</Text>}
                  {Number(i.amountCredited) > 0 && (
                    <Text size="sm">Credited {money(i.amountCredited, i.currency)}</Text>
                  )}
                  {i.kind !== 'credit_note' && (
                    <Text size="sm" fw={600} c={late ? 'red.8' : 'inherit'}>
                      Still owed {owed ? money(i.outstanding, i.currency) : money('0', i.currency)}
                    </Text>
                  )}
                </Stack>
              </Section>
              <Section title="Dates">
                <Stack gap={2}>
                  <Text size="sm">Issued {dayText(i.issueDate)}</Text>
                  {i.kind !== 'credit_note' && <Text size="sm">Due {dayText(i.dueDate)}</Text>}
                  <Text size="sm">
                    {i.sentAt ? `Sent ${dateTime(i.sentAt, me.organization.timeZone)}` : 'Not sent yet'}
                  </Text>
                  {i.paidAt && <Text size="sm">Paid {dateTime(i.paidAt, me.organization.timeZone)}</Text>}
                </Stack>
              </Section>
              <Section title="Reference">
                <Stack gap={2}>
                  {i.poNumber && <Text size="sm">Purchase order {i.poNumber}</Text>}
                  {i.correctsInvoiceId && (
                    <Text size="sm">
                      Corrects{' '}
                      <AppLink to="/invoices/$invoiceId" params={{ invoiceId: i.correctsInvoiceId }}>
                        the original invoice
                      </AppLink>
                    </Text>
                  )}
                  {i.memo && <Text size="sm">Memo: {i.memo}</Text>}
                  {!i.poNumber && !i.correctsInvoiceId && !i.memo && (
                    <Text size="sm" c="dimmed">
                      No purchase order or memo.
                    </Text>
                  )}
                </Stack>
              </Section>
            </SimpleGrid>

            <Section title="The document">
              <Lines invoice={i} phone={!!phone} />
            </Section>
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              {i.number && i.kind !== 'credit_note' && (
                <Section title="Payments">
                  <Payments invoice={i} />
                </Section>
              )}
              {i.number && i.kind !== 'credit_note' && (
                <Section title="Credit notes">
                  <Credits invoice={i} />
                </Section>
              )}
              {i.number && (
                <Section title="Accounting">
                  <Accounting invoice={i} />
                </Section>
              )}
              <Section title="History">
                <History invoice={i} />
              </Section>
            </SimpleGrid>
            {paying && <RecordPayment invoice={i} opened onClose={() => setPaying(false)} onDone={done} />}
          </Stack>
        );
      }}
    </Loaded>
  );
};
