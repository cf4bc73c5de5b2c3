import { Button, Checkbox, Group, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import Decimal from 'decimal.js';
import type { z } from 'zod';
import type { TaxCode } from '../../../../../src/contracts/catalog';
import { type ConnectorMappings, taxKey } from '../../../../../src/contracts/connectors';
import { ConnectorPatch } from '../../../../../src/contracts/integrations';
import { isVatCategory } from '../../../../../src/core/tax';
import { api } from '../../shared/api';
import { orNull, useContractForm } from '../../shared/form';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

type TaxCodeT = z.infer<typeof TaxCode>;
export type ConnectorT = {
  id: string;
  provider: 'xero' | 'quickbooks';
  status: 'active' | 'disabled';
  tenantId: string;
  apiBaseUrl: string;
  mappings: ConnectorMappings;
  authorized: boolean;
};

export const PROVIDER_WORDS = { xero: 'Xero', quickbooks: 'QuickBooks Online' } as const;

const METHODS = [
  ['card', 'Card payments'],
  ['bank_transfer', 'Bank transfers'],
  ['cash', 'Cash'],
  ['check', 'Checks'],
  ['other', 'Other payments'],
  ['default', 'Any other method'],
] as const;

/** The tax keys documents can carry: each tax code, exempt customers' lines, and payment requests' lines. */
const taxRows = (codes: TaxCodeT[]) => {
  const rows = codes.map((c) => ({
    key: taxKey({
      category: c.category && isVatCategory(c.category) ? c.category : null,
      rate: new Decimal(c.rate).toFixed(),
      jurisdiction: c.jurisdiction,
    }),
    label: `${c.name} (${new Decimal(c.rate).toFixed()} %)`,
  }));
  const extra = [
    { key: 'E:0', label: 'Tax-exempt customers' },
    { key: 'TAX:0', label: 'Deposits asked for by payment request (no tax)' },
  ];
  return [...new Map([...rows, ...extra].map((r) => [r.key, r])).values()];
};

type Values = {
  accountCode: string;
  defaultItem: string;
  depositAccount: string;
  discountAccount: string;
  taxTypes: Record<string, string>;
  paymentAccounts: Record<string, string>;
  attachWorkReport: boolean;
};

const clean = (r: Record<string, string>) =>
  Object.fromEntries(Object.entries(r).flatMap(([k, v]) => (v.trim() ? [[k, v.trim()]] : [])));

/**
 * Where our documents land in the provider's books: revenue account and default item, each tax code's tax
 * type, the account each payment method's money goes to, and where deposits asked for by payment request
 * are held. Item mappings per SKU are kept as they are.
 */
export const ConnectorMappingsForm = ({
  connector,
  onSaved,
}: {
  connector: ConnectorT;
  onSaved: (message: string) => void;
}) => {
  const codes = useApi(['catalog', 'tax-codes'], () =>
    api<{ items: TaxCodeT[] }>('GET', '/api/v1/tax-codes').then((r) => r.items),
  );
  const m = connector.mappings;
  const name = PROVIDER_WORDS[connector.provider];
  const xero = connector.provider === 'xero';
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: ConnectorPatch,
    initialValues: {
      accountCode: m.accountCode ?? '',
      defaultItem: m.defaultItem ?? '',
      depositAccount: m.depositAccount ?? '',
      discountAccount: m.discountAccount ?? '',
      taxTypes: { ...m.taxTypes },
      paymentAccounts: Object.fromEntries(METHODS.map(([k]) => [k, m.paymentAccounts[k] ?? ''])),
      attachWorkReport: m.attachWorkReport ?? false,
    } satisfies Values,
    toBody: (v: Values) => ({
      mappings: {
        items: m.items,
        ...(orNull(v.defaultItem) ? { defaultItem: v.defaultItem.trim() } : {}),
        ...(orNull(v.accountCode) ? { accountCode: v.accountCode.trim() } : {}),
        ...(orNull(v.depositAccount) ? { depositAccount: v.depositAccount.trim() } : {}),
        ...(orNull(v.discountAccount) ? { discountAccount: v.discountAccount.trim() } : {}),
        taxTypes: clean(v.taxTypes),
        paymentAccounts: clean(v.paymentAccounts),
        attachWorkReport: v.attachWorkReport,
      },
    }),
  });
  return (
    <form
      noValidate
      aria-label={`${name} mappings`}
      onSubmit={submit(async (body) => {
        await api('PATCH', `/api/v1/connectors/${connector.id}`, body);
        onSaved(`${name} mappings saved: the next pushes use them`);
      })}
    >
      <Stack gap="sm" maw={720}>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label={xero ? 'Revenue account code' : 'Revenue account (unused by QuickBooks)'}
            description={xero ? 'Where sales are booked, e.g. 200' : 'QuickBooks books by item'}
            disabled={!xero}
            {...form.getInputProps('accountCode')}
          />
          <TextInput
            label={xero ? 'Default item code' : 'Default item ID'}
            description="For lines whose product has no item of its own"
            {...form.getInputProps('defaultItem')}
          />
        </SimpleGrid>
        <Title order={5}>Tax</Title>
        <Loaded resource={codes} what="the tax codes">
          {(list) => (
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {taxRows(list).map((r) => (
                <TextInput
                  key={r.key}
                  label={r.label}
                  description={xero ? 'Xero tax type, e.g. OUTPUT2' : 'QuickBooks tax code ID'}
                  // Not a form path: a key such as "S:13.5" holds a dot, which a path would take apart.
                  value={form.getValues().taxTypes[r.key] ?? ''}
                  onChange={(e) =>
                    form.setFieldValue('taxTypes', {
                      ...form.getValues().taxTypes,
                      [r.key]: e.currentTarget.value,
                    })
                  }
                />
              ))}
            </SimpleGrid>
          )}
        </Loaded>
        <Title order={5}>Money received</Title>
        <Text size="sm" c="dimmed">
          {xero
            ? 'The bank account each kind of payment is paid into (its account code). Xero needs one for every payment Closeout records.'
            : 'The account each kind of payment is deposited to (its ID). Left empty, QuickBooks keeps it in Undeposited Funds; a refund needs one, as the money leaves from it.'}
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          {METHODS.map(([k, label]) => (
            <TextInput key={k} label={label} {...form.getInputProps(`paymentAccounts.${k}`)} />
          ))}
        </SimpleGrid>
        <TextInput
          label={xero ? 'Customer deposits account code' : 'Customer deposits item ID'}
          description="Where deposits asked for by payment request are held until the final invoice (a liability)"
          {...form.getInputProps('depositAccount')}
        />
        {!xero && (
          <TextInput
            label="Discount account ID"
            description="Where discounts are booked; left empty, a discount is a negative line on the default item"
            {...form.getInputProps('discountAccount')}
          />
        )}
        <Title order={5}>Proof</Title>
        <Checkbox
          label="Attach the work-completed report to each invoice too"
          description={`Beside the invoice PDF, so your accountant sees the photos and the signature in ${name}`}
          {...form.getInputProps('attachWorkReport', { type: 'checkbox' })}
        />
        {errorAlert}
        <Group>
          <Button type="submit" loading={busy}>
            Save mappings
          </Button>
        </Group>
      </Stack>
    </form>
  );
};
