import { Badge, Button, Group, Select, Stack, Switch, Table, TextInput, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import type { z } from 'zod';
import { CatalogItemBody, TaxCodeBody } from '../../../../../src/contracts/catalog';
import { VAT_CATEGORIES, VAT_CATEGORY_WORDS, vatCategoryText } from '../../../../../src/core/tax';
import { UNIT_WORDS, unitText } from '../../../../../src/core/units';
import { api, type CatalogItemT, type MeT, type TaxCodeT } from '../../shared/api';
import { Feedback } from '../../shared/feedback';
import { orNull, useContractForm } from '../../shared/form';
import { money } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

const KIND_WORDS: Record<CatalogItemT['kind'], string> = { labor: 'Labour', part: 'Part', fee: 'Charge' };
const KINDS = Object.entries(KIND_WORDS).map(([value, label]) => ({ value, label }));
const UNITS = Object.entries(UNIT_WORDS).map(([value, words]) => ({ value, label: `${words} (${value})` }));
const CATEGORIES = VAT_CATEGORIES.map((c) => ({ value: c, label: VAT_CATEGORY_WORDS[c] }));
const decimal = (s: string) => s.trim().replace(',', '.');

type ItemValues = {
  sku: string;
  name: string;
  kind: string;
  unitCode: string;
  unitPrice: string;
  taxCodeId: string | null;
  active: boolean;
};

/** One price-book item: a new one, or an existing one to reprice, retag or retire. */
const ItemForm = ({
  initial,
  taxCodes,
  onDone,
}: {
  initial: CatalogItemT | null;
  taxCodes: TaxCodeT[];
  onDone: () => void;
}) => {
  const [saved, setSaved] = useState<string | null>(null);
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: CatalogItemBody,
    initialValues: {
      sku: initial?.sku ?? '',
      name: initial?.name ?? '',
      kind: initial?.kind ?? 'part',
      unitCode: initial?.unitCode ?? 'C62',
      unitPrice: initial ? Number(initial.unitPrice).toFixed(2) : '',
      taxCodeId: initial?.taxCodeId ?? null,
      active: initial?.active ?? true,
    } satisfies ItemValues as ItemValues,
    toBody: (v: ItemValues) =>
      ({
        sku: v.sku,
        name: v.name,
        kind: v.kind as CatalogItemT['kind'],
        unitCode: v.unitCode,
        unitPrice: decimal(v.unitPrice),
        taxCodeId: v.taxCodeId ?? undefined,
        active: v.active,
      }) as z.input<typeof CatalogItemBody>,
  });
  return (
    <form
      noValidate
      aria-label={initial ? `Edit ${initial.sku}` : 'New price book item'}
      onSubmit={submit(async (body) => {
        setSaved(null);
        if (initial) await api('PUT', `/api/v1/catalog-items/${initial.id}`, body);
        else await api('POST', '/api/v1/catalog-items', body);
        onDone();
        if (!initial) form.setValues({ sku: '', name: '', unitPrice: '' });
        setSaved(initial ? `${body.sku} saved` : `${body.sku} added`);
      })}
    >
      <Group align="flex-start">
        <TextInput label="SKU" required {...form.getInputProps('sku')} />
        <TextInput label="Item name" required {...form.getInputProps('name')} />
        <Select label="Kind" w={120} data={KINDS} allowDeselect={false} {...form.getInputProps('kind')} />
        <Select
          label="Unit"
          w={130}
          data={
            UNITS.some((u) => u.value === form.values.unitCode)
              ? UNITS
              : [...UNITS, { value: form.values.unitCode, label: form.values.unitCode }]
          }
          searchable
          allowDeselect={false}
          {...form.getInputProps('unitCode')}
        />
        <TextInput
          label="Unit price"
          w={110}
          required
          inputMode="decimal"
          {...form.getInputProps('unitPrice')}
        />
        <Select
          label="Tax code"
          w={150}
          required
          data={taxCodes.map((tc) => ({ value: tc.id, label: tc.name }))}
          {...form.getInputProps('taxCodeId')}
        />
        {initial && <Switch label="In use" mt={30} {...form.getInputProps('active', { type: 'checkbox' })} />}
        <Button type="submit" mt={24} loading={busy}>
          {initial ? 'Save item' : 'Add item'}
        </Button>
      </Group>
      <Feedback notice={saved} error={null} />
      {errorAlert}
    </form>
  );
};

type TaxValues = {
  code: string;
  name: string;
  category: string | null;
  rate: string;
  exemptionReason: string;
};

/** A tax code, new or to correct: a VAT category and rate, with the reason an exemption or reverse charge needs. */
const TaxCodeForm = ({ initial, onDone }: { initial?: TaxCodeT; onDone: () => void }) => {
  const [saved, setSaved] = useState<string | null>(null);
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: TaxCodeBody,
    initialValues: {
      code: initial?.code ?? '',
      name: initial?.name ?? '',
      category: initial ? initial.category : 'S',
      rate: initial ? String(Number(initial.rate)) : '',
      exemptionReason: initial?.exemptionReason ?? '',
    } satisfies TaxValues as TaxValues,
    toBody: (v: TaxValues) => ({
      code: v.code,
      name: v.name,
      category: v.category,
      rate: decimal(v.rate),
      exemptionReason: orNull(v.exemptionReason),
    }),
  });
  return (
    <form
      noValidate
      aria-label={initial ? `Edit ${initial.code}` : 'New tax code'}
      onSubmit={submit(async (body) => {
        setSaved(null);
        if (initial) await api('PUT', `/api/v1/tax-codes/${initial.id}`, body);
        else await api('POST', '/api/v1/tax-codes', body);
        onDone();
        if (!initial) form.reset();
        setSaved(initial ? `${body.code} saved: documents made from now on use it` : `${body.code} added`);
      })}
    >
      <Group align="flex-start">
        <TextInput label="Tax code" required {...form.getInputProps('code')} />
        <TextInput label="Tax name" required {...form.getInputProps('name')} />
        <Select label="VAT category" w={190} data={CATEGORIES} {...form.getInputProps('category')} />
        <TextInput label="Rate %" w={90} required inputMode="decimal" {...form.getInputProps('rate')} />
        <TextInput label="Exemption reason" {...form.getInputProps('exemptionReason')} />
        <Button type="submit" mt={24} loading={busy}>
          {initial ? 'Save tax code' : 'Add tax code'}
        </Button>
      </Group>
      <Feedback notice={saved} error={null} />
      {errorAlert}
    </form>
  );
};

export const PriceBook = ({ me }: { me: MeT }) => {
  const data = useApi(['catalog', 'price-book'], async () => {
    const [taxCodes, items] = await Promise.all([
      api<{ items: TaxCodeT[] }>('GET', '/api/v1/tax-codes'),
      api<{ items: CatalogItemT[] }>('GET', '/api/v1/catalog-items'),
    ]);
    return { taxCodes: taxCodes.items, items: items.items };
  });
  const [editing, setEditing] = useState<string | null>(null);
  const [editingTax, setEditingTax] = useState<string | null>(null);
  return (
    <Loaded resource={data} what="the price book">
      {(d) => (
        <Stack>
          <Group justify="space-between">
            <Title order={3}>Items</Title>
            <Button variant="default" size="xs" component={Link} to="/import">
              Import a price book
            </Button>
          </Group>
          <Table aria-label="Price book">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>SKU</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Unit</Table.Th>
                <Table.Th ta="right">Price</Table.Th>
                <Table.Th>Tax</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.items.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td>{i.sku}</Table.Td>
                  <Table.Td>{i.name}</Table.Td>
                  <Table.Td>{KIND_WORDS[i.kind]}</Table.Td>
                  <Table.Td>{unitText(i.unitCode)}</Table.Td>
                  <Table.Td ta="right">{money(i.unitPrice, me.organization.currency)}</Table.Td>
                  <Table.Td>{d.taxCodes.find((tc) => tc.id === i.taxCodeId)?.name}</Table.Td>
                  <Table.Td>
                    {!i.active && (
                      <Badge color="gray" mr="xs">
                        Retired
                      </Badge>
                    )}
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={`Edit ${i.sku}`}
                      onClick={() => setEditing(i.id)}
                    >
                      Edit
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {editing && d.items.find((x) => x.id === editing) && (
            <ItemForm
              initial={d.items.find((x) => x.id === editing) as CatalogItemT}
              taxCodes={d.taxCodes}
              onDone={() => {
                setEditing(null);
                data.reload();
              }}
            />
          )}
          <ItemForm initial={null} taxCodes={d.taxCodes} onDone={data.reload} />
          <Title order={3}>Tax codes</Title>
          <Table aria-label="Tax codes">
            <Table.Tbody>
              {d.taxCodes.map((tc) => (
                <Table.Tr key={tc.id}>
                  <Table.Td>{tc.code}</Table.Td>
                  <Table.Td>{tc.name}</Table.Td>
                  <Table.Td>
                    {tc.category ? vatCategoryText(tc.category) : tc.jurisdiction} {Number(tc.rate)} %
                  </Table.Td>
                  <Table.Td>{tc.exemptionReason}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={`Edit ${tc.code}`}
                      onClick={() => setEditingTax(tc.id)}
                    >
                      Edit
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {editingTax && d.taxCodes.some((x) => x.id === editingTax) && (
            <TaxCodeForm
              key={editingTax}
              initial={d.taxCodes.find((x) => x.id === editingTax) as TaxCodeT}
              onDone={() => {
                setEditingTax(null);
                data.reload();
              }}
            />
          )}
          <TaxCodeForm onDone={data.reload} />
        </Stack>
      )}
    </Loaded>
  );
};
