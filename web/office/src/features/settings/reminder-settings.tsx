import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Code,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import Decimal from 'decimal.js';
import { useState } from 'react';
import type { z } from 'zod';
import { BillingSettingsBody } from '../../../../../src/contracts/billing';
import { type ReminderSchedule, ReminderScheduleBody } from '../../../../../src/contracts/collections';
import { transferWords } from '../../../../../src/core/invoice-email';
import { fillTemplate } from '../../../../../src/core/message-template';
import { printAmount } from '../../../../../src/core/money';
import {
  DEFAULT_REMINDER_STEPS,
  DEFAULT_REMINDER_WORDING,
  REMINDER_FIELDS,
  REMINDER_TONES,
  type ReminderStep,
  type ReminderTone,
  type ReminderValues,
  stepWords,
  TONE_WORDS,
  whenWords,
} from '../../../../../src/core/reminders';
import { addDays, businessDate, printDate } from '../../../../../src/core/time';
import { api, type MeT } from '../../shared/api';
import { Feedback, useSubmit } from '../../shared/feedback';
import { useContractForm } from '../../shared/form';
import { money, plural } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useApi, useInvalidate } from '../../shared/query';

type Org = MeT['organization'];
type ScheduleT = z.infer<typeof ReminderSchedule>;
type Side = 'before' | 'on' | 'after';
type FeeKind = 'none' | 'fixed' | 'percent';
type StepValues = {
  count: number | string;
  side: Side;
  tone: ReminderTone;
  subject: string;
  body: string;
  feeKind: FeeKind;
  fee: string;
};
type Values = { name: string; steps: StepValues[]; lateFeeCap: string };
const FEE_KINDS = [
  { value: 'none', label: 'No late fee' },
  { value: 'fixed', label: 'Late fee: a fixed amount' },
  { value: 'percent', label: 'Late fee: % of what is owed' },
];

const HOURS = Array.from({ length: 24 }, (_, h) => ({
  value: String(h),
  label: `${String(h).padStart(2, '0')}:00`,
}));
const SIDES = [
  { value: 'before', label: 'days before the due date' },
  { value: 'on', label: 'on the due date' },
  { value: 'after', label: 'days after the due date' },
];
const TONES = REMINDER_TONES.map((t) => ({ value: t, label: TONE_WORDS[t] }));

const stepValues = (s: ReminderStep): StepValues => ({
  count: Math.abs(s.days),
  side: s.days < 0 ? 'before' : s.days === 0 ? 'on' : 'after',
  tone: s.tone,
  subject: s.subject ?? DEFAULT_REMINDER_WORDING[s.tone].subject,
  body: s.body ?? DEFAULT_REMINDER_WORDING[s.tone].body,
  feeKind: s.lateFee?.kind ?? 'none',
  fee: s.lateFee ? (s.lateFee.kind === 'fixed' ? s.lateFee.amount : s.lateFee.rate) : '',
});
const daysOf = (v: StepValues) => {
  const n = Number(v.count) || 0;
  return v.side === 'on' ? 0 : v.side === 'before' ? -n : n;
};
/** Wording left as the tone's own is stored as null, so a better default later reaches it. */
const stepOf = (v: StepValues): ReminderStep => {
  const d = DEFAULT_REMINDER_WORDING[v.tone];
  return {
    days: daysOf(v),
    tone: v.tone,
    subject: v.subject.trim() === d.subject ? null : v.subject,
    body: v.body.trim() === d.body ? null : v.body,
    lateFee:
      v.feeKind === 'fixed'
        ? { kind: 'fixed', amount: v.fee.trim().replace(',', '.') }
        : v.feeKind === 'percent'
          ? { kind: 'percent', rate: v.fee.trim().replace(',', '.') }
          : null,
  };
};

/** A reminder of this organization as the customer would read it, a week late on a sample invoice. */
const sampleOf = (org: Org, days: number): ReminderValues => {
  const today = businessDate(new Date(), org.timeZone);
  const due = addDays(today, -days);
  const number = `INV-${today.slice(0, 4)}-00042`;
  return {
    customer: 'Aoife Byrne',
    organization: org.name,
    number,
    amount: printAmount('1234.50', org.currency),
    due: printDate(due),
    when: whenWords(due, today),
    howToPay: org.iban ? transferWords(org.iban, number) : '',
    payLink: 'Pay online, or see all your invoices with us: https://…/portal',
  };
};

const StepRow = ({
  index,
  form,
  onRemove,
  open,
  onOpen,
  currency,
}: {
  currency: string;
  index: number;
  form: ReturnType<typeof useContractForm<Values, typeof ReminderScheduleBody>>['form'];
  onRemove: () => void;
  open: boolean;
  onOpen: () => void;
}) => {
  const v = form.getValues().steps[index];
  if (!v) return null;
  return (
    <Card withBorder padding="xs" aria-label={`Step ${index + 1}`}>
      <Group align="flex-end" wrap="wrap" gap="xs">
        {v.side !== 'on' && (
          <NumberInput
            label="When"
            w={90}
            min={1}
            max={365}
            allowDecimal={false}
            {...form.getInputProps(`steps.${index}.count`)}
          />
        )}
        <Select
          label={v.side === 'on' ? 'When' : ' '}
          data={SIDES}
          allowDeselect={false}
          w={230}
          {...form.getInputProps(`steps.${index}.side`)}
          error={form.errors[`steps.${index}.days`] ?? form.errors[`steps.${index}.side`]}
        />
        <Select
          label="Tone"
          data={TONES}
          allowDeselect={false}
          w={{ base: '100%', sm: 340 }}
          {...form.getInputProps(`steps.${index}.tone`)}
          onChange={(tone) => {
            if (!tone) return;
            const t = tone as ReminderTone;
            const before = DEFAULT_REMINDER_WORDING[v.tone];
            // Wording never touched follows the tone; wording the owner wrote stays.
            form.setFieldValue(`steps.${index}.tone`, t);
            if (v.subject === before.subject)
              form.setFieldValue(`steps.${index}.subject`, DEFAULT_REMINDER_WORDING[t].subject);
            if (v.body === before.body)
              form.setFieldValue(`steps.${index}.body`, DEFAULT_REMINDER_WORDING[t].body);
          }}
        />
        {v.side === 'after' && v.tone !== 'collections' && (
          <>
            <Select
              label="Late fee"
              data={FEE_KINDS}
              allowDeselect={false}
              w={{ base: '100%', sm: 250 }}
              {...form.getInputProps(`steps.${index}.feeKind`)}
              error={form.errors[`steps.${index}.lateFee`]}
            />
            {v.feeKind !== 'none' && (
              <TextInput
                label={v.feeKind === 'fixed' ? `Amount (${currency})` : 'Percent'}
                w={110}
                inputMode="decimal"
                {...form.getInputProps(`steps.${index}.fee`)}
                error={
                  form.errors[`steps.${index}.lateFee.amount`] ?? form.errors[`steps.${index}.lateFee.rate`]
                }
              />
            )}
          </>
        )}
        <Button variant="subtle" size="xs" onClick={onOpen}>
          {open ? 'Hide the wording' : 'Wording…'}
        </Button>
        <ActionIcon variant="subtle" color="red" aria-label={`Remove step ${index + 1}`} onClick={onRemove}>
          ✕
        </ActionIcon>
      </Group>
      {open && (
        <Stack gap="xs" mt="xs">
          <TextInput label="Subject" {...form.getInputProps(`steps.${index}.subject`)} />
          <Textarea label="Message" autosize minRows={6} {...form.getInputProps(`steps.${index}.body`)} />
        </Stack>
      )}
    </Card>
  );
};

const ScheduleForm = ({
  org,
  schedule,
  onDone,
}: {
  org: Org;
  schedule: ScheduleT;
  onDone: (m: string) => void;
}) => {
  const invalidate = useInvalidate();
  const [open, setOpen] = useState<number | null>(null);
  const remove = useSubmit();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: ReminderScheduleBody,
    initialValues: {
      name: schedule.name,
      steps: schedule.steps.map(stepValues),
      lateFeeCap: schedule.lateFeeCap ?? '',
    } as Values,
    toBody: (v: Values) => ({
      name: v.name,
      // A step moved before the due date or made a hand-over charges nothing.
      steps: v.steps.map((s) =>
        stepOf(s.side === 'after' && s.tone !== 'collections' ? s : { ...s, feeKind: 'none' }),
      ),
      lateFeeCap: v.lateFeeCap.trim() === '' ? null : v.lateFeeCap.trim().replace(',', '.'),
    }),
  });
  const values = form.getValues();
  const shown = values.steps[open ?? -1];
  const save = async (body: z.output<typeof ReminderScheduleBody>) => {
    await api('PUT', `/api/v1/reminder-schedules/${schedule.id}`, body);
    invalidate('organization');
    onDone(`“${body.name}” is saved: the next reminders follow it.`);
  };
  return (
    <Card withBorder component="section" aria-label={`Schedule ${schedule.name}`}>
      <form noValidate onSubmit={submit(save)}>
        <Stack gap="sm">
          <Group justify="space-between">
            <Group gap="xs">
              <Title order={3} size="h5">
                {schedule.name}
              </Title>
              {schedule.isDefault ? (
                <Badge variant="light">Every customer not put on another</Badge>
              ) : (
                <Badge variant="light" color="gray">
                  {plural(schedule.customers, 'customer', 'customers')}
                </Badge>
              )}
            </Group>
          </Group>
          <TextInput label="Name" maw={360} {...form.getInputProps('name')} />
          <SimpleGrid cols={{ base: 1, lg: shown ? 2 : 1 }}>
            <Stack gap="xs">
              {values.steps.map((_s, i) => (
                <StepRow
                  // Steps have no ID of their own until saved; their place is their identity while editing.
                  // biome-ignore lint/suspicious/noArrayIndexKey: see above
                  key={i}
                  index={i}
                  currency={org.currency}
                  form={form}
                  open={open === i}
                  onOpen={() => setOpen(open === i ? null : i)}
                  onRemove={() => {
                    form.removeListItem('steps', i);
                    setOpen(null);
                  }}
                />
              ))}
              {form.errors.steps && (
                <Text c="red" size="sm">
                  {form.errors.steps}
                </Text>
              )}
              <TextInput
                label={`Late fees on one invoice, at most (${org.currency})`}
                description="All the steps' fees together; each fee is its own invoice, e-mailed with the reminder. Empty: no late fees."
                maw={360}
                inputMode="decimal"
                {...form.getInputProps('lateFeeCap')}
              />
            </Stack>
            {shown && (
              <Card withBorder component="section" aria-label="Preview of the reminder" bg="gray.0">
                <Text size="xs" c="dimmed">
                  {shown.tone === 'collections' ? 'What billing is told' : 'What the customer reads'} (
                  {stepWords(daysOf(shown)).toLowerCase()})
                </Text>
                <Text size="sm" fw={600} mt={4}>
                  {fillTemplate(shown.subject, sampleOf(org, daysOf(shown)))}
                </Text>
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} mt="xs">
                  {fillTemplate(shown.body, sampleOf(org, daysOf(shown)))}
                </Text>
                {shown.feeKind !== 'none' && shown.side === 'after' && shown.tone !== 'collections' && (
                  <Text size="sm" mt="xs">
                    As this invoice is {sampleOf(org, daysOf(shown)).when}, a late payment fee of{' '}
                    {shown.feeKind === 'fixed'
                      ? money(/^\d+(\.\d+)?$/.test(shown.fee) ? shown.fee : '0', org.currency)
                      : money(
                          /^\d+(\.\d+)?$/.test(shown.fee)
                            ? new Decimal('1234.50').times(shown.fee).div(100).toFixed(2)
                            : '0',
                          org.currency,
                        )}{' '}
                    is added: invoice INV-…, sent to you with this message.
                  </Text>
                )}
                <Text size="xs" c="dimmed" mt="sm">
                  You can fill in{' '}
                  {Object.keys(REMINDER_FIELDS).map((f) => (
                    <Code key={f} mr={4}>{`{{${f}}}`}</Code>
                  ))}
                </Text>
              </Card>
            )}
          </SimpleGrid>
          {errorAlert}
          {remove.feedback}
          <Group>
            <Button type="submit" loading={busy}>
              Save “{values.name || schedule.name}”
            </Button>
            <Button
              variant="default"
              disabled={values.steps.length >= 8}
              onClick={() => {
                const last = values.steps[values.steps.length - 1];
                form.insertListItem(
                  'steps',
                  stepValues({
                    days: last ? daysOf(last) + 14 : 7,
                    tone: 'firm',
                    subject: null,
                    body: null,
                  }),
                );
              }}
            >
              Add a step
            </Button>
            {!schedule.isDefault && (
              <Button
                variant="subtle"
                color="red"
                loading={remove.busy}
                onClick={() =>
                  void remove.run(async () => {
                    const r = await api<{ customersMoved: number }>(
                      'DELETE',
                      `/api/v1/reminder-schedules/${schedule.id}`,
                    );
                    invalidate('organization');
                    onDone(
                      `“${schedule.name}” is removed${r.customersMoved ? `: ${plural(r.customersMoved, 'customer goes', 'customers go')} back to the default` : ''}.`,
                    );
                    return '';
                  })
                }
              >
                Remove this schedule
              </Button>
            )}
          </Group>
        </Stack>
      </form>
    </Card>
  );
};

const SwitchForm = ({ org, onDone }: { org: Org; onDone: (m: string) => void }) => {
  const invalidate = useInvalidate();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: BillingSettingsBody,
    initialValues: { remindersEnabled: org.remindersEnabled, reminderHour: String(org.reminderHour) },
    toBody: (v: { remindersEnabled: boolean; reminderHour: string }) => ({
      remindersEnabled: v.remindersEnabled,
      reminderHour: Number(v.reminderHour),
    }),
  });
  return (
    <form
      noValidate
      aria-label="Payment reminders"
      onSubmit={submit(async (body) => {
        await api('PATCH', '/api/v1/organization/billing', body);
        invalidate('organization');
        onDone(
          body.remindersEnabled
            ? 'Reminders are on: unpaid invoices are followed up by the schedules below.'
            : 'Reminders are off: no reminder goes until you turn them on again.',
        );
      })}
    >
      <Group align="flex-end">
        <Switch
          label="Follow up unpaid invoices by e-mail"
          {...form.getInputProps('remindersEnabled', { type: 'checkbox' })}
        />
        <Select
          label={`Send from (${org.timeZone.replaceAll('_', ' ')})`}
          data={HOURS}
          w={200}
          allowDeselect={false}
          {...form.getInputProps('reminderHour')}
        />
        <Button type="submit" variant="default" loading={busy}>
          Save
        </Button>
      </Group>
      {errorAlert}
    </form>
  );
};

/**
 * Settings → Customer messages → Payment reminders: on or off, the hour they go, and the schedules (steps
 * around the due date, each with its tone and wording, previewed as the customer reads it).
 */
export const ReminderSettings = () => {
  const org = useApi(['organization'], () => api<Org>('GET', '/api/v1/organization'));
  const schedules = useApi(['organization', 'reminder-schedules'], () =>
    api<{ items: ScheduleT[] }>('GET', '/api/v1/reminder-schedules'),
  );
  const invalidate = useInvalidate();
  const add = useSubmit();
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Stack>
      <Title order={2} size="h4">
        Payment reminders
      </Title>
      <Text size="sm">
        Each unpaid invoice is followed up by its customer’s schedule: one e-mail per step, in the tone you
        choose, with what is still owed and the link to pay. They stop the moment the invoice is paid,
        credited or disputed, or while you pause a customer (a promise to pay) on their page.
      </Text>
      <Feedback notice={notice} onCloseNotice={() => setNotice(null)} />
      <Loaded resource={org} what="the organization">
        {(o) => (
          <>
            <SwitchForm key={`${o.remindersEnabled}-${o.reminderHour}`} org={o} onDone={setNotice} />
            <Loaded resource={schedules} what="the schedules">
              {(s) => (
                <Stack>
                  {s.items.map((x) => (
                    <ScheduleForm key={`${x.id}-${x.version}`} org={o} schedule={x} onDone={setNotice} />
                  ))}
                  {add.feedback}
                  <Group>
                    <Button
                      variant="light"
                      loading={add.busy}
                      onClick={() =>
                        void add.run(async () => {
                          const name = `Schedule ${s.items.length + 1}`;
                          await api('POST', '/api/v1/reminder-schedules', {
                            name,
                            steps: DEFAULT_REMINDER_STEPS,
                          });
                          invalidate('organization');
                          return `“${name}” is added: rename it, change its steps, and put customers on it from their page.`;
                        })
                      }
                    >
                      Add a schedule (for commercial accounts, say)
                    </Button>
                  </Group>
                </Stack>
              )}
            </Loaded>
          </>
        )}
      </Loaded>
    </Stack>
  );
};
