import { Alert, Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { z } from 'zod';
import type { PreviewBody, PreviewView } from '../../../../../src/contracts/invoices';
import { defaultTaxCodeOf } from '../../../../../src/core/tax';
import { api, type CatalogItemT, type JobT, type MeT, type TaxCodeT } from '../../shared/api';
import { messageOf, useSubmit } from '../../shared/feedback';
import { money, taxWords } from '../../shared/format';
import { useApi, useInvalidate } from '../../shared/query';

type Row = {
  key: string;
  sku: string | null;
  description: string;
  quantity: string;
  unitPrice: string;
  taxCodeId: string | null;
};

const NUMBER = /^\d+(\.\d+)?$/;
const complete = (r: Row) =>
  r.description.trim() !== '' && NUMBER.test(r.quantity.trim()) && NUMBER.test(r.unitPrice.trim());

/**
 * The totals the invoice would carry for these lines, worked out by the server's EN 16931 calculator
 * (POST /invoice-previews: VAT per rate on the summed base, the job's discount, currency rounding), a
 * moment after the office stops typing. Nothing is saved.
 */
const PreviewTotals = ({ body, me }: { body: PreviewBody | null; me: MeT }) => {
  const [debounced] = useDebouncedValue(body, 300);
  const preview = useQuery({
    queryKey: ['invoice-previews', debounced],
    queryFn: () => api<z.infer<typeof PreviewView>>('POST', '/api/v1/invoice-previews', debounced),
    enabled: debounced !== null,
    placeholderData: (previous) => previous,
  });
  if (!body) return null;
  if (preview.error)
    return (
      <Alert color="red" title="These lines cannot be priced yet">
        {messageOf(preview.error)}
      </Alert>
    );
  const p = preview.data;
  if (!p) return null;
  const salesTax = me.organization.taxScheme === 'us_sales_tax';
  return (
    <Stack gap={2} align="flex-end" aria-label="Totals of the agreed price">
      {Number(p.totals.allowanceTotal) !== 0 && (
        <Text size="sm">Discount {money(`-${p.totals.allowanceTotal}`, p.currency)}</Text>
      )}
      <Text size="sm">Net {money(p.totals.taxExclusive, p.currency)}</Text>
      {p.taxSubtotals.map((t) => (
        <Text size="sm" key={`${t.category}-${t.rate}-${t.jurisdiction}`}>
          {taxWords(salesTax, t.category, t.rate)} on {money(t.taxableAmount, p.currency)}:{' '}
          {money(t.taxAmount, p.currency)}
        </Text>
      ))}
      <Text fw={700}>Agreed price {money(p.totals.payable, p.currency)}</Text>
    </Stack>
  );
};

/**
 * The price the office agreed with the customer (by phone, on a visit) for a fixed-price job, line by line
 * from the price book or typed, with the invoice's totals as it is typed. Only while nothing is signed:
 * once the customer accepted a quote or signed a change, the price changes by change orders.
 */
export const AgreedPriceEditor = ({
  job,
  me,
  onDone,
  onCancel,
}: {
  job: JobT;
  me: MeT;
  onDone: (message: string) => void;
  onCancel: () => void;
}) => {
  const refs = useApi(['catalog', 'editor-refs'], async () => {
    const [codes, items] = await Promise.all([
      api<{ items: TaxCodeT[] }>('GET', '/api/v1/tax-codes'),
      api<{ items: CatalogItemT[] }>('GET', '/api/v1/catalog-items'),
    ]);
    return { codes: codes.items, items: items.items.filter((i) => i.active) };
  });
  const [rows, setRows] = useState<Row[]>(() =>
    job.estimateLines.map((l) => ({
      key: crypto.randomUUID(),
      sku: l.sku,
      description: l.description,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      taxCodeId: l.taxCodeId ?? null,
    })),
  );
  const [reason, setReason] = useState('');
  const invalidate = useInvalidate();
  const s = useSubmit();
  const codes = refs.data?.codes ?? [];
  const items = refs.data?.items ?? [];
  const fallback = codes.find((c) => c.id === job.taxCodeId) ?? defaultTaxCodeOf(codes);
  // A line's tax: its own code, else its price book item's, else the job's, else the organization's default.
  const codeOf = (r: Row) =>
    codes.find((c) => c.id === r.taxCodeId) ??
    codes.find((c) => c.id === items.find((i) => i.sku === r.sku)?.taxCodeId) ??
    fallback;
  const update = (key: string, patch: Partial<Row>) =>
    setRows(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const priced = rows.filter(complete);
  const body: PreviewBody | null =
    priced.length > 0 && priced.every((r) => codeOf(r))
      ? {
          kind: 'invoice',
          lines: priced.map((r) => ({
            description: r.description.trim(),
            quantity: r.quantity.trim(),
            unitPrice: r.unitPrice.trim(),
            taxCode: codeOf(r)?.code ?? '',
          })),
          ...(job.discountPercent ? { discountPercent: job.discountPercent } : {}),
        }
      : null;
  const save = () =>
    s.run(async () => {
      await api('PATCH', `/api/v1/jobs/${job.id}`, {
        estimateLines: rows.map((r) => ({
          sku: r.sku,
          description: r.description.trim(),
          quantity: r.quantity.trim(),
          unitPrice: r.unitPrice.trim(),
          taxCodeId: r.taxCodeId,
        })),
        expectedVersion: job.version,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      invalidate('jobs');
      const msg =
        rows.length === 0
          ? `${job.number} has no agreed price now: the work is billed as recorded`
          : `${job.number}'s agreed price is saved: the invoice bills these lines`;
      onDone(msg);
      return msg;
    });
  return (
    <Stack gap="xs" component="form" aria-label="Agreed price" onSubmit={(e) => e.preventDefault()}>
      {rows.map((r, n) => (
        <Group key={r.key} align="flex-end" gap="xs" wrap="wrap">
          <TextInput
            label={`Line ${n + 1}`}
            value={r.description}
            onChange={(e) => update(r.key, { description: e.target.value })}
            style={{ flex: '1 1 14rem' }}
          />
          <TextInput
            label="Quantity"
            inputMode="decimal"
            value={r.quantity}
            onChange={(e) => update(r.key, { quantity: e.target.value })}
            w={90}
          />
          <TextInput
            label="Unit price"
            inputMode="decimal"
            value={r.unitPrice}
            onChange={(e) => update(r.key, { unitPrice: e.target.value })}
            w={110}
          />
          <Select
            label="Tax"
            aria-label={`Line ${n + 1} tax`}
            data={codes.map((c) => ({ value: c.id, label: c.name }))}
            value={codeOf(r)?.id ?? null}
            onChange={(v) => update(r.key, { taxCodeId: v })}
            allowDeselect={false}
            w={170}
          />
          <Button variant="subtle" color="red" onClick={() => setRows(rows.filter((x) => x.key !== r.key))}>
            Remove
          </Button>
        </Group>
      ))}
      <Group gap="xs">
        <Button
          variant="default"
          onClick={() =>
            setRows([
              ...rows,
              {
                key: crypto.randomUUID(),
                sku: null,
                description: '',
                quantity: '1',
                unitPrice: '',
                taxCodeId: null,
              },
            ])
          }
        >
          Add a line
        </Button>
        {items.length > 0 && (
          <Select
            aria-label="Add from the price book"
            placeholder="Add from the price book…"
            searchable
            data={items.map((i) => ({
              value: i.sku,
              label: `${i.name} · ${money(i.unitPrice, me.organization.currency)}`,
            }))}
            value={null}
            onChange={(sku) => {
              const item = items.find((i) => i.sku === sku);
              if (item)
                setRows([
                  ...rows,
                  {
                    key: crypto.randomUUID(),
                    sku: item.sku,
                    description: item.name,
                    quantity: '1',
                    unitPrice: item.unitPrice,
                    taxCodeId: null,
                  },
                ]);
            }}
          />
        )}
      </Group>
      {job.discountPercent && (
        <Text size="sm" c="dimmed">
          The job's discount of {Number(job.discountPercent)} % is applied to these lines.
        </Text>
      )}
      <PreviewTotals body={body} me={me} />
      <TextInput
        label="Why it changes (kept in the job's history)"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <Group>
        <Button onClick={save} loading={s.busy} disabled={rows.some((r) => !complete(r))}>
          Save the agreed price
        </Button>
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
      </Group>
      {s.feedback}
    </Stack>
  );
};
