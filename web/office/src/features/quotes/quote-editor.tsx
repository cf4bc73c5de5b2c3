import {
  Button,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useNavigate } from '@tanstack/react-router';
import type { z } from 'zod';
import { CreateQuoteBody, type Quote } from '../../../../../src/contracts/quotes';
import type { CustomFieldDef } from '../../../../../src/core/custom-fields';
import { REPEAT_EVERY, REPEAT_WORDS, type RepeatEvery } from '../../../../../src/core/quote-repeat';
import { addDays, businessDate, zonedToInstant } from '../../../../../src/core/time';
import { MAX_VISITS } from '../../../../../src/core/visits';
import {
  api,
  type CatalogItemT,
  type CustomerT,
  type JobTypeT,
  listAll,
  type TaxCodeT,
} from '../../shared/api';
import { CustomFieldInputs, fieldDefsOf, fieldTextOf, fieldValuesOf } from '../../shared/custom-fields';
import { orNull, useContractForm } from '../../shared/form';
import { Loaded } from '../../shared/loaded';
import { useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';
import { type LineValues, LiveTotals, type Refs } from './live-totals';

type Values = {
  customerId: string | null;
  siteId: string | null;
  jobTypeId: string | null;
  title: string;
  lines: LineValues[];
  discountPercent: string;
  depositKind: 'none' | 'amount' | 'percent';
  depositValue: string;
  depositBeforeWork: boolean;
  retainagePercent: string;
  repeatEvery: RepeatEvery | 'never';
  repeatVisits: string;
  validUntil: string;
  visitDay: string;
  visitStart: string;
  visitHours: number | string;
  /** A project over several days: the visits after the first. */
  laterVisits: LaterVisitValues[];
  message: string;
  terms: string;
  internalNotes: string;
  poNumber: string;
  customFields: Record<string, string>;
};

type LaterVisitValues = { key: string; day: string; start: string; hours: number | string };

/** Where a later visit's complaint shows: its start on the day, its end on the hours. */
const LATER_VISIT_FIELDS = Object.fromEntries(
  Array.from({ length: MAX_VISITS }, (_, i) => [
    [`laterVisits.${i}.start`, `laterVisits.${i}.day`],
    [`laterVisits.${i}.end`, `laterVisits.${i}.hours`],
  ]).flat(),
);

const hoursBetween = (start: string, end: string) =>
  (new Date(end).getTime() - new Date(start).getTime()) / 3_600_000;

const newLine = (): LineValues => ({
  id: crypto.randomUUID(),
  sku: null,
  description: '',
  quantity: '1',
  unitPrice: '',
  taxCodeId: null,
  kind: 'included',
  group: 'Option',
  option: '',
});

const valuesOf = (q: Quote | null, today: string, tz: string): Values => {
  const start = q?.visitStart ? new Date(q.visitStart) : null;
  const local = (iso: string) =>
    new Intl.DateTimeFormat('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone: tz,
    }).format(new Date(iso));
  return {
    customerId: q?.customerId ?? null,
    siteId: q?.siteId ?? null,
    jobTypeId: q?.jobTypeId ?? null,
    title: q?.title ?? '',
    lines: q
      ? q.lines.map((l) => ({
          id: l.id,
          sku: l.sku,
          description: l.description,
          quantity: l.quantity,
          unitPrice: l.unitPrice,
          taxCodeId: l.taxCodeId,
          kind: l.option ? 'option' : l.optional ? 'extra' : 'included',
          group: l.option?.group ?? 'Option',
          option: l.option?.key ?? '',
        }))
      : [newLine()],
    discountPercent: q?.discountPercent ?? '',
    depositKind: q?.deposit ? ('amount' in q.deposit ? 'amount' : 'percent') : 'none',
    depositValue: q?.deposit ? ('amount' in q.deposit ? q.deposit.amount : q.deposit.percent) : '',
    depositBeforeWork: q?.depositBeforeWork ?? false,
    retainagePercent: q?.retainagePercent ?? '',
    repeatEvery: q?.repeat?.every ?? 'never',
    repeatVisits: q?.repeat?.visits ? String(q.repeat.visits) : '',
    validUntil: q?.validUntil ?? addDays(today, 30),
    visitDay: q?.visitStart ? businessDate(new Date(q.visitStart), tz) : '',
    visitStart: q?.visitStart ? local(q.visitStart) : '08:00',
    visitHours: start && q?.visitEnd ? (new Date(q.visitEnd).getTime() - start.getTime()) / 3_600_000 : 2,
    laterVisits: (q?.laterVisits ?? []).map((v) => ({
      key: crypto.randomUUID(),
      day: businessDate(new Date(v.start), tz),
      start: local(v.start),
      hours: hoursBetween(v.start, v.end),
    })),
    message: q?.message ?? '',
    terms: q?.terms ?? '',
    internalNotes: q?.internalNotes ?? '',
    poNumber: q?.poNumber ?? '',
    customFields: fieldTextOf(q?.customFields),
  };
};

export const bodyOf = (
  v: Values,
  tz: string,
  defs: readonly CustomFieldDef[] = [],
): z.input<typeof CreateQuoteBody> => {
  const fields = fieldValuesOf(defs, v.customFields);
  const hours = Number(v.visitHours);
  const start = v.visitDay ? zonedToInstant(v.visitDay, v.visitStart, tz) : null;
  const visit =
    start && !Number.isNaN(start.getTime()) && hours > 0
      ? {
          visitStart: start.toISOString(),
          visitEnd: new Date(start.getTime() + hours * 3_600_000).toISOString(),
        }
      : { visitStart: null, visitEnd: null };
  return {
    customerId: v.customerId ?? '',
    siteId: v.siteId ?? '',
    jobTypeId: v.jobTypeId ?? '',
    title: v.title.trim(),
    lines: v.lines.map((l) => ({
      id: l.id,
      sku: l.sku,
      ...(l.description.trim() ? { description: l.description.trim() } : {}),
      quantity: l.quantity.trim(),
      ...(l.unitPrice.trim() ? { unitPrice: l.unitPrice.trim() } : {}),
      taxCodeId: l.taxCodeId,
      option: l.kind === 'option' ? { group: l.group.trim(), key: l.option.trim() } : null,
      optional: l.kind === 'extra',
    })),
    discountPercent: orNull(v.discountPercent),
    deposit:
      v.depositKind === 'none'
        ? null
        : v.depositKind === 'amount'
          ? { amount: v.depositValue.trim() }
          : { percent: v.depositValue.trim() },
    depositBeforeWork: v.depositKind !== 'none' && v.depositBeforeWork,
    retainagePercent: orNull(v.retainagePercent.trim().replace(',', '.')),
    repeat:
      v.repeatEvery === 'never'
        ? null
        : {
            every: v.repeatEvery,
            visits: /^\d+$/.test(v.repeatVisits.trim()) ? Number(v.repeatVisits.trim()) : null,
          },
    validUntil: v.validUntil,
    ...visit,
    laterVisits:
      visit.visitStart === null
        ? []
        : v.laterVisits.map((l) => {
            const at = l.day ? zonedToInstant(l.day, l.start, tz) : new Date(Number.NaN);
            const ok = !Number.isNaN(at.getTime());
            return {
              start: ok ? at.toISOString() : '',
              end: ok ? new Date(at.getTime() + Number(l.hours) * 3_600_000).toISOString() : '',
            };
          }),
    message: orNull(v.message),
    terms: orNull(v.terms),
    internalNotes: orNull(v.internalNotes),
    poNumber: orNull(v.poNumber),
    ...(Object.keys(fields).length > 0 ? { customFields: fields } : {}),
  };
};

/** A new quote, or a draft's content: the lines, the options the customer picks, the terms; totals live. */
export const QuoteEditor = ({ quote }: { quote: Quote | null }) => {
  const refs = useApi(['quotes', 'editor-refs'], async (): Promise<Refs> => {
    const [customers, jobTypes, taxCodes, items] = await Promise.all([
      listAll<CustomerT>('/api/v1/customers'),
      api<{ items: JobTypeT[] }>('GET', '/api/v1/job-types'),
      api<{ items: TaxCodeT[] }>('GET', '/api/v1/tax-codes'),
      api<{ items: CatalogItemT[] }>('GET', '/api/v1/catalog-items'),
    ]);
    return { customers, jobTypes: jobTypes.items, taxCodes: taxCodes.items, items: items.items };
  });
  return (
    <Loaded resource={refs} what="customers and the price book">
      {(d) => <EditorForm quote={quote} refs={d} />}
    </Loaded>
  );
};

const EditorForm = ({ quote, refs }: { quote: Quote | null; refs: Refs }) => {
  const me = useMe();
  const tz = me.organization.timeZone;
  const navigate = useNavigate();
  const invalidate = useInvalidate();
  // The kind of work's own fields asked at booking: the accepted quote books the job with them.
  const defsOf = (jobTypeId: string | null) =>
    fieldDefsOf(refs.jobTypes.find((t) => t.id === jobTypeId)).filter((d) => d.capture === 'booking');
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: CreateQuoteBody,
    initialValues: valuesOf(quote, businessDate(new Date(), tz), tz),
    toBody: (v: Values) => bodyOf(v, tz, defsOf(v.jobTypeId)),
    fields: {
      visitStart: 'visitDay',
      visitEnd: 'visitHours',
      deposit: 'depositValue',
      repeat: 'repeatVisits',
      laterVisits: 'visitDay',
      ...LATER_VISIT_FIELDS,
    },
    // The kind of work's required fields, asked here as they are at booking.
    check: (values: Values) =>
      Object.fromEntries(
        defsOf(values.jobTypeId)
          .filter((d) => d.required && !(values.customFields[d.key] ?? '').trim())
          .map((d) => [`customFields.${d.key}`, 'Required']),
      ),
  });
  const v = form.values;
  const customer = refs.customers.find((c) => c.id === v.customerId);
  const currency = me.organization.currency;
  // Retainage is held back from progress invoices, which only fixed-price work is billed in.
  const fixed = refs.jobTypes.find((t) => t.id === v.jobTypeId)?.billingMode === 'fixed';
  return (
    <form
      noValidate
      aria-label={quote ? `Edit ${quote.number}` : 'New quote'}
      onSubmit={submit(async (body) => {
        const saved = quote
          ? await api<Quote>('PUT', `/api/v1/quotes/${quote.id}`, {
              ...(({ customerId: _c, siteId: _s, jobTypeId: _j, ...rest }) => rest)(body),
              expectedVersion: quote.version,
            })
          : await api<Quote>('POST', '/api/v1/quotes', body);
        invalidate('quotes');
        void navigate({ to: '/quotes/$quoteId', params: { quoteId: saved.id } });
      })}
    >
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Customer"
            searchable
            required
            disabled={!!quote}
            data={refs.customers.map((c) => ({ value: c.id, label: c.name }))}
            {...form.getInputProps('customerId')}
            onChange={(id) => {
              const c = refs.customers.find((x) => x.id === id);
              form.setValues({
                customerId: id,
                siteId: c?.sites.length === 1 ? (c.sites[0]?.id ?? null) : null,
              });
            }}
          />
          <Select
            label="Site"
            required
            disabled={!!quote || !customer}
            data={(customer?.sites ?? []).map((s) => ({
              value: s.id,
              label: `${s.name}, ${s.address.line1}`,
            }))}
            {...form.getInputProps('siteId')}
          />
          <Select
            label="Kind of work"
            required
            disabled={!!quote}
            data={refs.jobTypes.map((t) => ({ value: t.id, label: t.name }))}
            {...form.getInputProps('jobTypeId')}
            onChange={(id) => form.setValues({ jobTypeId: id, customFields: {} })}
          />
        </SimpleGrid>
        <CustomFieldInputs
          defs={defsOf(v.jobTypeId)}
          values={v.customFields}
          errors={form.errors}
          onChange={(key, value) => form.setFieldValue(`customFields.${key}`, value)}
        />
        <TextInput label="Title the customer sees" required {...form.getInputProps('title')} />
        <Textarea label="Message to the customer" autosize minRows={2} {...form.getInputProps('message')} />
        <Title order={2} size="h4">
          Lines
        </Title>
        <Text size="sm" c="dimmed">
          Included lines are always part of the price. Options of one group are alternatives: the customer
          picks one (the first is preselected). Extras are ticked by the customer if wanted.
        </Text>
        {v.lines.map((line, i) => (
          <LineEditor key={line.id} index={i} form={form} refs={refs} currency={currency} />
        ))}
        <Group>
          <Button variant="default" onClick={() => form.insertListItem('lines', newLine())}>
            Add a line
          </Button>
        </Group>
        <LiveTotals values={v} refs={refs} customer={customer ?? null} />
        <Title order={2} size="h4">
          Terms
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="Discount (%)" inputMode="decimal" {...form.getInputProps('discountPercent')} />
          <TextInput type="date" label="Valid until" required {...form.getInputProps('validUntil')} />
          <TextInput label="Their reference (PO number)" {...form.getInputProps('poNumber')} />
          {fixed && (
            <TextInput
              label="Retainage (%)"
              description="Held back from each progress invoice until the work is complete"
              inputMode="decimal"
              placeholder="none"
              {...form.getInputProps('retainagePercent')}
            />
          )}
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Stack gap={4}>
            <Text size="sm" fw={500} id="deposit-kind">
              Deposit on acceptance
            </Text>
            <SegmentedControl
              aria-labelledby="deposit-kind"
              data={[
                { value: 'none', label: 'None' },
                { value: 'amount', label: 'Amount' },
                { value: 'percent', label: 'Percent' },
              ]}
              {...form.getInputProps('depositKind')}
            />
          </Stack>
          <TextInput
            label={v.depositKind === 'percent' ? 'Deposit (%)' : `Deposit (${currency})`}
            disabled={v.depositKind === 'none'}
            inputMode="decimal"
            {...form.getInputProps('depositValue')}
          />
          <Switch
            mt="lg"
            label="Paid before the work starts"
            disabled={v.depositKind === 'none'}
            {...form.getInputProps('depositBeforeWork', { type: 'checkbox' })}
          />
        </SimpleGrid>
        <Text size="sm" fw={500}>
          Visit offered (the job is booked in it when the customer accepts)
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Repeats"
            description="A service plan: the price is per visit, and accepting books every visit"
            allowDeselect={false}
            data={[
              { value: 'never', label: 'Does not repeat' },
              ...REPEAT_EVERY.map((e) => ({
                value: e,
                label: REPEAT_WORDS[e].replace(/^./, (c) => c.toUpperCase()),
              })),
            ]}
            {...form.getInputProps('repeatEvery')}
          />
          {v.repeatEvery !== 'never' && (
            <TextInput
              label="Visits in all"
              description="Empty: until either side ends it"
              inputMode="numeric"
              {...form.getInputProps('repeatVisits')}
            />
          )}
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput type="date" label="Day" {...form.getInputProps('visitDay')} />
          <TextInput type="time" label="Start" {...form.getInputProps('visitStart')} />
          <NumberInput label="Hours" min={0.5} max={24} step={0.5} {...form.getInputProps('visitHours')} />
        </SimpleGrid>
        {v.repeatEvery === 'never' && v.visitDay && (
          <Stack gap="xs" role="group" aria-label="Later visits">
            {v.laterVisits.map((l, i) => (
              <Group key={l.key} align="flex-end" wrap="nowrap">
                <Text size="sm" w={60} pb={8}>
                  {`Visit ${i + 2}`}
                </Text>
                <TextInput type="date" label="Day" {...form.getInputProps(`laterVisits.${i}.day`)} />
                <TextInput type="time" label="Start" {...form.getInputProps(`laterVisits.${i}.start`)} />
                <NumberInput
                  label="Hours"
                  min={0.5}
                  max={24}
                  step={0.5}
                  w={90}
                  {...form.getInputProps(`laterVisits.${i}.hours`)}
                />
                <Button
                  variant="subtle"
                  color="red"
                  aria-label={`Remove visit ${i + 2}`}
                  onClick={() => form.removeListItem('laterVisits', i)}
                >
                  Remove
                </Button>
              </Group>
            ))}
            {v.laterVisits.length < MAX_VISITS - 1 && (
              <Group>
                <Button
                  size="xs"
                  variant="light"
                  onClick={() => {
                    const last = v.laterVisits[v.laterVisits.length - 1];
                    form.insertListItem('laterVisits', {
                      key: crypto.randomUUID(),
                      day: addDays(last?.day || v.visitDay, 1),
                      start: last?.start ?? v.visitStart,
                      hours: last?.hours ?? v.visitHours,
                    } satisfies LaterVisitValues);
                  }}
                >
                  Add another day
                </Button>
                <Text size="xs" c="dimmed">
                  Work over several days: accepting books every visit on one job, at one price.
                </Text>
              </Group>
            )}
          </Stack>
        )}
        <Textarea label="Terms printed on the quote" autosize minRows={2} {...form.getInputProps('terms')} />
        <Textarea
          label="Internal notes (never shown to the customer)"
          autosize
          minRows={2}
          {...form.getInputProps('internalNotes')}
        />
        {errorAlert}
        <Group justify="flex-end">
          <Button type="submit" loading={busy}>
            {quote ? 'Save the draft' : 'Save as draft'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

type Form = ReturnType<typeof useContractForm<Values, typeof CreateQuoteBody>>['form'];

const LineEditor = ({
  index,
  form,
  refs,
  currency,
}: {
  index: number;
  form: Form;
  refs: Refs;
  currency: string;
}) => {
  const line = form.values.lines[index] as LineValues;
  const at = (f: keyof LineValues) => `lines.${index}.${f}`;
  return (
    <Paper withBorder p="sm" aria-label={`Line ${index + 1}`} role="group">
      <Stack gap="xs">
        <SimpleGrid cols={{ base: 1, sm: 4 }}>
          <Select
            label="From the price book"
            searchable
            clearable
            placeholder="Typed line"
            data={refs.items.map((it) => ({ value: it.sku, label: `${it.name} (${it.sku})` }))}
            {...form.getInputProps(at('sku'))}
            onChange={(sku) => {
              const it = refs.items.find((x) => x.sku === sku);
              form.setFieldValue(`lines.${index}`, {
                ...line,
                sku,
                ...(it ? { description: it.name, unitPrice: it.unitPrice, taxCodeId: it.taxCodeId } : {}),
              });
            }}
          />
          <TextInput label="Description" {...form.getInputProps(at('description'))} />
          <TextInput label="Quantity" inputMode="decimal" {...form.getInputProps(at('quantity'))} />
          <TextInput
            label={`Unit price (${currency})`}
            inputMode="decimal"
            {...form.getInputProps(at('unitPrice'))}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 4 }}>
          <Select
            label="Tax"
            placeholder="The item’s or the standard rate"
            clearable
            data={refs.taxCodes.map((t) => ({ value: t.id, label: t.name }))}
            {...form.getInputProps(at('taxCodeId'))}
          />
          <Select
            label="Kind"
            allowDeselect={false}
            data={[
              { value: 'included', label: 'Included' },
              { value: 'option', label: 'Option of a group' },
              { value: 'extra', label: 'Extra to tick' },
            ]}
            {...form.getInputProps(at('kind'))}
          />
          {line.kind === 'option' && (
            <>
              <TextInput label="Group (e.g. System)" {...form.getInputProps(at('group'))} />
              <TextInput
                label="Option name (e.g. Better)"
                {...form.getInputProps(at('option'))}
                error={form.errors[`lines.${index}.option`] ?? form.errors[`lines.${index}.option.key`]}
              />
            </>
          )}
        </SimpleGrid>
        <Group justify="flex-end">
          <Button
            variant="subtle"
            color="red"
            size="xs"
            disabled={form.values.lines.length === 1}
            onClick={() => form.removeListItem('lines', index)}
          >
            Remove line {index + 1}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
};
