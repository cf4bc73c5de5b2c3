import { Button, Group, NumberInput, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import { BillingSettingsBody } from '../../../../../src/contracts/billing';
import { api, type MeT } from '../../shared/api';
import { Feedback } from '../../shared/feedback';
import { orNull, useContractForm } from '../../shared/form';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { Branding } from './branding';

export const BillingSettings = ({ me }: { me: MeT }) => {
  const org = useApi(['organization'], () => api<MeT['organization']>('GET', '/api/v1/organization'));
  return (
    <Loaded resource={org} what="the organization">
      {(o) => (
        <Stack>
          <BillingForm me={me} org={o} onSaved={org.reload} />
          <Branding org={o} />
        </Stack>
      )}
    </Loaded>
  );
};

type Values = {
  invoiceAutoIssue: boolean;
  invoiceAutoSend: string;
  invoiceAutoSendHour: string;
  paymentTermsDays: number | string;
  quoteFollowUpDays: number | string;
  iban: string;
  vatId: string;
  peppolEndpoint: string;
  depositModel: string;
  laborPricing: string;
  cashRounding: string;
  writeOffLimit: string;
};

const BillingForm = ({ org, onSaved }: { me: MeT; org: MeT['organization']; onSaved: () => void }) => {
  const [saved, setSaved] = useState<string | null>(null);
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: BillingSettingsBody,
    initialValues: {
      invoiceAutoIssue: org.invoiceAutoIssue,
      invoiceAutoSend: org.invoiceAutoSend,
      invoiceAutoSendHour: String(org.invoiceAutoSendHour),
      paymentTermsDays: org.paymentTermsDays,
      quoteFollowUpDays: org.quoteFollowUpDays ?? '',
      iban: org.iban ?? '',
      vatId: org.vatId ?? '',
      peppolEndpoint: org.peppolEndpoint ?? '',
      depositModel: org.depositModel,
      laborPricing: org.laborPricing,
      cashRounding: org.payableRoundingIncrement ?? 'none',
      writeOffLimit: org.writeOffApprovalAbove ?? '',
    } satisfies Values as Values,
    toBody: (v: Values) =>
      ({
        invoiceAutoIssue: v.invoiceAutoIssue,
        invoiceAutoSend: v.invoiceAutoSend,
        invoiceAutoSendHour: Number(v.invoiceAutoSendHour),
        paymentTermsDays: v.paymentTermsDays === '' ? undefined : Number(v.paymentTermsDays),
        quoteFollowUpDays: v.quoteFollowUpDays === '' ? null : Number(v.quoteFollowUpDays),
        iban: orNull(v.iban.replace(/\s+/g, ' ').toUpperCase()),
        vatId: orNull(v.vatId),
        peppolEndpoint: orNull(v.peppolEndpoint),
        depositModel: v.depositModel,
        laborPricing: v.laborPricing,
        payableRoundingIncrement: v.cashRounding === 'none' ? null : v.cashRounding,
        writeOffApprovalAbove: orNull(v.writeOffLimit.replace(',', '.')),
      }) as z.input<typeof BillingSettingsBody>,
    fields: { payableRoundingIncrement: 'cashRounding', writeOffApprovalAbove: 'writeOffLimit' },
  });
  const year = new Date().getUTCFullYear();
  return (
    <form
      noValidate
      aria-label="Billing settings"
      onSubmit={submit(async (body) => {
        setSaved(null);
        await api('PATCH', '/api/v1/organization/billing', body);
        onSaved();
        setSaved('Billing settings saved');
      })}
    >
      <Stack maw={560}>
        <Switch
          label="Issue standard invoices automatically"
          description="Off: every draft waits in the billing queue for one click. A customer who requires a PO without one always waits."
          {...form.getInputProps('invoiceAutoIssue', { type: 'checkbox' })}
        />
        <Group align="flex-end">
          <Select
            label="Send issued invoices"
            description="Each one once, by e-mail with the pay link and the customer's page; credit notes you send yourself"
            data={[
              { value: 'off', label: 'When someone clicks Send' },
              { value: 'at_once', label: 'By themselves, as soon as issued' },
              { value: 'at_hour', label: 'By themselves, at an hour of the day' },
            ]}
            allowDeselect={false}
            maw={360}
            {...form.getInputProps('invoiceAutoSend')}
          />
          {form.values.invoiceAutoSend === 'at_hour' && (
            <Select
              label="At (the business's local time)"
              data={Array.from({ length: 24 }, (_, h) => ({
                value: String(h),
                label: `${String(h).padStart(2, '0')}:00`,
              }))}
              allowDeselect={false}
              w={150}
              {...form.getInputProps('invoiceAutoSendHour')}
            />
          )}
        </Group>
        <Text size="sm">
          Numbering: <strong>INV-{year}-00001</strong>, <strong>CN-{year}-00001</strong> for credit notes —
          gapless per organization and year, assigned when a document is issued and never reused.
        </Text>
        <NumberInput
          label="Payment terms (days)"
          description="0 means due on receipt"
          min={0}
          max={365}
          {...form.getInputProps('paymentTermsDays')}
        />
        <NumberInput
          label="Remind about unanswered quotes after (days)"
          description="Billing is told once, each morning's check, about a sent quote with no answer. Empty: no reminders."
          min={1}
          max={60}
          {...form.getInputProps('quoteFollowUpDays')}
        />
        <TextInput
          label={`Billing writes off balances up to (${org.currency})`}
          description="A larger write-off waits for the owner's approval. Empty: the owner approves every write-off."
          inputMode="decimal"
          {...form.getInputProps('writeOffLimit')}
        />
        <Select
          label="Deposits"
          description="How a deposit asked for at booking is billed, and taken off the final invoice"
          data={[
            {
              value: 'advance_invoice',
              label: 'Advance invoice with VAT, deducted from the final invoice at its rate (EU VAT)',
            },
            {
              value: 'payment_request',
              label: 'Payment request without tax; the final invoice taxes everything (US sales tax)',
            },
          ]}
          {...form.getInputProps('depositModel')}
          allowDeselect={false}
        />
        <Select
          label="Labour rates"
          description="What an hour of work is billed at"
          data={[
            { value: 'price_book', label: "The job type's labour item in the price book" },
            { value: 'technician_rate', label: "Each technician's own hourly rate" },
          ]}
          {...form.getInputProps('laborPricing')}
          allowDeselect={false}
        />
        <Select
          label="Cash rounding of the amount due"
          description="Rounds what the customer pays, shown on the invoice as a rounding amount"
          data={[
            { value: 'none', label: 'None: to the cent' },
            { value: '0.05', label: 'To 0.05 (Swiss francs)' },
            { value: '0.10', label: 'To 0.10' },
            { value: '1.00', label: 'To whole units (Swedish kronor in cash)' },
          ]}
          {...form.getInputProps('cashRounding')}
          allowDeselect={false}
        />
        <TextInput label="IBAN" {...form.getInputProps('iban')} />
        <TextInput label="VAT ID" {...form.getInputProps('vatId')} />
        <TextInput
          label="Peppol endpoint"
          description="scheme:identifier, e.g. 0088:7300010000001"
          {...form.getInputProps('peppolEndpoint')}
        />
        <Feedback notice={saved} error={null} />
        {errorAlert}
        <Group>
          <Button type="submit" loading={busy}>
            Save billing settings
          </Button>
        </Group>
      </Stack>
    </form>
  );
};
