import { Button, Group, List, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import { OnlineRefundBody, type OnlineRefunds, REFUND_ATTEMPTS } from '../../../../../src/contracts/portal';
import { api, type InvoiceT } from '../../shared/api';
import { EditModal } from '../../shared/edit-modal';
import { useContractForm } from '../../shared/form';
import { dateTime, money } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';

type RefundsT = z.infer<typeof OnlineRefunds>;

/** A credit note's refunds to the card the customer paid with, and what may still go back that way. */
export const useCardRefunds = (invoice: InvoiceT) =>
  useApi(
    ['invoices', invoice.id, 'online-refunds', invoice.version],
    () => api<RefundsT>('GET', `/api/v1/invoices/${invoice.id}/online-refunds`),
    // While Stripe has not answered, look again every few seconds.
    {
      refetchInterval: (r) =>
        r?.items.some((x) => x.status === 'requested' && x.unanswered < REFUND_ATTEMPTS) ? 3000 : false,
    },
  );

const STATUS_WORDS: Record<RefundsT['items'][number]['status'], string> = {
  requested: 'asked of Stripe, waiting for its answer',
  pending: 'on its way to the card (the bank confirms it in a few days)',
  succeeded: 'back on the card',
  failed: 'failed',
};

export const CardRefunds = ({ invoice }: { invoice: InvoiceT }) => {
  const tz = useMe().organization.timeZone;
  const refunds = useCardRefunds(invoice);
  const invalidate = useInvalidate();
  const waiting = refunds.data?.items.filter((x) => x.status === 'requested').length ?? 0;
  const before = useRef(waiting);
  // An answer arrived: the credit note's amounts and history changed with it.
  useEffect(() => {
    if (waiting < before.current) invalidate('invoices');
    before.current = waiting;
  }, [waiting, invalidate]);
  return (
    <Loaded
      resource={refunds}
      what="the refunds to card"
      isEmpty={(r) => r.items.length === 0}
      empty={<Text c="dimmed">Nothing sent back to a card.</Text>}
    >
      {(r) => (
        <List aria-label="Refunds to card" spacing={4}>
          {r.items.map((x) => (
            <List.Item key={x.id}>
              <strong>{money(x.amount, x.currency)}</strong> {STATUS_WORDS[x.status]}
              {x.failure ? `: ${x.failure}` : ''}
              {x.status === 'requested' && x.unanswered > 0 && (
                <Text size="sm" c="orange">
                  {x.unanswered >= REFUND_ATTEMPTS
                    ? `Stripe did not answer ${x.unanswered} times: it waits in Exceptions, “Payments and books to check”, to reprocess.`
                    : `Stripe did not answer ${x.unanswered === 1 ? 'once' : `${x.unanswered} times`}: trying again.`}
                </Text>
              )}
              <Text size="xs" c="dimmed">
                Asked {dateTime(x.createdAt, tz)}
                {x.status === 'succeeded' || x.status === 'failed'
                  ? `, settled ${dateTime(x.updatedAt, tz)}`
                  : ''}
              </Text>
            </List.Item>
          ))}
        </List>
      )}
    </Loaded>
  );
};

/** "Refund to card" on a credit note the customer's online payment can take back; nothing when it cannot. */
export const RefundToCardButton = ({
  invoice,
  onDone,
}: {
  invoice: InvoiceT;
  onDone: (m: string) => void;
}) => {
  const refunds = useCardRefunds(invoice);
  const [open, setOpen] = useState(false);
  const refundable = refunds.data?.refundable ?? '0';
  if (Number(refundable) <= 0) return null;
  return (
    <>
      <Button onClick={() => setOpen(true)}>Refund to card</Button>
      {open && (
        <RefundToCard
          invoice={invoice}
          refundable={refundable}
          onClose={() => setOpen(false)}
          onDone={onDone}
        />
      )}
    </>
  );
};

/**
 * Sends what a credit note owes back to the card the customer paid with, through Stripe. Nothing is recorded
 * here: the refund shows on the credit note once Stripe confirms it went through.
 */
export const RefundToCard = ({
  invoice,
  refundable,
  onClose,
  onDone,
}: {
  invoice: InvoiceT;
  refundable: string;
  onClose: () => void;
  onDone: (message: string) => void;
}) => {
  const invalidate = useInvalidate();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: OnlineRefundBody,
    initialValues: { amount: refundable },
    toBody: (v: { amount: string }) => ({ amount: v.amount.trim().replace(',', '.') }),
  });
  return (
    <EditModal
      opened
      onClose={onClose}
      title={`Refund ${invoice.number ?? 'the credit note'} to the card`}
      size="md"
    >
      <form
        noValidate
        aria-label="Refund to the card"
        onSubmit={submit(async (body) => {
          await api('POST', `/api/v1/invoices/${invoice.id}/online-refunds`, body);
          invalidate('invoices');
          onDone(
            `${money(body.amount, invoice.currency)} is being sent back to the customer’s card. It shows as refunded once Stripe confirms it.`,
          );
          onClose();
        })}
      >
        <Stack>
          <Text size="sm">
            {invoice.buyer ?? 'The customer'} paid online. Up to {money(refundable, invoice.currency)} can go
            back to the same card through Stripe; the customer sees it in 5 to 10 days.
          </Text>
          <TextInput
            label={`Amount to refund (${invoice.currency})`}
            inputMode="decimal"
            required
            {...form.getInputProps('amount')}
          />
          {errorAlert}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Refund to card
            </Button>
          </Group>
        </Stack>
      </form>
    </EditModal>
  );
};
