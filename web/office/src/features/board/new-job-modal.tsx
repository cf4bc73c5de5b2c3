import {
  Button,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import type { z } from 'zod';
import { CreateJobBody } from '../../../../../src/contracts/jobs';
import { zonedToInstant } from '../../../../../src/core/time';
import {
  api,
  type CustomerT,
  type JobT,
  type JobTypeT,
  listAll,
  type MeT,
  type TaxCodeT,
  type UserT,
} from '../../shared/api';
import { CustomFieldInputs, fieldDefsOf, fieldValuesOf } from '../../shared/custom-fields';
import { orNull, useContractForm } from '../../shared/form';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

type Values = {
  customerId: string | null;
  siteId: string | null;
  jobTypeId: string | null;
  technicianId: string | null;
  scope: string;
  day: string;
  start: string;
  hours: number | string;
  depositRequired: boolean;
  depositAmount: string;
  discountPercent: string;
  poNumber: string;
  customFields: Record<string, string>;
};

/** The service window from a day, a start time and hours, in the organization's zone; null when unreadable. */
const windowOf = (v: Values, tz: string): { start: string; end: string } | null => {
  const hours = Number(v.hours);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v.day) || !/^\d{2}:\d{2}$/.test(v.start) || !(hours > 0)) return null;
  const start = zonedToInstant(v.day, v.start, tz);
  if (Number.isNaN(start.getTime())) return null;
  return { start: start.toISOString(), end: new Date(start.getTime() + hours * 3_600_000).toISOString() };
};

/** Book a job: who, where, what, when and who goes; billing facts when the booking already knows them. */
export const NewJobModal = ({
  me,
  opened,
  onClose,
  date,
  onCreated,
}: {
  me: MeT;
  opened: boolean;
  onClose: () => void;
  date: string;
  onCreated: (job: JobT) => void;
}) => {
  const tz = me.organization.timeZone;
  const billsFacts = me.permissions.includes('jobs.billing');
  const refs = useApi(['customers', 'booking-refs', opened], async () => {
    if (!opened) return null;
    const [customers, jobTypes, users, taxCodes] = await Promise.all([
      listAll<CustomerT>('/api/v1/customers'),
      api<{ items: JobTypeT[] }>('GET', '/api/v1/job-types'),
      listAll<UserT>('/api/v1/users'),
      api<{ items: TaxCodeT[] }>('GET', '/api/v1/tax-codes'),
    ]);
    return { customers, jobTypes: jobTypes.items, users, taxCodes: taxCodes.items };
  });
  // The chosen job type's own fields: those asked at booking, and those the technician fills in later.
  const defsOf = (jobTypeId: string | null) =>
    fieldDefsOf(refs.data?.jobTypes.find((t) => t.id === jobTypeId));
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: CreateJobBody,
    initialValues: {
      customerId: null,
      siteId: null,
      jobTypeId: null,
      technicianId: null,
      scope: '',
      day: date,
      start: '09:00',
      hours: 2,
      depositRequired: false,
      depositAmount: '',
      discountPercent: '',
      poNumber: '',
      customFields: {},
    } satisfies Values as Values,
    toBody: (v: Values) => {
      const window = windowOf(v, tz);
      const fields = fieldValuesOf(defsOf(v.jobTypeId), v.customFields);
      return {
        customerId: v.customerId ?? undefined,
        siteId: v.siteId ?? undefined,
        jobTypeId: v.jobTypeId ?? undefined,
        scope: v.scope,
        windowStart: window?.start,
        windowEnd: window?.end,
        crew: v.technicianId ? [v.technicianId] : [],
        ...(v.depositRequired
          ? { depositRequired: true, depositAmount: orNull(v.depositAmount.replace(',', '.')) }
          : {}),
        ...(v.discountPercent.trim() ? { discountPercent: v.discountPercent.trim().replace(',', '.') } : {}),
        ...(v.poNumber.trim() ? { poNumber: v.poNumber.trim() } : {}),
        ...(Object.keys(fields).length > 0 ? { customFields: fields } : {}),
      } as z.input<typeof CreateJobBody>;
    },
    // The window is asked for as a day, a start and hours.
    fields: { windowStart: 'day', windowEnd: 'hours' },
  });
  const data = refs.data;
  const customer = data?.customers.find((c) => c.id === form.values.customerId);
  return (
    <Modal opened={opened} onClose={onClose} title="New job" size="lg">
      <Loaded resource={refs} what="customers and job types">
        {(d) =>
          d && (
            <form
              noValidate
              aria-label="New job"
              onSubmit={submit(async (body) => {
                const job = await api<JobT>('POST', '/api/v1/jobs', body);
                onCreated(job);
                form.setValues({ scope: '', poNumber: '', discountPercent: '', customFields: {} });
              })}
            >
              <Stack gap="sm">
                <Select
                  label="Customer"
                  searchable
                  required
                  data={d.customers.map((c) => ({ value: c.id, label: c.name }))}
                  {...form.getInputProps('customerId')}
                  onChange={(v) => {
                    const c = d.customers.find((x) => x.id === v);
                    form.setValues({
                      customerId: v,
                      siteId: c?.sites.length === 1 ? (c.sites[0]?.id ?? null) : null,
                    });
                  }}
                />
                <Select
                  label="Site"
                  required
                  disabled={!customer}
                  data={(customer?.sites ?? []).map((s) => ({
                    value: s.id,
                    label: `${s.name}, ${s.address.line1}, ${s.address.city}`,
                  }))}
                  {...form.getInputProps('siteId')}
                />
                <Select
                  label="Job type"
                  required
                  data={d.jobTypes.map((t) => ({ value: t.id, label: t.name }))}
                  {...form.getInputProps('jobTypeId')}
                  onChange={(v) => {
                    const t = d.jobTypes.find((x) => x.id === v);
                    form.setValues({
                      jobTypeId: v,
                      customFields: {},
                      ...(t ? { hours: Math.round((t.defaultDurationMinutes / 60) * 4) / 4 } : {}),
                    });
                  }}
                />
                <Textarea label="Scope" required {...form.getInputProps('scope')} />
                <CustomFieldInputs
                  defs={defsOf(form.values.jobTypeId)}
                  values={form.values.customFields}
                  errors={form.errors}
                  onChange={(key, value) => form.setFieldValue(`customFields.${key}`, value)}
                />
                <Group grow>
                  <TextInput type="date" label="Date" required {...form.getInputProps('day')} />
                  <TextInput type="time" label="Start" required {...form.getInputProps('start')} />
                  <NumberInput
                    label="Hours"
                    min={0.25}
                    max={24}
                    step={0.25}
                    {...form.getInputProps('hours')}
                  />
                </Group>
                <Select
                  label="Technician"
                  clearable
                  placeholder="Unassigned"
                  data={d.users
                    .filter((u) => u.active && u.roles.includes('technician'))
                    .map((u) => ({ value: u.id, label: u.name }))}
                  {...form.getInputProps('technicianId')}
                />
                {/* Billing facts are billing's and the owner's: a dispatcher books without them. */}
                {billsFacts ? (
                  <>
                    <Title order={5}>Billing facts</Title>
                    <Group grow align="flex-end">
                      <Switch
                        label="Deposit required"
                        {...form.getInputProps('depositRequired', { type: 'checkbox' })}
                      />
                      <TextInput
                        label={`Deposit (${me.organization.currency})`}
                        disabled={!form.values.depositRequired}
                        {...form.getInputProps('depositAmount')}
                        inputMode="decimal"
                      />
                    </Group>
                    <Group grow>
                      <TextInput
                        label="Discount %"
                        {...form.getInputProps('discountPercent')}
                        inputMode="decimal"
                      />
                      <TextInput label="PO number" {...form.getInputProps('poNumber')} />
                    </Group>
                  </>
                ) : (
                  <Text size="sm" c="dimmed">
                    Deposit, discount and PO number are set by billing or the owner, on the job's page.
                  </Text>
                )}
                {errorAlert}
                <Group justify="flex-end">
                  <Button variant="default" onClick={onClose}>
                    Cancel
                  </Button>
                  <Button type="submit" loading={busy}>
                    Create job
                  </Button>
                </Group>
              </Stack>
            </form>
          )
        }
      </Loaded>
    </Modal>
  );
};
