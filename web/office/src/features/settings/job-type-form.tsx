import {
  Button,
  Checkbox,
  Group,
  NumberInput,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import { JobTypeBody } from '../../../../../src/contracts/catalog';
import type { CustomFieldDef } from '../../../../../src/core/custom-fields';
import { PHOTO_CATEGORIES } from '../../../../../src/core/job-type-templates';
import { api, type CatalogItemT, type JobTypeT } from '../../shared/api';
import { Feedback } from '../../shared/feedback';
import { useContractForm } from '../../shared/form';
import { useApi } from '../../shared/query';
import { CATEGORY_LABEL } from '../jobs/job-sections';
import { ApprovalRuleRows, type Rule } from './approval-rule-rows';

export type { Rule };

export type Requirements = {
  checklist: string[];
  photos: { category: string; min: number }[];
  signature: boolean;
  serialNumbers: boolean;
  partNumbers: boolean;
  notes: boolean;
};

/** A custom field as the form edits it: choice options as one comma-separated text. */
type FieldRow = Omit<CustomFieldDef, 'options'> & { optionsText: string };

type Values = {
  code: string;
  name: string;
  trade: string;
  defaultDurationMinutes: number | string;
  billingMode: string;
  laborSku: string | null;
  checklist: string;
  photos: Record<string, number | string>;
  signature: boolean;
  serialNumbers: boolean;
  partNumbers: boolean;
  notes: boolean;
  approvalRules: Rule[];
  customFields: FieldRow[];
};
const FLAGS = {
  signature: 'Signature',
  serialNumbers: 'Serial numbers',
  partNumbers: 'Part numbers',
  notes: 'Notes',
};
const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

const toBody = (v: Values) =>
  ({
    code: v.code.trim().toUpperCase(),
    name: v.name,
    trade: v.trade,
    defaultDurationMinutes: v.defaultDurationMinutes === '' ? undefined : Number(v.defaultDurationMinutes),
    billingMode: v.billingMode,
    laborSku: v.laborSku,
    closeoutRequirements: {
      checklist: lines(v.checklist),
      photos: Object.entries(v.photos)
        .filter(([, min]) => Number(min) > 0)
        .map(([category, min]) => ({ category, min: Number(min) })),
      signature: v.signature,
      serialNumbers: v.serialNumbers,
      partNumbers: v.partNumbers,
      notes: v.notes,
    },
    approvalRules: v.approvalRules.map((r) => ({
      ...r,
      threshold: r.threshold?.trim() ? r.threshold.trim().replace(',', '.') : null,
    })),
    customFields: v.customFields.map(({ optionsText, ...f }) => ({
      ...f,
      ...(f.type === 'choice'
        ? {
            options: optionsText
              .split(',')
              .map((o) => o.trim())
              .filter(Boolean),
          }
        : { options: undefined }),
    })),
  }) as z.input<typeof JobTypeBody>;

/** A job type: what the work is, how long it takes, how it is billed, what proof closes it, what needs approval. */
export const JobTypeForm = ({ initial, onSaved }: { initial: JobTypeT | null; onSaved: () => void }) => {
  const req = (initial?.closeoutRequirements ?? {
    checklist: [],
    photos: [],
    signature: true,
    serialNumbers: false,
    partNumbers: false,
    notes: true,
  }) as Requirements;
  const laborItems = useApi(['catalog', 'labor-items'], () =>
    api<{ items: CatalogItemT[] }>('GET', '/api/v1/catalog-items').then((r) =>
      r.items.filter((i) => i.kind === 'labor'),
    ),
  );
  const [saved, setSaved] = useState<string | null>(null);
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: JobTypeBody,
    initialValues: {
      code: initial?.code ?? '',
      name: initial?.name ?? '',
      trade: initial?.trade ?? 'hvac',
      defaultDurationMinutes: initial?.defaultDurationMinutes ?? 60,
      billingMode: initial?.billingMode ?? 'time_and_materials',
      laborSku: initial?.laborSku ?? null,
      checklist: req.checklist.join('\n'),
      photos: Object.fromEntries(req.photos.map((p) => [p.category, p.min])),
      signature: req.signature,
      serialNumbers: req.serialNumbers,
      partNumbers: req.partNumbers,
      notes: req.notes,
      approvalRules: (initial?.approvalRules as Rule[] | undefined) ?? [],
      customFields: ((initial?.customFields as CustomFieldDef[] | undefined) ?? []).map((f) => ({
        ...f,
        optionsText: (f.options ?? []).join(', '),
      })),
    } satisfies Values as Values,
    toBody,
    fields: {
      'closeoutRequirements.checklist': 'checklist',
      'closeoutRequirements.photos': 'photos',
    },
  });
  const rules = form.values.approvalRules;
  const fields = form.values.customFields;
  return (
    <form
      noValidate
      aria-label={initial ? `Edit ${initial.name}` : 'New job type'}
      onSubmit={submit(async (body) => {
        setSaved(null);
        if (initial) await api('PUT', `/api/v1/job-types/${initial.id}`, body);
        else await api('POST', '/api/v1/job-types', body);
        onSaved();
        setSaved(`Job type ${body.name} saved`);
      })}
    >
      <Stack>
        <Group grow>
          <TextInput label="Code" required {...form.getInputProps('code')} />
          <TextInput label="Name" required {...form.getInputProps('name')} />
        </Group>
        <Group grow>
          <Select
            label="Trade"
            data={[
              { value: 'hvac', label: 'Heating and cooling' },
              { value: 'plumbing', label: 'Plumbing' },
              { value: 'electrical', label: 'Electrical' },
              { value: 'cleaning', label: 'Cleaning' },
              { value: 'landscaping', label: 'Landscaping' },
              { value: 'pest_control', label: 'Pest control' },
            ]}
            allowDeselect={false}
            {...form.getInputProps('trade')}
          />
          <NumberInput
            label="Default duration (minutes)"
            min={5}
            max={1440}
            {...form.getInputProps('defaultDurationMinutes')}
          />
          <Select
            label="Billing mode"
            data={[
              { value: 'time_and_materials', label: 'Time and materials' },
              { value: 'fixed', label: 'Fixed price (the estimate)' },
              { value: 'per_visit', label: 'Per visit' },
              { value: 'per_cycle', label: 'Per billing cycle' },
            ]}
            allowDeselect={false}
            {...form.getInputProps('billingMode')}
          />
        </Group>
        <Select
          label="Labour billed at"
          description="The price book's labour item: its rate and tax code price every hour of this work"
          placeholder="Each technician's own rate"
          clearable
          data={(laborItems.data ?? []).map((i) => ({
            value: i.sku,
            label: `${i.name} (${i.unitPrice} per hour)`,
          }))}
          {...form.getInputProps('laborSku')}
        />
        <Title order={4}>Closeout requirements</Title>
        <Textarea
          label="Checklist (one item per line)"
          autosize
          minRows={3}
          {...form.getInputProps('checklist')}
        />
        <Group>
          {PHOTO_CATEGORIES.filter((c) => c !== 'signature').map((c) => (
            <NumberInput
              key={c}
              label={`Photos: ${(CATEGORY_LABEL[c] ?? c).toLowerCase()}`}
              min={0}
              max={20}
              w={150}
              {...form.getInputProps(`photos.${c}`)}
              value={form.values.photos[c] ?? 0}
            />
          ))}
        </Group>
        <Group>
          {(Object.keys(FLAGS) as (keyof typeof FLAGS)[]).map((k) => (
            <Checkbox key={k} label={FLAGS[k]} {...form.getInputProps(k, { type: 'checkbox' })} />
          ))}
        </Group>
        <Title order={4}>Approval rules</Title>
        <ApprovalRuleRows
          rules={rules}
          inputProps={(i, field) => form.getInputProps(`approvalRules.${i}.${field}`)}
          onAdd={(rule) => form.insertListItem('approvalRules', rule)}
          onRemove={(i) => form.removeListItem('approvalRules', i)}
        />
        <Title order={4}>Custom fields</Title>
        <Text size="sm" c="dimmed">
          Billing facts this job type needs in fields, not notes: captured at booking or at closeout, printed
          on the invoice if you choose.
        </Text>
        {fields.map((f, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form are identified by position
          <Group key={`field-${i}`} align="flex-end">
            <TextInput
              label={`Field ${i + 1} key`}
              w={140}
              {...form.getInputProps(`customFields.${i}.key`)}
            />
            <TextInput
              label={`Field ${i + 1} label`}
              w={180}
              {...form.getInputProps(`customFields.${i}.label`)}
            />
            <Select
              label={`Field ${i + 1} type`}
              w={120}
              data={[
                { value: 'text', label: 'Text' },
                { value: 'number', label: 'Number' },
                { value: 'date', label: 'Date' },
                { value: 'choice', label: 'Choice' },
              ]}
              allowDeselect={false}
              {...form.getInputProps(`customFields.${i}.type`)}
            />
            {f.type === 'choice' && (
              <TextInput
                label={`Field ${i + 1} options (comma separated)`}
                {...form.getInputProps(`customFields.${i}.optionsText`)}
                error={form.errors[`customFields.${i}.options`]}
              />
            )}
            <Select
              label={`Field ${i + 1} captured at`}
              w={130}
              data={[
                { value: 'booking', label: 'Booking' },
                { value: 'closeout', label: 'Closeout' },
              ]}
              allowDeselect={false}
              {...form.getInputProps(`customFields.${i}.capture`)}
            />
            <Checkbox
              label="Required"
              {...form.getInputProps(`customFields.${i}.required`, { type: 'checkbox' })}
            />
            <Checkbox
              label="On invoice"
              {...form.getInputProps(`customFields.${i}.printOnInvoice`, { type: 'checkbox' })}
            />
            <Button variant="subtle" color="red" onClick={() => form.removeListItem('customFields', i)}>
              Remove field
            </Button>
          </Group>
        ))}
        <Group>
          <Button
            variant="light"
            onClick={() =>
              form.insertListItem('customFields', {
                key: '',
                label: '',
                type: 'text',
                required: false,
                capture: 'closeout',
                printOnInvoice: false,
                optionsText: '',
              })
            }
          >
            Add field
          </Button>
        </Group>
        <Feedback notice={saved} error={null} />
        {errorAlert}
        <Group>
          <Button type="submit" loading={busy}>
            Save job type
          </Button>
        </Group>
      </Stack>
    </form>
  );
};
