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
import { type FormEvent, useState } from 'react';
import type { CustomFieldDef } from '../../../../../src/core/custom-fields';
import { APPROVAL_RULE_CODES, PHOTO_CATEGORIES } from '../../../../../src/core/job-type-templates';
import { api, type CatalogItemT, type JobTypeT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { useApi } from '../../shared/query';

export type Rule = { code: string; threshold: string | null; approverRole: string; slaHours: number };
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

export const JobTypeForm = ({ initial, onSaved }: { initial: JobTypeT | null; onSaved: () => void }) => {
  const req = (initial?.closeoutRequirements ?? {
    checklist: [],
    photos: [],
    signature: true,
    serialNumbers: false,
    partNumbers: false,
    notes: true,
  }) as Requirements;
  const [code, setCode] = useState(initial?.code ?? '');
  const [name, setName] = useState(initial?.name ?? '');
  const [trade, setTrade] = useState<string | null>(initial?.trade ?? 'hvac');
  const [duration, setDuration] = useState<number | string>(initial?.defaultDurationMinutes ?? 60);
  const [billingMode, setBillingMode] = useState<string | null>(initial?.billingMode ?? 'time_and_materials');
  const [laborSku, setLaborSku] = useState<string | null>(initial?.laborSku ?? null);
  const laborItems = useApi(['catalog', 'labor-items'], () =>
    api<{ items: CatalogItemT[] }>('GET', '/api/v1/catalog-items').then((r) =>
      r.items.filter((i) => i.kind === 'labor'),
    ),
  );
  const [checklist, setChecklist] = useState(req.checklist.join('\n'));
  const [photos, setPhotos] = useState<Record<string, number>>(
    Object.fromEntries(req.photos.map((p) => [p.category, p.min])),
  );
  const [flags, setFlags] = useState({
    signature: req.signature,
    serialNumbers: req.serialNumbers,
    partNumbers: req.partNumbers,
    notes: req.notes,
  });
  const [rules, setRules] = useState<Rule[]>((initial?.approvalRules as Rule[] | undefined) ?? []);
  const [fields, setFields] = useState<FieldRow[]>(() =>
    ((initial?.customFields as CustomFieldDef[] | undefined) ?? []).map((f) => ({
      ...f,
      optionsText: (f.options ?? []).join(', '),
    })),
  );
  const s = useSubmit();
  const setField = (i: number, patch: Partial<FieldRow>) =>
    setFields(fields.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void s.run(async () => {
      const body = {
        code,
        name,
        trade,
        defaultDurationMinutes: Number(duration),
        billingMode,
        laborSku,
        closeoutRequirements: {
          checklist: checklist
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean),
          photos: Object.entries(photos)
            .filter(([, min]) => min > 0)
            .map(([category, min]) => ({ category, min })),
          ...flags,
        },
        approvalRules: rules.map((r) => ({ ...r, threshold: r.threshold || null })),
        customFields: fields.map(({ optionsText, ...f }) => ({
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
      };
      if (initial) await api('PUT', `/api/v1/job-types/${initial.id}`, body);
      else await api('POST', '/api/v1/job-types', body);
      onSaved();
      return `Job type ${name} saved`;
    });
  };
  return (
    <form onSubmit={submit} aria-label={initial ? `Edit ${initial.name}` : 'New job type'}>
      <Stack>
        <Group grow>
          <TextInput
            label="Code"
            required
            value={code}
            onChange={(e) => setCode(e.target.value.toUpperCase())}
          />
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.target.value)} />
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
            value={trade}
            onChange={setTrade}
          />
          <NumberInput
            label="Default duration (minutes)"
            min={5}
            max={1440}
            value={duration}
            onChange={setDuration}
          />
          <Select
            label="Billing mode"
            data={[
              { value: 'time_and_materials', label: 'Time and materials' },
              { value: 'fixed', label: 'Fixed price (the estimate)' },
              { value: 'per_visit', label: 'Per visit' },
              { value: 'per_cycle', label: 'Per billing cycle' },
            ]}
            value={billingMode}
            onChange={setBillingMode}
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
          value={laborSku}
          onChange={setLaborSku}
        />
        <Title order={4}>Closeout requirements</Title>
        <Textarea
          label="Checklist (one item per line)"
          autosize
          minRows={3}
          value={checklist}
          onChange={(e) => setChecklist(e.target.value)}
        />
        <Group>
          {PHOTO_CATEGORIES.filter((c) => c !== 'signature').map((c) => (
            <NumberInput
              key={c}
              label={`Photos: ${c.replaceAll('_', ' ')}`}
              min={0}
              max={20}
              w={150}
              value={photos[c] ?? 0}
              onChange={(v) => setPhotos({ ...photos, [c]: Number(v) || 0 })}
            />
          ))}
        </Group>
        <Group>
          {(Object.keys(flags) as (keyof typeof flags)[]).map((k) => (
            <Checkbox
              key={k}
              label={
                {
                  signature: 'Signature',
                  serialNumbers: 'Serial numbers',
                  partNumbers: 'Part numbers',
                  notes: 'Notes',
                }[k]
              }
              checked={flags[k]}
              onChange={(e) => setFlags({ ...flags, [k]: e.currentTarget.checked })}
            />
          ))}
        </Group>
        <Title order={4}>Approval rules</Title>
        {rules.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form are identified by position
          <Group key={`${r.code}-${i}`} align="flex-end">
            <Select
              label={`Rule ${i + 1}`}
              data={APPROVAL_RULE_CODES.map((c) => ({ value: c, label: c.replaceAll('_', ' ') }))}
              value={r.code}
              onChange={(v) => setRules(rules.map((x, j) => (j === i ? { ...x, code: v ?? x.code } : x)))}
            />
            <TextInput
              label={`Threshold, rule ${i + 1}`}
              w={130}
              value={r.threshold ?? ''}
              onChange={(e) => {
                const threshold = e.target.value;
                setRules(rules.map((x, j) => (j === i ? { ...x, threshold } : x)));
              }}
            />
            <Select
              label={`Approver, rule ${i + 1}`}
              w={140}
              data={['approver', 'owner', 'billing']}
              value={r.approverRole}
              onChange={(v) =>
                setRules(rules.map((x, j) => (j === i ? { ...x, approverRole: v ?? x.approverRole } : x)))
              }
            />
            <NumberInput
              label={`SLA hours, rule ${i + 1}`}
              w={130}
              min={1}
              value={r.slaHours}
              onChange={(v) =>
                setRules(rules.map((x, j) => (j === i ? { ...x, slaHours: Number(v) || 1 } : x)))
              }
            />
            <Button variant="subtle" color="red" onClick={() => setRules(rules.filter((_, j) => j !== i))}>
              Remove
            </Button>
          </Group>
        ))}
        <Group>
          <Button
            variant="light"
            onClick={() =>
              setRules([
                ...rules,
                { code: 'discount_above_percent', threshold: '10', approverRole: 'approver', slaHours: 24 },
              ])
            }
          >
            Add rule
          </Button>
        </Group>
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
              value={f.key}
              onChange={(e) => setField(i, { key: e.target.value })}
            />
            <TextInput
              label={`Field ${i + 1} label`}
              w={180}
              value={f.label}
              onChange={(e) => setField(i, { label: e.target.value })}
            />
            <Select
              label={`Field ${i + 1} type`}
              w={120}
              data={['text', 'number', 'date', 'choice']}
              value={f.type}
              onChange={(v) => setField(i, { type: (v as FieldRow['type'] | null) ?? f.type })}
            />
            {f.type === 'choice' && (
              <TextInput
                label={`Field ${i + 1} options (comma separated)`}
                value={f.optionsText}
                onChange={(e) => setField(i, { optionsText: e.target.value })}
              />
            )}
            <Select
              label={`Field ${i + 1} captured at`}
              w={130}
              data={['booking', 'closeout']}
              value={f.capture}
              onChange={(v) => setField(i, { capture: (v as FieldRow['capture'] | null) ?? f.capture })}
            />
            <Checkbox
              label="Required"
              checked={f.required}
              onChange={(e) => setField(i, { required: e.currentTarget.checked })}
            />
            <Checkbox
              label="On invoice"
              checked={f.printOnInvoice}
              onChange={(e) => setField(i, { printOnInvoice: e.currentTarget.checked })}
            />
            <Button variant="subtle" color="red" onClick={() => setFields(fields.filter((_, j) => j !== i))}>
              Remove field
            </Button>
          </Group>
        ))}
        <Group>
          <Button
            variant="light"
            onClick={() =>
              setFields([
                ...fields,
                {
                  key: '',
                  label: '',
                  type: 'text',
                  required: false,
                  capture: 'closeout',
                  printOnInvoice: false,
                  optionsText: '',
                },
              ])
            }
          >
            Add field
          </Button>
        </Group>
        {s.feedback}
        <Group>
          <Button type="submit" loading={s.busy}>
            Save job type
          </Button>
        </Group>
      </Stack>
    </form>
  );
};
