import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REMINDER_STEPS,
  nextReminder,
  type ReminderStep,
  reminderDue,
  scheduleProblems,
  whenWords,
} from './reminders';
import { addDays } from './time';

const due = '2026-12-17';
const issued = '2026-12-03';
const at = (today: string, used: number[] = []) => ({ dueDate: due, issueDate: issued, today, used });

describe('which reminder is due', () => {
  it.each([
    ['two weeks before the due date', '2026-12-03', [], null],
    ['the day before the friendly step', '2026-12-13', [], null],
    ['three days before: friendly', '2026-12-14', [], -3],
    ['friendly sent, due date', '2026-12-17', [-3], null],
    ['a week late: firm', '2026-12-24', [-3], 7],
    ['a week late, friendly never went (reminders turned on late): firm', '2026-12-24', [], 7],
    ['30 days late, nothing sent: the final letter only', '2027-01-16', [], 21],
    ['30 days late, final sent', '2027-01-16', [-3, 7, 21], null],
    ['50 days late after the final: collections', '2027-02-05', [-3, 7, 21], 45],
    ['everything used', '2027-06-01', [-3, 7, 21, 45], null],
  ])('%s', (_what, today, used, expected) => {
    expect(reminderDue(DEFAULT_REMINDER_STEPS, at(today, used))?.days ?? null).toBe(expected);
  });

  it('sends no step that falls on or before the day the invoice went out', () => {
    // Due in 2 days: the friendly step (3 days before) would fall before the invoice existed.
    const s = { dueDate: '2026-12-05', issueDate: '2026-12-03', used: [] };
    expect(reminderDue(DEFAULT_REMINDER_STEPS, { ...s, today: '2026-12-04' })).toBeNull();
    expect(nextReminder(DEFAULT_REMINDER_STEPS, { ...s, today: '2026-12-04' })).toEqual({
      step: DEFAULT_REMINDER_STEPS[1],
      on: '2026-12-12',
    });
  });

  it('says what comes next and when', () => {
    expect(nextReminder(DEFAULT_REMINDER_STEPS, at('2026-12-03'))).toMatchObject({ on: '2026-12-14' });
    expect(nextReminder(DEFAULT_REMINDER_STEPS, at('2026-12-14'))).toMatchObject({ on: '2026-12-14' });
    expect(nextReminder(DEFAULT_REMINDER_STEPS, at('2026-12-15', [-3]))).toMatchObject({ on: '2026-12-24' });
    expect(nextReminder(DEFAULT_REMINDER_STEPS, at('2027-06-01', [-3, 7, 21, 45]))).toBeNull();
  });

  it('never repeats a step and never goes back to a softer one, whatever the days and the order of sending', () => {
    const step = fc.record({
      days: fc.integer({ min: -30, max: 120 }),
      tone: fc.constantFrom('friendly', 'firm', 'final', 'collections'),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(step, { minLength: 1, maxLength: 6, selector: (s) => s.days }),
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 30 }),
        (raw, terms, gaps) => {
          const steps: ReminderStep[] = raw.map((r) => ({ ...r, subject: null, body: null }));
          const dueDate = addDays(issued, terms);
          const used: number[] = [];
          let today = issued;
          for (const gap of gaps) {
            today = addDays(today, gap);
            const s = reminderDue(steps, { dueDate, issueDate: issued, today, used });
            if (!s) continue;
            expect(used.every((u) => u < s.days)).toBe(true);
            expect(addDays(dueDate, s.days) <= today).toBe(true);
            expect(addDays(dueDate, s.days) > issued).toBe(true);
            used.push(s.days);
          }
        },
      ),
    );
  });
});

describe('reminder words', () => {
  it.each([
    ['2026-12-14', 'due in 3 days'],
    ['2026-12-16', 'due tomorrow'],
    ['2026-12-17', 'due today'],
    ['2026-12-18', '1 day overdue'],
    ['2027-01-07', '21 days overdue'],
  ])('%s: %s', (today, words) => expect(whenWords(due, today)).toBe(words));
});

describe('a schedule the organization writes', () => {
  it('is refused field by field: two steps on one day, unknown placeholders, empty wording, none at all', () => {
    expect(
      scheduleProblems([
        { days: 7, tone: 'firm', subject: 'Overdue {{number}}', body: null },
        { days: 7, tone: 'final', subject: null, body: 'Pay {{amonut}} by {{dew}}' },
        { days: 14, tone: 'final', subject: ' ', body: null },
      ]),
    ).toEqual([
      { field: 'steps.1.days', message: 'two steps on the same day (7 days after the due date)' },
      { field: 'steps.1.body', message: 'unknown placeholders {{amonut}}, {{dew}}' },
      { field: 'steps.2.subject', message: 'must not be empty' },
    ]);
    expect(scheduleProblems([])).toEqual([{ field: 'steps', message: 'a schedule needs at least one step' }]);
    expect(scheduleProblems(DEFAULT_REMINDER_STEPS)).toEqual([]);
  });
});
