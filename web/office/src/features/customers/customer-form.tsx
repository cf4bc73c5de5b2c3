import {
  ActionIcon,
  Button,
  Checkbox,
  Divider,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import { useMemo } from 'react';
import type { z } from 'zod';
import { CreateCustomerBody, UpdateCustomerBody } from '../../../../../src/contracts/catalog';
import { LANGUAGE_NAMES, LANGUAGES } from '../../../../../src/core/i18n';
import type { CustomerDetailT } from '../../shared/api';
import { orNull, useContractForm } from '../../shared/form';
import { CURRENCY_OPTIONS } from '../../shared/format';
import { useMe } from '../../shared/me';
import { zoneOptions } from '../../shared/time-zones';

type Contact = { name: string; email: string; phone: string; role: string; invoiceRecipient: boolean };
type Address = {
  line1: string;
  line2: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
};
export type CustomerValues = {
  name: string;
  email: string;
  phone: string;
  billingAddress: Address;
  siteName: string;
  siteSameAsBilling: boolean;
  siteAddress: Address;
  accessNotes: string;
  paymentTermsDays: number | string;
  taxId: string;
  peppolEndpoint: string;
  taxExempt: boolean;
  taxExemptionReason: string;
  invoiceCurrency: string;
  timeZone: string;
  /** '' : the organization's language. */
  language: string;
  alwaysSigns: boolean;
  contacts: Contact[];
};

const emptyAddress = (country: string): Address => ({
  line1: '',
  line2: '',
  city: '',
  region: '',
  postalCode: '',
  country,
});

const addressBody = (a: Address) => ({
  line1: a.line1,
  ...(a.line2.trim() ? { line2: a.line2 } : {}),
  city: a.city,
  ...(a.region.trim() ? { region: a.region } : {}),
  postalCode: a.postalCode,
  country: a.country.trim().toUpperCase(),
});

const common = (v: CustomerValues, orgCurrency: string, orgZone: string) => ({
  name: v.name,
  email: orNull(v.email),
  phone: orNull(v.phone),
  billingAddress: addressBody(v.billingAddress),
  taxId: orNull(v.taxId),
  peppolEndpoint: orNull(v.peppolEndpoint),
  taxExempt: v.taxExempt,
  taxExemptionReason: v.taxExempt ? orNull(v.taxExemptionReason) : null,
  paymentTermsDays: v.paymentTermsDays === '' ? null : Number(v.paymentTermsDays),
  invoiceCurrency: v.invoiceCurrency === orgCurrency ? null : v.invoiceCurrency,
  // The business's own zone is stored as none: the customer then follows the business if it moves.
  timeZone: v.timeZone === orgZone ? null : v.timeZone,
  language: v.language === '' ? null : v.language,
  closeoutOverrides: v.alwaysSigns ? { signature: true } : {},
  contacts: v.contacts.map((c) => ({
    name: c.name,
    email: orNull(c.email),
    phone: orNull(c.phone),
    role: orNull(c.role),
    invoiceRecipient: c.invoiceRecipient,
  })),
});

const AddressFields = ({
  form,
  path,
  legend,
}: {
  form: UseFormReturnType<CustomerValues>;
  path: 'billingAddress' | 'siteAddress';
  legend: string;
}) => (
  <fieldset className="plain-fieldset">
    <legend>{legend}</legend>
    <SimpleGrid cols={{ base: 1, sm: 2 }}>
      <TextInput label="Street" required {...form.getInputProps(`${path}.line1`)} />
      <TextInput label="Street, second line" {...form.getInputProps(`${path}.line2`)} />
      <TextInput label="Town or city" required {...form.getInputProps(`${path}.city`)} />
      <TextInput label="County or region" {...form.getInputProps(`${path}.region`)} />
      <TextInput label="Postcode" required {...form.getInputProps(`${path}.postalCode`)} />
      <TextInput
        label="Country"
        description="Two letters, e.g. IE"
        maxLength={2}
        required
        {...form.getInputProps(`${path}.country`)}
      />
    </SimpleGrid>
  </fieldset>
);

/**
 * A new customer, or changes to one: contact details, the billing address, the first site (new only), the
 * billing facts (terms, tax, currency, Peppol) and the people to contact. Checked against the same schema
 * the server uses before it is sent.
 */
export const CustomerForm = ({
  customer,
  onSubmit,
  submitLabel,
  onCancel,
}: {
  customer: CustomerDetailT | null;
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
  submitLabel: string;
  onCancel: () => void;
}) => {
  const me = useMe();
  const orgCurrency = me.organization.currency;
  const orgZone = me.organization.timeZone;
  const zones = useMemo(() => zoneOptions(orgZone), [orgZone]);
  const country = me.organization.country ?? 'IE';
  const initialValues: CustomerValues = {
    name: customer?.name ?? '',
    email: customer?.email ?? '',
    phone: customer?.phone ?? '',
    billingAddress: customer
      ? {
          line1: customer.billingAddress.line1,
          line2: customer.billingAddress.line2 ?? '',
          city: customer.billingAddress.city,
          region: customer.billingAddress.region ?? '',
          postalCode: customer.billingAddress.postalCode,
          country: customer.billingAddress.country,
        }
      : emptyAddress(country),
    siteName: 'Main site',
    siteSameAsBilling: true,
    siteAddress: emptyAddress(country),
    accessNotes: '',
    paymentTermsDays: customer?.paymentTermsDays ?? '',
    taxId: customer?.taxId ?? '',
    peppolEndpoint: customer?.peppolEndpoint ?? '',
    taxExempt: customer?.taxExempt ?? false,
    taxExemptionReason: customer?.taxExemptionReason ?? '',
    invoiceCurrency: customer?.invoiceCurrency ?? orgCurrency,
    timeZone: customer?.timeZone ?? orgZone,
    language: customer?.language ?? '',
    alwaysSigns: customer?.closeoutOverrides.signature === true,
    contacts: (customer?.contacts ?? []).map((c) => ({
      name: c.name,
      email: c.email ?? '',
      phone: c.phone ?? '',
      role: c.role ?? '',
      invoiceRecipient: c.invoiceRecipient,
    })),
  };
  // A new customer is checked as the create body (with its first site), an edit as the update body.
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: (customer ? UpdateCustomerBody : CreateCustomerBody) as z.ZodType<Record<string, unknown>>,
    initialValues,
    toBody: (v: CustomerValues): Record<string, unknown> =>
      customer
        ? { ...common(v, orgCurrency, orgZone), expectedVersion: customer.version }
        : {
            ...common(v, orgCurrency, orgZone),
            sites: [
              {
                name: v.siteName,
                address: addressBody(v.siteSameAsBilling ? v.billingAddress : v.siteAddress),
                accessNotes: orNull(v.accessNotes),
              },
            ],
          },
  });
  const v = form.getValues();
  return (
    <form
      noValidate
      aria-label={customer ? `Edit ${customer.name}` : 'New customer'}
      onSubmit={submit(onSubmit)}
    >
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="Name" required {...form.getInputProps('name')} />
          <TextInput label="Invoice e-mail" type="email" {...form.getInputProps('email')} />
          <TextInput label="Phone" type="tel" {...form.getInputProps('phone')} />
        </SimpleGrid>
        <AddressFields form={form} path="billingAddress" legend="Billing address" />
        {!customer && (
          <Stack gap="xs">
            <Group align="flex-end">
              <TextInput label="Site name" required {...form.getInputProps('siteName')} />
              <Checkbox
                label="The work is done at the billing address"
                {...form.getInputProps('siteSameAsBilling', { type: 'checkbox' })}
              />
            </Group>
            {!v.siteSameAsBilling && <AddressFields form={form} path="siteAddress" legend="Site address" />}
            <TextInput
              label="Access notes for the crew"
              placeholder="Gate code, parking, the dog"
              {...form.getInputProps('accessNotes')}
            />
          </Stack>
        )}
        <Divider label="Billing" labelPosition="left" />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NumberInput
            label="Payment terms (days)"
            description={`Empty: the organization's ${me.organization.paymentTermsDays} days`}
            min={0}
            max={365}
            {...form.getInputProps('paymentTermsDays')}
          />
          <TextInput label="Tax ID" {...form.getInputProps('taxId')} />
          <TextInput
            label="Peppol endpoint"
            placeholder="0088:7300010000001"
            {...form.getInputProps('peppolEndpoint')}
          />
          <Select
            label="Invoice currency"
            description={`Other than ${orgCurrency}: prices converted at the recorded rate`}
            searchable
            allowDeselect={false}
            data={CURRENCY_OPTIONS}
            {...form.getInputProps('invoiceCurrency')}
          />
          <Select
            label="Lives in the time zone"
            description="Visit times in their messages, and no texts at night, where they live"
            searchable
            allowDeselect={false}
            data={zones}
            {...form.getInputProps('timeZone')}
          />
          <Select
            label="Reads documents in"
            description="Their invoices are printed in this language"
            allowDeselect={false}
            data={[
              {
                value: '',
                label: `The business’s language (${LANGUAGE_NAMES[me.organization.language]})`,
              },
              ...LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] })),
            ]}
            {...form.getInputProps('language')}
          />
        </SimpleGrid>
        <Group align="flex-end">
          <Switch label="Tax exempt" {...form.getInputProps('taxExempt', { type: 'checkbox' })} />
          {v.taxExempt && (
            <TextInput label="Exemption reason" {...form.getInputProps('taxExemptionReason')} />
          )}
          <Switch
            label="Always needs a signature"
            {...form.getInputProps('alwaysSigns', { type: 'checkbox' })}
          />
        </Group>
        <Divider label="People to contact" labelPosition="left" />
        {v.contacts.length === 0 && (
          <Text size="sm" c="dimmed">
            No contacts yet: invoices go to the invoice e-mail.
          </Text>
        )}
        {v.contacts.map((c, i) => (
          <Group
            key={`contact-${i.toString()}`}
            align="flex-end"
            aria-label={`Contact ${i + 1}`}
            role="group"
          >
            <TextInput label="Contact name" required {...form.getInputProps(`contacts.${i}.name`)} />
            <TextInput
              label="Role"
              placeholder="Facilities manager"
              {...form.getInputProps(`contacts.${i}.role`)}
            />
            <TextInput label="Contact e-mail" type="email" {...form.getInputProps(`contacts.${i}.email`)} />
            <TextInput label="Contact phone" type="tel" {...form.getInputProps(`contacts.${i}.phone`)} />
            <Checkbox
              label="Receives invoices"
              {...form.getInputProps(`contacts.${i}.invoiceRecipient`, { type: 'checkbox' })}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              aria-label={`Remove ${c.name || 'this contact'}`}
              onClick={() => form.removeListItem('contacts', i)}
            >
              ×
            </ActionIcon>
          </Group>
        ))}
        <Group>
          <Button
            variant="light"
            size="xs"
            onClick={() =>
              form.insertListItem('contacts', {
                name: '',
                email: '',
                phone: '',
                role: '',
                invoiceRecipient: false,
              })
            }
          >
            Add a contact
          </Button>
        </Group>
        {errorAlert}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
};
