import { Button, Card, Group, NumberInput, Select, Switch, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api, type CustomerT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { CURRENCY_OPTIONS } from '../../shared/format';

/** Edit a customer's billing facts in place; the version guards against a colleague's change in between. */
export const CustomerForm = ({
  customer,
  orgCurrency,
  onSaved,
  onCancel,
}: {
  customer: CustomerT;
  orgCurrency: string;
  onSaved: () => void;
  onCancel: () => void;
}) => {
  const [name, setName] = useState(customer.name);
  const [email, setEmail] = useState(customer.email ?? '');
  const [phone, setPhone] = useState(customer.phone ?? '');
  const [terms, setTerms] = useState<number | string>(customer.paymentTermsDays ?? '');
  const [taxId, setTaxId] = useState(customer.taxId ?? '');
  const [peppol, setPeppol] = useState(customer.peppolEndpoint ?? '');
  const [exempt, setExempt] = useState(customer.taxExempt);
  const [exemptReason, setExemptReason] = useState('');
  const [invoiceCurrency, setInvoiceCurrency] = useState<string | null>(
    customer.invoiceCurrency ?? orgCurrency,
  );
  const [alwaysSigns, setAlwaysSigns] = useState(false);
  const s = useSubmit();
  return (
    <Card withBorder component="section" aria-label={`Edit ${customer.name}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void s
            .run(async () => {
              await api('PATCH', `/api/v1/customers/${customer.id}`, {
                name,
                email: email.trim() || null,
                phone: phone.trim() || null,
                paymentTermsDays: terms === '' ? null : Number(terms),
                taxId: taxId.trim() || null,
                peppolEndpoint: peppol.trim() || null,
                taxExempt: exempt,
                invoiceCurrency: invoiceCurrency === orgCurrency ? null : invoiceCurrency,
                ...(exempt ? { taxExemptionReason: exemptReason.trim() || null } : {}),
                ...(alwaysSigns ? { closeoutOverrides: { signature: true } } : {}),
                expectedVersion: customer.version,
              });
              return `${name} saved`;
            })
            .then((ok) => ok && onSaved());
        }}
      >
        <Group align="flex-end">
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.target.value)} />
          <TextInput
            label="Invoice e-mail"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <TextInput label="Phone" value={phone} onChange={(e) => setPhone(e.target.value)} />
          <NumberInput
            label="Payment terms (days)"
            min={0}
            max={365}
            value={terms}
            onChange={setTerms}
            w={160}
          />
          <TextInput label="Tax ID" value={taxId} onChange={(e) => setTaxId(e.target.value)} />
          <TextInput
            label="Peppol endpoint"
            placeholder="0088:7300010000001"
            value={peppol}
            onChange={(e) => setPeppol(e.target.value)}
          />
          <Select
            label="Invoice currency"
            description={`Other than ${orgCurrency}: prices converted at the recorded rate`}
            searchable
            allowDeselect={false}
            data={CURRENCY_OPTIONS}
            value={invoiceCurrency}
            onChange={setInvoiceCurrency}
            w={220}
          />
        </Group>
        <Group mt="sm" align="flex-end">
          <Switch label="Tax exempt" checked={exempt} onChange={(e) => setExempt(e.currentTarget.checked)} />
          {exempt && (
            <TextInput
              label="Exemption reason"
              value={exemptReason}
              onChange={(e) => setExemptReason(e.target.value)}
            />
          )}
          <Switch
            label="Always needs a signature"
            checked={alwaysSigns}
            onChange={(e) => setAlwaysSigns(e.currentTarget.checked)}
          />
          <Button type="submit" loading={s.busy}>
            Save customer
          </Button>
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
        </Group>
        {s.feedback}
      </form>
    </Card>
  );
};
