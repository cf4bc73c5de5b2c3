import {
  Button,
  Group,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import type { z } from 'zod';
import { CreateSeriesBody, type Series } from '../../../../../src/contracts/series';
import { defaultSchedule, type Schedule, toRrule } from '../../../../../src/core/schedule';
import { addDays, businessDate } from '../../../../../src/core/time';
import { api, type CustomerT, type JobTypeT, listAll, type UserT } from '../../shared/api';
import { EditModal } from '../../shared/edit-modal';
import { useContractForm } from '../../shared/form';
import { Loaded } from '../../shared/loaded';
import { useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';
import { followStart, ScheduleFields } from './schedule-fields';

export type SeriesT = z.infer<typeof Series>;

type Values = {
  customerId: string;
  siteId: string;
  jobTypeId: string;
  scope: string;
  startDate: string;
  startTime: string;
  hours: number | string;
  crew: string[];
  schedule: Schedule;
  billingRule: 'per_visit' | 'per_cycle';
  billingCycle: 'weekly' | 'monthly' | 'quarterly';
};

const BILLING = [
  { value: 'per_visit', label: 'Invoice each visit' },
  { value: 'per_cycle', label: 'One invoice per period' },
];
const CYCLES = [
  { value: 'weekly', label: 'Weekly' },
  { value: 'monthly', label: 'Monthly' },
  { value: 'quarterly', label: 'Quarterly' },
];

/** People, places and job types a recurring service is booked with. */
const useBookingRefs = (opened: boolean) =>
  useApi(['customers', 'series-refs', opened], async () => {
    if (!opened) return null;
    const [customers, jobTypes, users] = await Promise.all([
      listAll<CustomerT>('/api/v1/customers'),
      api<{ items: JobTypeT[] }>('GET', '/api/v1/job-types'),
      listAll<UserT>('/api/v1/users'),
    ]);
    return {
      customers,
      jobTypes: jobTypes.items,
      technicians: users.filter((u) => u.active && u.roles.includes('technician')),
    };
  });

type Refs = NonNullable<ReturnType<typeof useBookingRefs>['data']>;

const SeriesForm = ({
  refs,
  customerId,
  onClose,
  onCreated,
}: {
  refs: Refs;
  customerId?: string | undefined;
  onClose: () => void;
  onCreated: (s: SeriesT) => void;
}) => {
  const me = useMe();
  const tz = me.organization.timeZone;
  const start = addDays(businessDate(new Date(), tz), 1);
  const only = (id: string) => {
    const c = refs.customers.find((x) => x.id === id);
    return c?.sites.length === 1 ? (c.sites[0]?.id ?? '') : '';
  };
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: CreateSeriesBody,
    initialValues: {
      customerId: customerId ?? '',
      siteId: customerId ? only(customerId) : '',
      jobTypeId: '',
      scope: '',
      startDate: start,
      startTime: '09:00',
      hours: 2,
      crew: [],
      schedule: defaultSchedule(start),
      billingRule: 'per_visit' as Values['billingRule'],
      billingCycle: 'monthly' as Values['billingCycle'],
    } satisfies Values,
    toBody: (v: Values) => ({
      customerId: v.customerId,
      siteId: v.siteId,
      jobTypeId: v.jobTypeId,
      scope: v.scope,
      rrule: toRrule(v.schedule),
      startDate: v.startDate,
      startTime: v.startTime,
      durationMinutes: Math.round(Number(v.hours) * 60),
      crew: v.crew,
      billingRule: v.billingRule,
      billingCycle: v.billingRule === 'per_cycle' ? v.billingCycle : null,
    }),
  });
  const v = form.getValues();
  const customer = refs.customers.find((c) => c.id === v.customerId);
  return (
    <form
      noValidate
      aria-label="New recurring service"
      onSubmit={submit(async (body) => {
        onCreated(await api<SeriesT>('POST', '/api/v1/series', body));
      })}
    >
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Customer"
            searchable
            required
            data={refs.customers.map((c) => ({ value: c.id, label: c.name }))}
            {...form.getInputProps('customerId')}
            onChange={(id) => {
              form.setFieldValue('customerId', id ?? '');
              form.setFieldValue('siteId', id ? only(id) : '');
            }}
          />
          <Select
            label="Site"
            required
            allowDeselect={false}
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
            allowDeselect={false}
            data={refs.jobTypes.map((t) => ({ value: t.id, label: t.name }))}
            {...form.getInputProps('jobTypeId')}
            onChange={(id) => {
              form.setFieldValue('jobTypeId', id ?? '');
              const t = refs.jobTypes.find((x) => x.id === id);
              if (!t) return;
              form.setFieldValue('hours', Math.round((t.defaultDurationMinutes / 60) * 4) / 4);
              // A job type billed per cycle (a cleaning contract) is invoiced per period by default.
              form.setFieldValue('billingRule', t.billingMode === 'per_cycle' ? 'per_cycle' : 'per_visit');
            }}
          />
          <MultiSelect
            label="Crew"
            placeholder={v.crew.length ? undefined : 'Assign later'}
            data={refs.technicians.map((u) => ({ value: u.id, label: u.name }))}
            {...form.getInputProps('crew')}
          />
        </SimpleGrid>
        <Textarea label="Work at each visit" required autosize minRows={2} {...form.getInputProps('scope')} />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            type="date"
            label="First visit on or after"
            required
            {...form.getInputProps('startDate')}
            onChange={(e) => {
              const next = e.currentTarget.value;
              form.setFieldValue('schedule', followStart(v.schedule, v.startDate, next));
              form.setFieldValue('startDate', next);
            }}
          />
          <TextInput type="time" label="Arrival time" required {...form.getInputProps('startTime')} />
          <NumberInput
            label="Hours on site"
            min={0.25}
            max={24}
            step={0.25}
            decimalScale={2}
            {...form.getInputProps('hours')}
            error={form.errors.durationMinutes}
          />
        </SimpleGrid>
        <ScheduleFields
          value={v.schedule}
          onChange={(s) => form.setFieldValue('schedule', s)}
          startDate={v.startDate}
          startTime={v.startTime}
          timeZone={tz}
          error={typeof form.errors.rrule === 'string' ? form.errors.rrule : undefined}
        />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Billing
          </Text>
          <Group gap="sm" align="flex-end">
            <SegmentedControl aria-label="Billing" data={BILLING} {...form.getInputProps('billingRule')} />
            {v.billingRule === 'per_cycle' && (
              <Select
                aria-label="Invoice period"
                w={150}
                allowDeselect={false}
                data={CYCLES}
                {...form.getInputProps('billingCycle')}
              />
            )}
          </Group>
        </Stack>
        {errorAlert}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Create recurring service
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

/** Books a recurring service: each visit up to the horizon becomes its own job on the board. */
export const NewSeries = ({
  opened,
  onClose,
  customerId,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  customerId?: string | undefined;
  onCreated: (s: SeriesT) => void;
}) => {
  const refs = useBookingRefs(opened);
  const invalidate = useInvalidate();
  return (
    <EditModal opened={opened} onClose={onClose} title="New recurring service" size="xl">
      <Loaded resource={refs} what="customers and job types">
        {(r) =>
          r && (
            <SeriesForm
              refs={r}
              customerId={customerId}
              onClose={onClose}
              onCreated={(s) => {
                invalidate('series', 'jobs', 'board');
                onCreated(s);
              }}
            />
          )
        }
      </Loaded>
    </EditModal>
  );
};
