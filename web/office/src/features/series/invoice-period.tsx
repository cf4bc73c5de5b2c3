import { Button, Group, Stack, Text, TextInput } from '@mantine/core';
import type { z } from 'zod';
import { CycleInvoiceBody } from '../../../../../src/contracts/billing';
import { businessDate, monthBefore } from '../../../../../src/core/time';
import { api, type InvoiceT } from '../../shared/api';
import { EditModal } from '../../shared/edit-modal';
import { useContractForm } from '../../shared/form';
import { useMe } from '../../shared/me';
import { useInvalidate } from '../../shared/query';

type Values = { periodStart: string; periodEnd: string };

/**
 * One cycle invoice for this service now, outside the monthly run: its invoice-ready visits in the period on
 * one invoice; visits not finished stay for the next.
 */
export const InvoicePeriod = ({
  seriesId,
  onClose,
  onDone,
}: {
  seriesId: string;
  onClose: () => void;
  onDone: (message: string) => void;
}) => {
  const me = useMe();
  const invalidate = useInvalidate();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: CycleInvoiceBody,
    initialValues: ((m) => ({ periodStart: m.from, periodEnd: m.to }))(
      monthBefore(businessDate(new Date(), me.organization.timeZone)),
    ) as Values,
    toBody: (v: Values) => v as z.input<typeof CycleInvoiceBody>,
  });
  return (
    <EditModal opened onClose={onClose} title="Invoice a period of this service" size="md">
      <form
        noValidate
        aria-label="Invoice a period"
        onSubmit={submit(async (body) => {
          const invoice = await api<InvoiceT>('POST', `/api/v1/series/${seriesId}/cycle-invoices`, body);
          invalidate('invoices', 'series');
          onDone(
            invoice.number
              ? `${invoice.number} issued for the visits of the period`
              : 'The invoice waits in the billing queue for a check',
          );
          onClose();
        })}
      >
        <Stack>
          <Text size="sm">
            The visits finished in these days go on one invoice. Visits not finished yet are left for the next
            invoice.
          </Text>
          <Group grow>
            <TextInput type="date" label="First day" {...form.getInputProps('periodStart')} />
            <TextInput type="date" label="Last day" {...form.getInputProps('periodEnd')} />
          </Group>
          {errorAlert}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Invoice the period
            </Button>
          </Group>
        </Stack>
      </form>
    </EditModal>
  );
};
