import { Button, Card, Checkbox, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import { CustomerRemindersBody, type ReminderSchedule } from '../../../../../src/contracts/collections';
import { businessDate } from '../../../../../src/core/time';
import { api, type CustomerDetailT } from '../../shared/api';
import { orNull, useContractForm } from '../../shared/form';
import { dayText } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';

type Values = { scheduleId: string; excluded: boolean; pausedUntil: string; pauseReason: string };
const DEFAULT = 'default';

/**
 * A customer's payment reminders on their page: which schedule, never, or paused until a date with why (a
 * promise to pay, a query being sorted out by phone). Billing sets it; everyone who reads invoices sees it.
 */
export const CustomerRemindersCard = ({
  customer,
  canEdit,
  onSaved,
}: {
  customer: CustomerDetailT;
  canEdit: boolean;
  onSaved: (message: string) => void;
}) => {
  const me = useMe();
  const invalidate = useInvalidate();
  const [editing, setEditing] = useState(false);
  const schedules = useApi(['organization', 'reminder-schedules'], () =>
    api<{ items: z.infer<typeof ReminderSchedule>[] }>('GET', '/api/v1/reminder-schedules'),
  );
  const r = customer.reminders;
  const today = businessDate(new Date(), me.organization.timeZone);
  const paused = r.pausedUntil !== null && r.pausedUntil >= today;
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: CustomerRemindersBody,
    initialValues: {
      scheduleId: r.scheduleId ?? DEFAULT,
      excluded: r.excluded,
      pausedUntil: paused ? (r.pausedUntil ?? '') : '',
      pauseReason: paused ? (r.pauseReason ?? '') : '',
    } as Values,
    toBody: (v: Values) => ({
      scheduleId: v.scheduleId === DEFAULT ? null : v.scheduleId,
      excluded: v.excluded,
      pausedUntil: orNull(v.pausedUntil),
      pauseReason: orNull(v.pauseReason),
    }),
  });
  const save = async (body: z.output<typeof CustomerRemindersBody>) => {
    await api('PUT', `/api/v1/customers/${customer.id}/reminders`, body);
    invalidate('customers', 'invoices');
    setEditing(false);
    onSaved(
      body.excluded
        ? `${customer.name} will not be sent payment reminders.`
        : body.pausedUntil
          ? `Reminders to ${customer.name} are paused until ${dayText(body.pausedUntil)}.`
          : `${customer.name}’s payment reminders are saved.`,
    );
  };
  return (
    <Card withBorder component="section" aria-label="Payment reminders">
      <Loaded resource={schedules} what="the reminder schedules">
        {(s) => {
          const name =
            s.items.find((x) => x.id === r.scheduleId)?.name ??
            s.items.find((x) => x.isDefault)?.name ??
            'Standard';
          return (
            <Stack gap="xs">
              <Group justify="space-between">
                <Title order={2} size="h5">
                  Payment reminders
                </Title>
                {canEdit && !editing && (
                  <Button size="xs" variant="light" onClick={() => setEditing(true)}>
                    {paused ? 'Change or resume' : 'Change or pause'}
                  </Button>
                )}
              </Group>
              {!editing && (
                <Text size="sm">
                  {r.excluded
                    ? 'Never sent payment reminders: you follow them up yourself.'
                    : paused
                      ? `Paused until ${dayText(r.pausedUntil)}${r.pauseReason ? `: ${r.pauseReason}` : ''}. Then the “${name}” schedule again.`
                      : `Reminded by the “${name}” schedule${r.scheduleId ? '' : ' (the usual one)'}.`}
                </Text>
              )}
              {editing && (
                <form noValidate aria-label="Change payment reminders" onSubmit={submit(save)}>
                  <Stack gap="xs">
                    <Select
                      label="Schedule"
                      allowDeselect={false}
                      data={s.items.map((x) => ({
                        value: x.isDefault ? DEFAULT : x.id,
                        label: x.isDefault ? `${x.name} (the usual one)` : x.name,
                      }))}
                      {...form.getInputProps('scheduleId')}
                    />
                    <Checkbox
                      label="Never send them reminders"
                      {...form.getInputProps('excluded', { type: 'checkbox' })}
                    />
                    <Group align="flex-start" grow>
                      <TextInput
                        type="date"
                        label="Pause until (a promise to pay)"
                        min={today}
                        {...form.getInputProps('pausedUntil')}
                      />
                      <TextInput
                        label="Why"
                        placeholder="Promised to pay on the 20th"
                        {...form.getInputProps('pauseReason')}
                      />
                    </Group>
                    {errorAlert}
                    <Group>
                      <Button type="submit" size="xs" loading={busy}>
                        Save
                      </Button>
                      {paused && (
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => form.setValues({ pausedUntil: '', pauseReason: '' })}
                        >
                          Resume now
                        </Button>
                      )}
                      <Button size="xs" variant="subtle" onClick={() => setEditing(false)}>
                        Keep as it is
                      </Button>
                    </Group>
                  </Stack>
                </form>
              )}
            </Stack>
          );
        }}
      </Loaded>
    </Card>
  );
};
