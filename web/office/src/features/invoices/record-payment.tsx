import { Button, Checkbox, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { PaymentBody } from '../../../../../src/contracts/invoices';
import { businessDate } from '../../../../../src/core/time';
import { api, type InvoiceT } from '../../shared/api';
import { EditModal } from '../../shared/edit-modal';
import { orNull, useContractForm } from '../../shared/form';
import { money } from '../../shared/format';
import { useMe } from '../../shared/me';
import { useInvalidate } from '../../shared/query';
import { METHOD_WORDS } from './invoice-words';

const METHODS = Object.entries(METHOD_WORDS).map(([value, label]) => ({ value, label }));

type Values = { amount: string; receivedOn: string; method: string; reference: string; sendReceipt: boolean };

/**
 * Record money received against an invoice: the whole outstanding amount by default, or part of it. The
 * server refuses more than is owed; the invoice's status, the job's and the books follow.
 */
export const RecordPayment = ({
  invoice,
  opened,
  onClose,
  onDone,
}: {
  invoice: InvoiceT;
  opened: boolean;
  onClose: () => void;
  onDone: (message: string) => void;
}) => {
  const me = useMe();
  const refund = invoice.kind === 'credit_note';
  const invalidate = useInvalidate();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: PaymentBody,
    initialValues: {
      amount: invoice.outstanding,
      receivedOn: businessDate(new Date(), me.organization.timeZone),
      method: 'bank_transfer',
      reference: '',
      sendReceipt: false,
    } satisfies Values,
    toBody: (v: Values) => ({
      invoiceId: invoice.id,
      amount: v.amount.trim().replace(',', '.'),
      receivedOn: v.receivedOn,
      method: v.method as 'bank_transfer',
      reference: orNull(v.reference),
      sendReceipt: v.sendReceipt,
    }),
  });
  return (
    <EditModal
      opened={opened}
      onClose={onClose}
      title={
        refund
          ? `Record a refund on ${invoice.number ?? 'the credit note'}`
          : `Record a payment on ${invoice.number ?? 'the invoice'}`
      }
      size="md"
    >
      <form
        noValidate
        aria-label={refund ? 'Record a refund' : 'Record a payment'}
        onSubmit={submit(async (body) => {
          await api('POST', '/api/v1/payments', body);
          invalidate('invoices', 'jobs', 'metrics');
          onDone(
            `${money(body.amount, invoice.currency)} ${refund ? 'refund ' : ''}recorded on ${invoice.number ?? 'the invoice'}`,
          );
          onClose();
        })}
      >
        <Stack>
          <Text size="sm">
            {refund
              ? `${invoice.buyer ?? 'The customer'} is owed ${money(invoice.outstanding, invoice.currency)} back. Record here a refund paid outside Closeout (a transfer, cash, a cheque).`
              : `${invoice.buyer ?? 'The customer'} owes ${money(invoice.outstanding, invoice.currency)} of ${money(invoice.totals?.payable, invoice.currency)}.`}
          </Text>
          <TextInput
            label={`${refund ? 'Amount paid back' : 'Amount received'} (${invoice.currency})`}
            inputMode="decimal"
            required
            {...form.getInputProps('amount')}
          />
          <TextInput
            label={refund ? 'Paid back on' : 'Received on'}
            type="date"
            required
            {...form.getInputProps('receivedOn')}
          />
          <Select label="Method" data={METHODS} allowDeselect={false} {...form.getInputProps('method')} />
          <TextInput
            label="Reference"
            description="The bank's reference or the cheque number, to match the statement"
            {...form.getInputProps('reference')}
          />
          <Checkbox
            label={refund ? 'E-mail the customer that it was paid back' : 'E-mail the customer a receipt'}
            description="To the customer’s invoice e-mail, with the link to their invoices"
            {...form.getInputProps('sendReceipt', { type: 'checkbox' })}
          />
          {errorAlert}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              {refund ? 'Record refund' : 'Record payment'}
            </Button>
          </Group>
        </Stack>
      </form>
    </EditModal>
  );
};
