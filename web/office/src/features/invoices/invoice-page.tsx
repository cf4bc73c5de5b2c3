import { Alert, Anchor, Badge, Button, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useState } from 'react';
import { businessDate } from '../../../../../src/core/time';
import { api, type InvoiceT } from '../../shared/api';
import { Feedback, useSubmit } from '../../shared/feedback';
import { dateTime, dayText, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useCan, useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';
import { StatusBadge } from '../../shared/status';
import { CreditForm } from '../jobs/credit-form';
import { Section } from '../jobs/job-sections';
import { CardRefunds, RefundToCardButton } from './card-refunds';
import { InvoiceReminders } from './invoice-reminders';
import { Accounting, Credits, History, Lines, Payments } from './invoice-sections';
import { KIND_WORDS, lateness } from './invoice-words';
import { PayLinkButton } from './pay-link';
import { RecordPayment } from './record-payment';
import { InvoiceWriteOffs, WriteOffModal } from './write-offs';

const SENDABLE = ['issued', 'sent', 'partially_paid', 'paid'];
const CREDITABLE = ['issued', 'sent', 'partially_paid', 'paid'];
const WRITABLE = ['issued', 'sent', 'partially_paid'];

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
  const [writingOff, setWritingOff] = useState(false);
  const [pdf, setPdf] = useState(false);
  const send = useSubmit();
  const invoice = useApi(['invoices', id], () => api<InvoiceT>('GET', `/api/v1/invoices/${id}`));
  const today = businessDate(new Date(), me.organization.timeZone);

  return (
    <Loaded resource={invoice} what="the invoice">
      {(i) => {
        const kind = i.progress ? 'Progress invoice' : KIND_WORDS[i.kind];
        const owed = i.kind !== 'credit_note' && Number(i.outstanding) > 0 && SENDABLE.includes(i.status);
        const late = owed ? lateness(i.dueDate, today) : null;
        // A credit note owes the customer money back once what it credits had been paid.
        const refundDue =
          i.kind === 'credit_note' && !!i.number && Number(i.outstanding) > 0 && SENDABLE.includes(i.status);
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
                <StatusBadge kind={i.kind === 'credit_note' ? 'credit_note' : 'invoice'} status={i.status} />
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
              {refundDue && can('payments.record') && <RefundToCardButton invoice={i} onDone={done} />}
              {refundDue && can('payments.record') && (
                <Button variant="default" onClick={() => setPaying(true)}>
                  Record a refund
                </Button>
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
              {owed && i.number && can('invoices.manage') && (
                <PayLinkButton invoiceId={i.id} number={i.number} />
              )}
              {i.kind !== 'credit_note' && CREDITABLE.includes(i.status) && can('invoices.manage') && (
                <Button variant="default" onClick={() => setCrediting((c) => !c)}>
                  {crediting ? 'Keep as it is' : 'Credit…'}
                </Button>
              )}
              {i.kind === 'invoice' && owed && WRITABLE.includes(i.status) && can('write_offs.request') && (
                <Button variant="default" color="orange" onClick={() => setWritingOff(true)}>
                  Write off…
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
                  {Number(i.amountWrittenOff) > 0 && (
                    <Text size="sm">Written off {money(i.amountWrittenOff, i.currency)}</Text>
                  )}
                  {i.kind === 'credit_note' && i.number && (
                    <>
                      <Text size="sm">Refunded {money(i.amountPaid, i.currency)}</Text>
                      <Text size="sm" fw={600}>
                        Still to refund {money(refundDue ? i.outstanding : '0', i.currency)}
                      </Text>
                    </>
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
                  {i.paidAt && (
                    <Text size="sm">
                      {i.kind === 'credit_note' ? 'Refunded' : 'Paid'}{' '}
                      {dateTime(i.paidAt, me.organization.timeZone)}
                    </Text>
                  )}
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
              {i.number && i.kind === 'credit_note' && (
                <Section title="Refunds">
                  <Stack gap="xs">
                    <Payments invoice={i} />
                    <CardRefunds invoice={i} />
                  </Stack>
                </Section>
              )}
              {i.number && i.kind !== 'credit_note' && (
                <Section title="Reminders">
                  <InvoiceReminders invoice={i} onDone={done} />
                </Section>
              )}
              {i.number && i.kind !== 'credit_note' && (
                <Section title="Credit notes">
                  <Credits invoice={i} />
                </Section>
              )}
              {i.number && i.kind === 'invoice' && can('write_offs.request') && (
                <Section title="Write-offs">
                  <InvoiceWriteOffs invoice={i} timeZone={me.organization.timeZone} onDone={done} />
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
            {writingOff && (
              <WriteOffModal
                invoice={i}
                org={me.organization}
                onClose={() => setWritingOff(false)}
                onDone={done}
              />
            )}
            {paying && <RecordPayment invoice={i} opened onClose={() => setPaying(false)} onDone={done} />}
          </Stack>
        );
      }}
    </Loaded>
  );
};
