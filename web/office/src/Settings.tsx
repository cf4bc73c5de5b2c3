import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import type { CustomFieldDef } from '../../../src/core/custom-fields';
import { APPROVAL_RULE_CODES, PHOTO_CATEGORIES } from '../../../src/core/job-type-templates';
import {
  ApiError,
  api,
  type CatalogItemT,
  type CustomerT,
  type JobTypeT,
  listAll,
  type MeT,
  type TaxCodeT,
  type UserT,
} from './api';
import { CURRENCY_OPTIONS, Loaded, money, useResource, useSubmit } from './lib';

const BillingSettings = ({ me }: { me: MeT }) => {
  const org = useResource(() => api<MeT['organization']>('GET', '/api/v1/organization'), [], false);
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

type Rule = { code: string; threshold: string | null; approverRole: string; slaHours: number };
type Requirements = {
  checklist: string[];
  photos: { category: string; min: number }[];
  signature: boolean;
  serialNumbers: boolean;
  partNumbers: boolean;
  notes: boolean;
};

/** A custom field as the form edits it: choice options as one comma-separated text. */
type FieldRow = Omit<CustomFieldDef, 'options'> & { optionsText: string };

const JobTypeForm = ({ initial, onSaved }: { initial: JobTypeT | null; onSaved: () => void }) => {
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
  const laborItems = useResource(
    () =>
      api<{ items: CatalogItemT[] }>('GET', '/api/v1/catalog-items').then((r) =>
        r.items.filter((i) => i.kind === 'labor'),
      ),
    [],
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

const JobTypes = () => {
  const list = useResource(
    () => api<{ items: JobTypeT[] }>('GET', '/api/v1/job-types').then((r) => r.items),
    [],
    false,
  );
  const [editing, setEditing] = useState<JobTypeT | 'new' | null>(null);
  return (
    <Stack>
      <Loaded resource={list} what="job types" isEmpty={(x) => x.length === 0}>
        {(xs) => (
          <Table aria-label="Job types">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Code</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Requires</Table.Th>
                <Table.Th>Approval rules</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {xs.map((t) => {
                const r = t.closeoutRequirements as Requirements;
                return (
                  <Table.Tr key={t.id}>
                    <Table.Td>{t.code}</Table.Td>
                    <Table.Td>{t.name}</Table.Td>
                    <Table.Td>
                      {[
                        ...r.photos.map((p) => `${p.min} ${p.category.replaceAll('_', ' ')}`),
                        r.signature && 'signature',
                        r.serialNumbers && 'serials',
                        r.notes && 'notes',
                      ]
                        .filter(Boolean)
                        .join(', ')}
                    </Table.Td>
                    <Table.Td>{(t.approvalRules as Rule[]).length}</Table.Td>
                    <Table.Td>
                      <Button size="xs" variant="light" onClick={() => setEditing(t)}>
                        Edit {t.name}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </Loaded>
      {editing === null ? (
        <Group>
          <Button onClick={() => setEditing('new')}>New job type</Button>
        </Group>
      ) : (
        <Card withBorder>
          <JobTypeForm
            key={editing === 'new' ? 'new' : editing.id}
            initial={editing === 'new' ? null : editing}
            onSaved={list.reload}
          />
          <Group mt="sm">
            <Button variant="default" onClick={() => setEditing(null)}>
              Close editor
            </Button>
          </Group>
        </Card>
      )}
    </Stack>
  );
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

const PriceBook = ({ me }: { me: MeT }) => {
  const data = useResource(
    async () => {
      const [taxCodes, items] = await Promise.all([
        api<{ items: TaxCodeT[] }>('GET', '/api/v1/tax-codes'),
        api<{ items: CatalogItemT[] }>('GET', '/api/v1/catalog-items'),
      ]);
      return { taxCodes: taxCodes.items, items: items.items };
    },
    [],
    false,
  );
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

/** Edit a customer's billing facts in place; the version guards against a colleague's change in between. */
const CustomerForm = ({
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

const Customers = ({ me }: { me: MeT }) => {
  const list = useResource(() => listAll<CustomerT>('/api/v1/customers'), [], false);
  const [editing, setEditing] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [line1, setLine1] = useState('');
  const [city, setCity] = useState('');
  const [postalCode, setPostalCode] = useState('');
  const [duplicate, setDuplicate] = useState<string | null>(null);
  const s = useSubmit();
  const create = (confirmDuplicate: boolean) =>
    s.run(async () => {
      const address = { line1, city, postalCode, country: me.organization.country };
      try {
        await api('POST', '/api/v1/customers', {
          name,
          email: email || null,
          billingAddress: address,
          sites: [{ name: 'Main site', address }],
          ...(confirmDuplicate ? { confirmDuplicate: true } : {}),
        });
      } catch (err) {
        if (err instanceof ApiError && err.problem.status === 409 && !confirmDuplicate) {
          setDuplicate(err.problem.detail);
          return 'Not created yet: confirm below';
        }
        throw err;
      }
      setDuplicate(null);
      list.reload();
      return `${name} created`;
    });
  return (
    <Stack>
      <Loaded resource={list} what="customers" isEmpty={(x) => x.length === 0}>
        {(xs) => (
          <Table aria-label="Customers">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>E-mail</Table.Th>
                <Table.Th>Sites</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {xs.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>{c.name}</Table.Td>
                  <Table.Td>{c.email}</Table.Td>
                  <Table.Td>{c.sites.map((x) => x.name).join(', ')}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={`Edit ${c.name}`}
                      onClick={() => setEditing(c.id)}
                    >
                      Edit
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Loaded>
      {editing && list.data?.find((c) => c.id === editing) && (
        <CustomerForm
          customer={list.data.find((c) => c.id === editing) as CustomerT}
          orgCurrency={me.organization.currency}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            list.reload();
          }}
        />
      )}
      <form
        aria-label="New customer"
        onSubmit={(e) => {
          e.preventDefault();
          void create(false);
        }}
      >
        <Group align="flex-end">
          <TextInput label="Customer name" required value={name} onChange={(e) => setName(e.target.value)} />
          <TextInput
            label="Invoice e-mail"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <TextInput label="Address" required value={line1} onChange={(e) => setLine1(e.target.value)} />
          <TextInput label="City" required value={city} onChange={(e) => setCity(e.target.value)} />
          <TextInput
            label="Postal code"
            required
            value={postalCode}
            onChange={(e) => setPostalCode(e.target.value)}
          />
          <Button type="submit" loading={s.busy}>
            Add customer
          </Button>
        </Group>
      </form>
      {duplicate && (
        <Alert color="yellow" title="Possible duplicate" role="alert">
          <Text size="sm">{duplicate}</Text>
          <Button mt="xs" size="xs" onClick={() => void create(true)}>
            Create a separate customer anyway
          </Button>
        </Alert>
      )}
      {s.feedback}
    </Stack>
  );
};

const ROLE_NAMES = ['owner', 'dispatcher', 'technician', 'approver', 'billing'];

/** Edit one user in place: name, roles, labor role and rate. */
const UserForm = ({
  user,
  onSaved,
  onCancel,
}: {
  user: UserT;
  onSaved: () => void;
  onCancel: () => void;
}) => {
  const [name, setName] = useState(user.name);
  const [roles, setRoles] = useState<string[]>(user.roles);
  const [laborRole, setLaborRole] = useState(user.laborRole ?? '');
  const [rate, setRate] = useState(user.hourlyRate ? String(Number(user.hourlyRate).toFixed(2)) : '');
  const s = useSubmit();
  return (
    <form
      aria-label={`Edit ${user.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void s
          .run(async () => {
            await api('PATCH', `/api/v1/users/${user.id}`, {
              name,
              roles,
              laborRole: laborRole.trim() || null,
              hourlyRate: rate.trim() || null,
            });
            return `${name} saved`;
          })
          .then((ok) => ok && onSaved());
      }}
    >
      <Group align="flex-end">
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.target.value)} />
        <MultiSelect label="Roles" data={ROLE_NAMES} value={roles} onChange={setRoles} w={320} />
        <TextInput label="Labor role" value={laborRole} onChange={(e) => setLaborRole(e.target.value)} />
        <TextInput
          label="Hourly rate"
          inputMode="decimal"
          value={rate}
          onChange={(e) => setRate(e.target.value)}
        />
        <Button type="submit" loading={s.busy}>
          Save
        </Button>
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
      </Group>
      {s.feedback}
    </form>
  );
};

const Users = () => {
  const list = useResource(() => listAll<UserT>('/api/v1/users'), [], false);
  const [editing, setEditing] = useState<string | null>(null);
  const act = useSubmit();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<string[]>(['technician']);
  const s = useSubmit();
  return (
    <Stack>
      <Loaded resource={list} what="users">
        {(xs) => (
          <Table aria-label="Users">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>E-mail</Table.Th>
                <Table.Th>Roles</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {xs.map((u) => (
                <Table.Tr key={u.id}>
                  <Table.Td>{u.name}</Table.Td>
                  <Table.Td>{u.email}</Table.Td>
                  <Table.Td>
                    {u.roles.map((r) => (
                      <Badge key={r} mr={4} variant="light">
                        {r}
                      </Badge>
                    ))}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={u.active ? 'green' : 'gray'}>{u.active ? 'active' : 'deactivated'}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button
                        size="xs"
                        variant="default"
                        aria-label={`Edit ${u.name}`}
                        onClick={() => setEditing(u.id)}
                      >
                        Edit
                      </Button>
                      <Button
                        size="xs"
                        variant="light"
                        color={u.active ? 'red' : 'green'}
                        aria-label={`${u.active ? 'Deactivate' : 'Reactivate'} ${u.name}`}
                        onClick={() =>
                          void act.run(async () => {
                            await api('PATCH', `/api/v1/users/${u.id}`, { active: !u.active });
                            list.reload();
                            return u.active
                              ? `${u.name} can no longer sign in; their jobs and records stay`
                              : `${u.name} can sign in again`;
                          })
                        }
                      >
                        {u.active ? 'Deactivate' : 'Reactivate'}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Loaded>
      {act.feedback}
      {editing && list.data?.find((u) => u.id === editing) && (
        <UserForm
          user={list.data.find((u) => u.id === editing) as UserT}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            list.reload();
          }}
        />
      )}
      <form
        aria-label="New user"
        onSubmit={(e) => {
          e.preventDefault();
          void s.run(async () => {
            await api('POST', '/api/v1/users', { name, email, password, roles });
            list.reload();
            setName('');
            setEmail('');
            setPassword('');
            return `${name} can sign in now`;
          });
        }}
      >
        <Group align="flex-end">
          <TextInput label="Full name" required value={name} onChange={(e) => setName(e.target.value)} />
          <TextInput
            label="User e-mail"
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <TextInput
            label="Initial password"
            type="password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <MultiSelect label="Roles" data={ROLE_NAMES} value={roles} onChange={setRoles} />
          <Button type="submit" loading={s.busy}>
            Add user
          </Button>
        </Group>
      </form>
      {s.feedback}
    </Stack>
  );
};

type ConnectorT = { id: string; provider: string; status: string; tenantId: string; apiBaseUrl: string };
type SubscriptionT = { id: string; url: string; events: string[]; active: boolean };

/** What a Test button's call answers (connectors and webhooks alike). */
type TestResultT = { ok: boolean; message: string; durationMs: number; statusCode?: number | null };

const Integrations = () => {
  const data = useResource(
    async () => {
      const [connectors, subs] = await Promise.all([
        api<{ items: ConnectorT[] }>('GET', '/api/v1/connectors'),
        api<{ items: SubscriptionT[] }>('GET', '/api/v1/webhook-subscriptions'),
      ]);
      return { connectors: connectors.items, subs: subs.items };
    },
    [],
    false,
  );
  const [provider, setProvider] = useState<string | null>('xero');
  const [tenantId, setTenantId] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [refreshToken, setRefreshToken] = useState('');
  const [defaultItem, setDefaultItem] = useState('');
  const [accountCode, setAccountCode] = useState('');
  const c = useSubmit();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['invoice.issued']);
  const w = useSubmit();
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <Loaded resource={data} what="integrations">
      {(d) => (
        <Stack>
          <Title order={3}>Accounting connectors</Title>
          {d.connectors.length === 0 ? (
            <Text c="dimmed" data-empty>
              No accounting system connected: invoices are still exported as CSV.
            </Text>
          ) : (
            <Table aria-label="Connectors">
              <Table.Tbody>
                {d.connectors.map((x) => (
                  <Table.Tr key={x.id}>
                    <Table.Td>{x.provider === 'xero' ? 'Xero' : 'QuickBooks Online'}</Table.Td>
                    <Table.Td>{x.tenantId}</Table.Td>
                    <Table.Td>
                      <Badge color={x.status === 'active' ? 'green' : 'gray'}>{x.status}</Badge>
                    </Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="default"
                        mr="xs"
                        aria-label={`Test ${x.provider === 'xero' ? 'Xero' : 'QuickBooks Online'}`}
                        onClick={() =>
                          void c.run(async () => {
                            const r = await api<TestResultT>('POST', `/api/v1/connectors/${x.id}/test`);
                            if (!r.ok) throw new Error(`Connection failed: ${r.message}`);
                            return r.message;
                          })
                        }
                      >
                        Test connection
                      </Button>
                      <Button
                        size="xs"
                        variant="light"
                        onClick={() =>
                          void c.run(async () => {
                            await api('PATCH', `/api/v1/connectors/${x.id}`, {
                              status: x.status === 'active' ? 'disabled' : 'active',
                            });
                            data.reload();
                            return `Connector ${x.status === 'active' ? 'disabled' : 'enabled'}`;
                          })
                        }
                      >
                        {x.status === 'active' ? 'Disable' : 'Enable'}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <form
            aria-label="Connect an accounting system"
            onSubmit={(e) => {
              e.preventDefault();
              void c.run(async () => {
                await api('POST', '/api/v1/connectors', {
                  provider,
                  tenantId,
                  clientId,
                  clientSecret,
                  refreshToken,
                  mappings: {
                    items: {},
                    taxTypes: {},
                    ...(defaultItem ? { defaultItem } : {}),
                    ...(accountCode ? { accountCode } : {}),
                  },
                });
                data.reload();
                return 'Connected: tokens are stored encrypted and never shown again';
              });
            }}
          >
            <Stack maw={640}>
              <Group grow>
                <Select
                  label="Provider"
                  data={[
                    { value: 'xero', label: 'Xero' },
                    { value: 'quickbooks', label: 'QuickBooks Online' },
                  ]}
                  value={provider}
                  onChange={setProvider}
                />
                <TextInput
                  label={provider === 'xero' ? 'Xero tenant ID' : 'QuickBooks company (realm) ID'}
                  required
                  value={tenantId}
                  onChange={(e) => setTenantId(e.target.value)}
                />
              </Group>
              <Group grow>
                <TextInput
                  label="OAuth client ID"
                  required
                  value={clientId}
                  onChange={(e) => setClientId(e.target.value)}
                />
                <TextInput
                  label="OAuth client secret"
                  type="password"
                  required
                  value={clientSecret}
                  onChange={(e) => setClientSecret(e.target.value)}
                />
              </Group>
              <TextInput
                label="Refresh token"
                type="password"
                required
                value={refreshToken}
                onChange={(e) => setRefreshToken(e.target.value)}
              />
              <Group grow>
                <TextInput
                  label="Default item code"
                  value={defaultItem}
                  onChange={(e) => setDefaultItem(e.target.value)}
                />
                <TextInput
                  label="Revenue account code"
                  value={accountCode}
                  onChange={(e) => setAccountCode(e.target.value)}
                />
              </Group>
              {c.feedback}
              <Group>
                <Button type="submit" loading={c.busy}>
                  Connect
                </Button>
              </Group>
            </Stack>
          </form>
          <Title order={3}>Webhooks</Title>
          {d.subs.length === 0 ? (
            <Text c="dimmed" data-empty>
              No webhook subscriptions.
            </Text>
          ) : (
            <Table aria-label="Webhook subscriptions">
              <Table.Tbody>
                {d.subs.map((x) => (
                  <Table.Tr key={x.id}>
                    <Table.Td>{x.url}</Table.Td>
                    <Table.Td>{x.events.join(', ')}</Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="default"
                        mr="xs"
                        aria-label={`Send a test to ${x.url}`}
                        onClick={() =>
                          void w.run(async () => {
                            const r = await api<TestResultT>(
                              'POST',
                              `/api/v1/webhook-subscriptions/${x.id}/test`,
                            );
                            if (!r.ok) throw new Error(`Test ping failed: ${r.message}`);
                            return `Test ping sent: the receiver answered HTTP ${r.statusCode}`;
                          })
                        }
                      >
                        Send test
                      </Button>
                      <Button
                        size="xs"
                        color="red"
                        variant="light"
                        onClick={() =>
                          void w.run(async () => {
                            await api('DELETE', `/api/v1/webhook-subscriptions/${x.id}`);
                            data.reload();
                            return 'Subscription removed';
                          })
                        }
                      >
                        Remove
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <form
            aria-label="New webhook subscription"
            onSubmit={(e) => {
              e.preventDefault();
              void w.run(async () => {
                const created = await api<{ secret: string }>('POST', '/api/v1/webhook-subscriptions', {
                  url,
                  events,
                });
                setSecret(created.secret);
                data.reload();
                return 'Subscribed';
              });
            }}
          >
            <Group align="flex-end">
              <TextInput
                label="Endpoint URL"
                required
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                w={320}
              />
              <MultiSelect
                label="Events"
                data={[
                  'job.completed',
                  'job.invoice_ready',
                  'approval.requested',
                  'invoice.issued',
                  'invoice.sent',
                  'invoice.paid',
                  'invoice.credited',
                  'integration.failed',
                ]}
                value={events}
                onChange={setEvents}
                w={360}
              />
              <Button type="submit" loading={w.busy}>
                Subscribe
              </Button>
            </Group>
          </form>
          {secret && (
            <Alert color="blue" title="Signing secret (shown once)">
              <code>{secret}</code>
            </Alert>
          )}
          {w.feedback}
        </Stack>
      )}
    </Loaded>
  );
};

export const SettingsPage = ({ me }: { me: MeT }) => (
  <Stack>
    <Title order={1}>Settings</Title>
    <Tabs defaultValue="billing" keepMounted={false}>
      <Tabs.List>
        <Tabs.Tab value="billing">Billing and numbering</Tabs.Tab>
        <Tabs.Tab value="job-types">Job types</Tabs.Tab>
        <Tabs.Tab value="price-book">Price book and tax</Tabs.Tab>
        <Tabs.Tab value="customers">Customers</Tabs.Tab>
        <Tabs.Tab value="users">Users and roles</Tabs.Tab>
        <Tabs.Tab value="integrations">Connectors and webhooks</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="billing" pt="md">
        <BillingSettings me={me} />
      </Tabs.Panel>
      <Tabs.Panel value="job-types" pt="md">
        <JobTypes />
      </Tabs.Panel>
      <Tabs.Panel value="price-book" pt="md">
        <PriceBook me={me} />
      </Tabs.Panel>
      <Tabs.Panel value="customers" pt="md">
        <Customers me={me} />
      </Tabs.Panel>
      <Tabs.Panel value="users" pt="md">
        <Users />
      </Tabs.Panel>
      <Tabs.Panel value="integrations" pt="md">
        <Integrations />
      </Tabs.Panel>
    </Tabs>
  </Stack>
);
