import { Chip, Group, NumberInput, SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { occurrencesBetween } from '../../../../../src/core/recurrence';
import {
  NTH_NAMES,
  type Nth,
  nthOf,
  type Schedule,
  toRrule,
  WEEKDAY_NAMES,
  WEEKDAYS,
  type Weekday,
  weekdayOf,
} from '../../../../../src/core/schedule';
import { addDays } from '../../../../../src/core/time';
import { dateTime } from '../../shared/format';

const KINDS = [
  { value: 'weekly', label: 'Weekly' },
  { value: 'monthly_date', label: 'Monthly by date' },
  { value: 'monthly_weekday', label: 'Monthly by weekday' },
  { value: 'daily', label: 'Every few days' },
] as const;

const UNIT: Record<Schedule['kind'], string> = {
  weekly: 'weeks',
  monthly_date: 'months',
  monthly_weekday: 'months',
  daily: 'days',
};

/** The day of the month a date gives a monthly schedule; past the 28th it is "the last day". */
const dayOfMonth = (date: string): number => {
  const d = Number(date.slice(8, 10));
  return d > 28 ? -1 : d;
};

const same = (a: Schedule, b: Schedule) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A schedule still as the first visit's date made it follows that date when it changes (a Friday start
 * picked "Friday"; moving the start to a Monday picks Monday); one the person shaped is left alone.
 */
export const followStart = (s: Schedule, before: string, after: string): Schedule => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(after) || !/^\d{4}-\d{2}-\d{2}$/.test(before)) return s;
  return same(s, switchKind(s, s.kind, before)) ? switchKind(s, s.kind, after) : s;
};

/** The same preset in another shape, keeping what carries over (the interval, the first visit's weekday). */
const switchKind = (s: Schedule, kind: Schedule['kind'], startDate: string): Schedule => {
  const interval = s.interval;
  switch (kind) {
    case 'weekly':
      return { kind, interval, days: [weekdayOf(startDate)] };
    case 'monthly_date':
      return { kind, interval, day: dayOfMonth(startDate) };
    case 'monthly_weekday':
      return { kind, interval, nth: nthOf(startDate), weekday: weekdayOf(startDate) };
    case 'daily':
      return { kind, interval };
  }
};

/** The next visits a schedule makes, shown before anything is saved; the server computes the same. */
export const firstVisits = (
  schedule: Schedule,
  startDate: string,
  startTime: string,
  timeZone: string,
  count = 4,
): Date[] => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate) || !/^\d{2}:\d{2}$/.test(startTime)) return [];
  if (schedule.kind === 'weekly' && schedule.days.length === 0) return [];
  try {
    return occurrencesBetween({
      rrule: toRrule(schedule),
      startDate,
      startTime,
      durationMinutes: 60,
      timeZone,
      from: startDate,
      to: addDays(startDate, 400),
    })
      .slice(0, count)
      .map((o) => o.start);
  } catch {
    return [];
  }
};

/**
 * How often the crew comes back, as people say it: weekly on chosen days, monthly on a date or on the nth
 * weekday, or every few days; never RRULE syntax. The first visits are previewed as the person edits.
 */
export const ScheduleFields = ({
  value,
  onChange,
  startDate,
  startTime,
  timeZone,
  error,
}: {
  value: Schedule;
  onChange: (s: Schedule) => void;
  startDate: string;
  startTime: string;
  timeZone: string;
  error?: string | undefined;
}) => {
  const preview = firstVisits(value, startDate, startTime, timeZone);
  return (
    <Stack gap="xs">
      <SegmentedControl
        aria-label="How often"
        data={KINDS.map((k) => ({ ...k }))}
        value={value.kind}
        onChange={(k) => onChange(switchKind(value, k as Schedule['kind'], startDate))}
        fullWidth
      />
      <Group align="flex-end" gap="sm" wrap="wrap">
        <NumberInput
          label={`Every how many ${UNIT[value.kind]}`}
          min={1}
          max={52}
          w={200}
          value={value.interval}
          onChange={(n) => onChange({ ...value, interval: Math.max(1, Number(n) || 1) })}
        />
        {value.kind === 'monthly_date' && (
          <Select
            label="On day"
            w={160}
            allowDeselect={false}
            data={[
              ...Array.from({ length: 28 }, (_, i) => ({ value: String(i + 1), label: String(i + 1) })),
              { value: '-1', label: 'Last day' },
            ]}
            value={String(value.day)}
            onChange={(d) => d && onChange({ ...value, day: Number(d) })}
          />
        )}
        {value.kind === 'monthly_weekday' && (
          <>
            <Select
              label="Which"
              w={130}
              allowDeselect={false}
              data={([1, 2, 3, 4, -1] as Nth[]).map((n) => ({ value: String(n), label: NTH_NAMES[n] }))}
              value={String(value.nth)}
              onChange={(n) => n && onChange({ ...value, nth: Number(n) as Nth })}
            />
            <Select
              label="Weekday"
              w={150}
              allowDeselect={false}
              data={WEEKDAYS.map((d) => ({ value: d, label: WEEKDAY_NAMES[d] }))}
              value={value.weekday}
              onChange={(d) => d && onChange({ ...value, weekday: d as Weekday })}
            />
          </>
        )}
      </Group>
      {value.kind === 'weekly' && (
        <Chip.Group
          multiple
          value={value.days}
          onChange={(days) => onChange({ ...value, days: days as Weekday[] })}
        >
          <Group gap={6} role="group" aria-label="On these days">
            {WEEKDAYS.map((d) => (
              <Chip key={d} value={d} size="sm">
                {WEEKDAY_NAMES[d].slice(0, 3)}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
      )}
      {error && (
        <Text size="sm" c="red.8" role="alert">
          {error}
        </Text>
      )}
      <Text size="sm" c="dimmed" aria-live="polite" data-testid="first-visits">
        {preview.length > 0
          ? `First visits: ${preview.map((d) => dateTime(d.toISOString(), timeZone)).join(' · ')}`
          : value.kind === 'weekly' && value.days.length === 0
            ? 'Choose at least one day.'
            : 'No visits on this schedule.'}
      </Text>
    </Stack>
  );
};
