import { Badge, Button, Group, Select, Stack, Switch, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { api, type CatalogItemT, type MeT, type TaxCodeT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { money } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

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
  const [sku, setSku] = useState(initial?.sku ?? '');
  const [name, setName] = useState(initial?.name ?? '');
  const [kind, setKind] = useState<string | null>(initial?.kind ?? 'part');
  const [unitCode, setUnitCode] = useState(initial?.unitCode ?? 'C62');
  const [price, setPrice] = useState(initial ? Number(initial.unitPrice).toFixed(2) : '');
  const [taxCodeId, setTaxCodeId] = useState<string | null>(initial?.taxCodeId ?? null);
  const [active, setActive] = useState(initial?.active ?? true);
  const s = useSubmit();
  return (
    <form
      aria-label={initial ? `Edit ${initial.sku}` : 'New price book item'}
      onSubmit={(e) => {
        e.preventDefault();
        void s.run(async () => {
          const body = { sku, name, kind, unitCode, unitPrice: price, taxCodeId, active };
          if (initial) await api('PUT', `/api/v1/catalog-items/${initial.id}`, body);
          else await api('POST', '/api/v1/catalog-items', body);
          onDone();
          if (!initial) {
            setSku('');
            setName('');
            setPrice('');
          }
          return initial ? `${sku} saved` : `${sku} added`;
        });
      }}
    >
      <Group align="flex-end">
        <TextInput label="SKU" required value={sku} onChange={(e) => setSku(e.target.value)} />
        <TextInput label="Item name" required value={name} onChange={(e) => setName(e.target.value)} />
        <Select label="Kind" w={110} data={['labor', 'part', 'fee']} value={kind} onChange={setKind} />
        <TextInput label="Unit code" w={90} value={unitCode} onChange={(e) => setUnitCode(e.target.value)} />
        <TextInput
          label="Unit price"
          w={110}
          required
          inputMode="decimal"
          value={price}
          onChange={(e) => setPrice(e.target.value)}
        />
        <Select
          label="Tax code"
          w={150}
          data={taxCodes.map((tc) => ({ value: tc.id, label: tc.code }))}
          value={taxCodeId}
          onChange={setTaxCodeId}
        />
        {initial && (
          <Switch label="In use" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
        )}
        <Button type="submit" loading={s.busy}>
          {initial ? 'Save item' : 'Add item'}
        </Button>
      </Group>
      {s.feedback}
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
  const [tcCode, setTcCode] = useState('');
  const [tcName, setTcName] = useState('');
  const [tcCategory, setTcCategory] = useState<string | null>('S');
  const [tcRate, setTcRate] = useState('');
  const [tcReason, setTcReason] = useState('');
  const t = useSubmit();
  return (
    <Loaded resource={data} what="the price book">
      {(d) => (
        <Stack>
          <Title order={3}>Items</Title>
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
                  <Table.Td>{i.kind}</Table.Td>
                  <Table.Td>{i.unitCode}</Table.Td>
                  <Table.Td ta="right">{money(i.unitPrice, me.organization.currency)}</Table.Td>
                  <Table.Td>{d.taxCodes.find((tc) => tc.id === i.taxCodeId)?.code}</Table.Td>
                  <Table.Td>
                    {!i.active && (
                      <Badge color="gray" mr="xs">
                        retired
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
                    {tc.category ?? tc.jurisdiction} {tc.rate} %
                  </Table.Td>
                  <Table.Td>{tc.exemptionReason}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <form
            aria-label="New tax code"
            onSubmit={(e) => {
              e.preventDefault();
              void t.run(async () => {
                await api('POST', '/api/v1/tax-codes', {
                  code: tcCode,
                  name: tcName,
                  category: tcCategory,
                  rate: tcRate,
                  ...(tcReason ? { exemptionReason: tcReason } : {}),
                });
                data.reload();
                return `${tcCode} added`;
              });
            }}
          >
            <Group align="flex-end">
              <TextInput
                label="Tax code"
                required
                value={tcCode}
                onChange={(e) => setTcCode(e.target.value)}
              />
              <TextInput
                label="Tax name"
                required
                value={tcName}
                onChange={(e) => setTcName(e.target.value)}
              />
              <Select
                label="VAT category"
                w={120}
                data={['S', 'Z', 'E', 'AE', 'K', 'G', 'O']}
                value={tcCategory}
                onChange={setTcCategory}
              />
              <TextInput
                label="Rate %"
                w={90}
                required
                value={tcRate}
                onChange={(e) => setTcRate(e.target.value)}
              />
              <TextInput
                label="Exemption reason"
                value={tcReason}
                onChange={(e) => setTcReason(e.target.value)}
              />
              <Button type="submit" loading={t.busy}>
                Add tax code
              </Button>
            </Group>
            {t.feedback}
          </form>
        </Stack>
      )}
    </Loaded>
  );
};
