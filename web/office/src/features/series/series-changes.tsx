import {
  Button,
  Group,
  MultiSelect,
  NumberInput,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { ResumeSeriesBody, SplitSeriesBody, StopSeriesBody } from '../../../../../src/contracts/series';
import { defaultSchedule, type Schedule, scheduleOf, toRrule } from '../../../../../src/core/schedule';
import { addDays, businessDate } from '../../../../../src/core/time';
import { api, type UserT } from '../../shared/api';
import { useContractForm } from '../../shared/form';
import { dayText, plural } from '../../shared/format';
import { useMe } from '../../shared/me';
import type { SeriesT } from './new-series';
import { followStart, ScheduleFields } from './schedule-fields';

type Done = (next: SeriesT, message: string) => void;

/** The first day a change can take effect: the next visit nobody has started, or tomorrow. */
export const firstChangeableDay = (s: SeriesT, today: string): string => {
  const next = s.visits.find(
    (v) => v.occurrenceDate && v.occurrenceDate > today && ['scheduled', 'dispatched'].includes(v.status),
  );
  return next?.occurrenceDate ?? addDays(today, 1);
};

/**
 * "This and following": from a date on, the service runs on a new schedule, time, crew or scope. Visits not
 * yet started keep their job numbers and move; those the new schedule has no day for are closed.
 */
export const ChangeFollowing = ({
  series: s,
  technicians,
  onClose,
  onDone,
}: {
  series: SeriesT;
  technicians: UserT[];
  onClose: () => void;
  onDone: Done;
}) => {
  const tz = useMe().organization.timeZone;
  const today = businessDate(new Date(), tz);
  type Values = {
    fromDate: string;
    schedule: Schedule;
    startTime: string;
    hours: number | string;
    crew: string[];
    scope: string;
    reason: string;
  };
  const from = firstChangeableDay(s, today);
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: SplitSeriesBody,
    initialValues: {
      fromDate: from,
      schedule: scheduleOf(s.rrule) ?? defaultSchedule(from),
      startTime: s.startTime,
      hours: s.durationMinutes / 60,
      crew: s.crew,
      scope: s.scope,
      reason: '',
    } satisfies Values,
    toBody: (v: Values) => ({
      fromDate: v.fromDate,
      reason: v.reason,
      rrule: toRrule(v.schedule),
      startTime: v.startTime,
      durationMinutes: Math.round(Number(v.hours) * 60),
      crew: v.crew,
      scope: v.scope,
    }),
  });
  const v = form.getValues();
  return (
    <form
      noValidate
      aria-label="Change this and following visits"
      onSubmit={submit(async (body) => {
        const r = await api<{ series: SeriesT; moved: number; canceled: number; created: number }>(
          'POST',
          `/api/v1/series/${s.id}/split`,
          body,
        );
        onDone(
          r.series,
          `From ${dayText(body.fromDate)} the service runs on the new plan: ${plural(r.moved, 'visit', 'visits')} moved, ${plural(r.canceled, 'visit', 'visits')} closed, ${plural(r.created, 'visit', 'visits')} added.`,
        );
      })}
    >
      <Stack>
        <TextInput
          type="date"
          label="From"
          description="Visits before this day stay as they are"
          required
          {...form.getInputProps('fromDate')}
          onChange={(e) => {
            const next = e.currentTarget.value;
            form.setFieldValue('schedule', followStart(v.schedule, v.fromDate, next));
            form.setFieldValue('fromDate', next);
          }}
        />
        <ScheduleFields
          value={v.schedule}
          onChange={(sc) => form.setFieldValue('schedule', sc)}
          startDate={v.fromDate}
          startTime={v.startTime}
          timeZone={tz}
          error={typeof form.errors.rrule === 'string' ? form.errors.rrule : undefined}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
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
        <MultiSelect
          label="Crew"
          data={technicians.map((u) => ({ value: u.id, label: u.name }))}
          {...form.getInputProps('crew')}
        />
        <Textarea label="Work at each visit" autosize minRows={2} required {...form.getInputProps('scope')} />
        <Textarea
          label="Why the change"
          description="Kept with the service's history"
          required
          {...form.getInputProps('reason')}
        />
        {errorAlert}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Change from this date
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

/** Pause or end from a date, with the reason; unstarted visits from then on are closed, finished work stays. */
export const StopSeries = ({
  series: s,
  action,
  onClose,
  onDone,
}: {
  series: SeriesT;
  action: 'pause' | 'end';
  onClose: () => void;
  onDone: Done;
}) => {
  const tz = useMe().organization.timeZone;
  const today = businessDate(new Date(), tz);
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: StopSeriesBody,
    initialValues: { fromDate: firstChangeableDay(s, today), reason: '' },
    toBody: (v) => v,
  });
  const words = action === 'pause' ? 'Pause' : 'End';
  return (
    <form
      noValidate
      aria-label={`${words} the recurring service`}
      onSubmit={submit(async (body) => {
        const r = await api<{ series: SeriesT; canceled: number }>(
          'POST',
          `/api/v1/series/${s.id}/${action}`,
          body,
        );
        onDone(
          r.series,
          `${action === 'pause' ? 'Paused' : 'Ended'} from ${dayText(body.fromDate)}: ${plural(r.canceled, 'visit', 'visits')} closed.`,
        );
      })}
    >
      <Stack>
        <Text size="sm">
          {action === 'pause'
            ? 'No visits from this day until you resume the service. Visits already started are kept.'
            : 'No visits from this day on. Finished visits and their invoices stay as they are.'}
        </Text>
        <TextInput type="date" label="No visits from" required {...form.getInputProps('fromDate')} />
        <Textarea label="Reason" required {...form.getInputProps('reason')} />
        {errorAlert}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Keep as is
          </Button>
          <Button type="submit" color={action === 'end' ? 'red' : 'yellow'} loading={busy}>
            {words} the service
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

/** Resume a paused service from a date, on the schedule it had. */
export const ResumeSeries = ({
  series: s,
  onClose,
  onDone,
}: {
  series: SeriesT;
  onClose: () => void;
  onDone: Done;
}) => {
  const tz = useMe().organization.timeZone;
  const today = businessDate(new Date(), tz);
  const earliest = s.endDate && s.endDate >= today ? addDays(s.endDate, 1) : today;
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: ResumeSeriesBody,
    initialValues: { fromDate: earliest },
    toBody: (v) => v,
  });
  return (
    <form
      noValidate
      aria-label="Resume the recurring service"
      onSubmit={submit(async (body) => {
        const r = await api<{ series: SeriesT; created: number }>(
          'POST',
          `/api/v1/series/${s.id}/resume`,
          body,
        );
        onDone(
          r.series,
          `Resumed: ${plural(r.created, 'visit', 'visits')} booked from ${dayText(body.fromDate)}.`,
        );
      })}
    >
      <Stack>
        <TextInput
          type="date"
          label="Visits again from"
          description="The first visit is the schedule's first day on or after this date"
          required
          {...form.getInputProps('fromDate')}
        />
        {errorAlert}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Resume the service
          </Button>
        </Group>
      </Stack>
    </form>
  );
};
