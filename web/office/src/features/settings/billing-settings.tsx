import { Button, Group, NumberInput, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { api, type MeT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

export const BillingSettings = ({ me }: { me: MeT }) => {
  const org = useApi(['organization'], () => api<MeT['organization']>('GET', '/api/v1/organization'));
  return (
    <Loaded resource={org} what="the organization">
      {(o) => <BillingForm me={me} org={o} onSaved={org.reload} />}
    </Loaded>
  );
};

const BillingForm = ({ org, onSaved }: { me: MeT; org: MeT['organization']; onSaved: () => void }) => {
  const [autoIssue, setAutoIssue] = useState(org.invoiceAutoIssue);
  const [terms, setTerms] = useState<number | string>(org.paymentTermsDays);
  const [iban, setIban] = useState(org.iban ?? '');
  const [vatId, setVatId] = useState(org.vatId ?? '');
  const [peppol, setPeppol] = useState(org.peppolEndpoint ?? '');
  const [depositModel, setDepositModel] = useState<string>(org.depositModel);
  const [cashRounding, setCashRounding] = useState<string>(org.payableRoundingIncrement ?? 'none');
  const [laborPricing, setLaborPricing] = useState<string>(org.laborPricing);
  const s = useSubmit();
  const year = new Date().getUTCFullYear();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void s.run(async () => {
      await api('PATCH', '/api/v1/organization/billing', {
        invoiceAutoIssue: autoIssue,
        paymentTermsDays: Number(terms),
        iban: iban || null,
        vatId: vatId || null,
        peppolEndpoint: peppol || null,
        depositModel,
        laborPricing,
        payableRoundingIncrement: cashRounding === 'none' ? null : cashRounding,
      });
      onSaved();
      return 'Billing settings saved';
    });
  };
  return (
    <form onSubmit={submit} aria-label="Billing settings">
      <Stack maw={560}>
        <Switch
          label="Issue standard invoices automatically"
          description="Off: every draft waits in the billing queue for one click. A customer who requires a PO without one always waits."
          checked={autoIssue}
          onChange={(e) => setAutoIssue(e.currentTarget.checked)}
        />
        <Text size="sm">
          Numbering: <strong>INV-{year}-00001</strong>, <strong>CN-{year}-00001</strong> for credit notes —
          gapless per organization and year, assigned when a document is issued and never reused.
        </Text>
        <NumberInput
          label="Payment terms (days)"
          description="0 means due on receipt"
          min={0}
          max={365}
          value={terms}
          onChange={setTerms}
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
          value={depositModel}
          onChange={(v) => v && setDepositModel(v)}
          allowDeselect={false}
        />
        <Select
          label="Labour rates"
          description="What an hour of work is billed at"
          data={[
            { value: 'price_book', label: "The job type's labour item in the price book" },
            { value: 'technician_rate', label: "Each technician's own hourly rate" },
          ]}
          value={laborPricing}
          onChange={(v) => v && setLaborPricing(v)}
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
          value={cashRounding}
          onChange={(v) => v && setCashRounding(v)}
          allowDeselect={false}
        />
        <TextInput label="IBAN" value={iban} onChange={(e) => setIban(e.target.value)} />
        <TextInput label="VAT ID" value={vatId} onChange={(e) => setVatId(e.target.value)} />
        <TextInput
          label="Peppol endpoint"
          description="scheme:identifier, e.g. 0088:7300010000001"
          value={peppol}
          onChange={(e) => setPeppol(e.target.value)}
        />
        {s.feedback}
        <Group>
          <Button type="submit" loading={s.busy}>
            Save billing settings
          </Button>
        </Group>
      </Stack>
    </form>
  );
};
