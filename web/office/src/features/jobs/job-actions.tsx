import { Button, Group, Select, SimpleGrid, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import { CreateRevisionBody, RescheduleBody, UpdateJobBody } from '../../../../../src/contracts/jobs';
import { addDays, businessDate, zonedToInstant } from '../../../../../src/core/time';
import { api, type JobT, type JobTypeT, listAll, type UserT } from '../../shared/api';
import { ConfirmWithReason } from '../../shared/confirm-with-reason';
import { CustomFieldInputs, fieldDefsOf, fieldTextOf, fieldValuesOf } from '../../shared/custom-fields';
import { EditModal } from '../../shared/edit-modal';
import { orNull, useContractForm } from '../../shared/form';
import { timeOnly } from '../../shared/format';
import { useCan, useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';

type Done = (message: string) => void;

/** The office's changes to a job: scope and PO for the office, billing facts only for billing and the owner. */
const EditJob = ({ job, onClose, onDone }: { job: JobT; onClose: () => void; onDone: Done }) => {
  const can = useCan();
  const billing = can('jobs.billing');
  const users = useApi(['users', 'all'], () => listAll<UserT>('/api/v1/users'), {
    enabled: billing && can('users.read'),
  });
  const types = useApi(['catalog', 'job-types'], () =>
    api<{ items: JobTypeT[] }>('GET', '/api/v1/job-types').then((r) => r.items),
  );
  const jobType = types.data?.find((t) => t.id === job.jobTypeId);
  const defs = fieldDefsOf(jobType);
  // Retainage is held back from progress steps, which only fixed-price work is billed in.
  const fixed = jobType?.billingMode === 'fixed';
  type Values = {
    scope: string;
    customFields: Record<string, string>;
    poNumber: string;
    discountPercent: string;
    retainagePercent: string;
    depositRequired: boolean;
    depositAmount: string;
    billingOwnerId: string;
    reason: string;
  };
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: UpdateJobBody,
    initialValues: {
      scope: job.scope,
      customFields: fieldTextOf(job.customFields),
      poNumber: job.poNumber ?? '',
      discountPercent: job.discountPercent ?? '',
      retainagePercent: job.retainagePercent ?? '',
      depositRequired: job.depositRequired,
      depositAmount: job.depositAmount ?? '',
      billingOwnerId: job.billingOwnerId ?? '',
      reason: '',
    } satisfies Values,
    toBody: (v: Values) => ({
      expectedVersion: job.version,
      scope: v.scope,
      ...(v.reason.trim() ? { reason: v.reason.trim() } : {}),
      ...(JSON.stringify(fieldValuesOf(defs, v.customFields)) !==
      JSON.stringify(fieldValuesOf(defs, fieldTextOf(job.customFields)))
        ? { customFields: fieldValuesOf(defs, v.customFields) }
        : {}),
      // Only what changed is sent: a dispatcher's edit carries no billing fact it may not set.
      ...(billing && (v.poNumber || null) !== job.poNumber ? { poNumber: orNull(v.poNumber) } : {}),
      ...(billing && (v.discountPercent || null) !== job.discountPercent
        ? { discountPercent: orNull(v.discountPercent) }
        : {}),
      ...(billing && (v.retainagePercent.trim().replace(',', '.') || null) !== job.retainagePercent
        ? { retainagePercent: orNull(v.retainagePercent.trim().replace(',', '.')) }
        : {}),
      ...(billing && v.depositRequired !== job.depositRequired ? { depositRequired: v.depositRequired } : {}),
      ...(billing && (v.depositAmount || null) !== job.depositAmount
        ? { depositAmount: orNull(v.depositAmount) }
        : {}),
      ...(billing && (v.billingOwnerId || null) !== job.billingOwnerId
        ? { billingOwnerId: orNull(v.billingOwnerId) }
        : {}),
    }),
  });
  const v = form.getValues();
  return (
    <form
      noValidate
      aria-label={`Edit ${job.number}`}
      onSubmit={submit(async (body) => {
        await api('PATCH', `/api/v1/jobs/${job.id}`, body);
        onDone(`${job.number} saved`);
        onClose();
      })}
    >
      <Stack>
        <Textarea label="Scope of work" autosize minRows={3} required {...form.getInputProps('scope')} />
        <CustomFieldInputs
          defs={defs}
          values={form.getValues().customFields}
          errors={form.errors}
          onChange={(key, value) => form.setFieldValue(`customFields.${key}`, value)}
        />
        {billing ? (
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Customer PO number" {...form.getInputProps('poNumber')} />
            <TextInput
              label="Discount (%)"
              inputMode="decimal"
              placeholder="none"
              {...form.getInputProps('discountPercent')}
            />
            {fixed && (
              <TextInput
                label="Retainage (%)"
                description="Held back from each progress invoice until the work is complete"
                inputMode="decimal"
                placeholder="none"
                {...form.getInputProps('retainagePercent')}
              />
            )}
            <Switch
              label="Deposit required"
              {...form.getInputProps('depositRequired', { type: 'checkbox' })}
            />
            {v.depositRequired && (
              <TextInput
                label="Deposit amount"
                inputMode="decimal"
                {...form.getInputProps('depositAmount')}
              />
            )}
            <Select
              label="Billing owner"
              description="Who sees this job's invoice through"
              clearable
              data={(users.data ?? [])
                .filter((u) => u.active && u.roles.some((r) => r === 'billing' || r === 'owner'))
                .map((u) => ({ value: u.id, label: u.name }))}
              {...form.getInputProps('billingOwnerId')}
            />
          </SimpleGrid>
        ) : (
          <Text size="sm" c="dimmed">
            Discount, retainage, deposit, PO and billing owner are changed by billing or the owner.
          </Text>
        )}
        <TextInput label="Why (for the job's history)" {...form.getInputProps('reason')} />
        {errorAlert}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Save changes
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

export type WindowValues = { day: string; start: string; end: string; reason: string };

/** A window on the organization's clock ("2026-12-04", "09:00", "11:00") as the instants the API takes. */
export const windowOf = (v: WindowValues, tz: string) => ({
  windowStart: zonedToInstant(v.day, v.start, tz).toISOString(),
  windowEnd: zonedToInstant(v.end <= v.start ? addDays(v.day, 1) : v.day, v.end, tz).toISOString(),
});

export const WindowFields = ({
  form,
}: {
  form: ReturnType<typeof useContractForm<WindowValues, typeof RescheduleBody>>['form'];
}) => (
  <SimpleGrid cols={{ base: 1, sm: 3 }}>
    <TextInput label="Day" type="date" required {...form.getInputProps('day')} />
    <TextInput label="From" type="time" required {...form.getInputProps('start')} />
    <TextInput label="To" type="time" required {...form.getInputProps('end')} />
  </SimpleGrid>
);

/** Move the visit: the job keeps its ID and number, and the move is logged with its reason. */
const Reschedule = ({ job, onClose, onDone }: { job: JobT; onClose: () => void; onDone: Done }) => {
  const tz = useMe().organization.timeZone;
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: RescheduleBody,
    initialValues: {
      day: businessDate(new Date(job.windowStart), tz),
      start: timeOnly(job.windowStart, tz),
      end: timeOnly(job.windowEnd, tz),
      reason: '',
    } satisfies WindowValues,
    toBody: (v: WindowValues) => ({ ...windowOf(v, tz), reason: v.reason, expectedVersion: job.version }),
  });
  return (
    <form
      noValidate
      aria-label={`Reschedule ${job.number}`}
      onSubmit={submit(async (body) => {
        await api('POST', `/api/v1/jobs/${job.id}/reschedule`, body);
        onDone(`${job.number} moved`);
        onClose();
      })}
    >
      <Stack>
        <WindowFields form={form} />
        <TextInput
          label="Reason"
          required
          placeholder="Customer asked for the afternoon"
          {...form.getInputProps('reason')}
        />
        {errorAlert}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Move the visit
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

/** Add-on or changed work after the job is invoiced: a new job of its own, billed for the difference only. */
const Revision = ({
  job,
  onClose,
  onDone,
}: {
  job: JobT;
  onClose: () => void;
  onDone: (message: string, id: string) => void;
}) => {
  const tz = useMe().organization.timeZone;
  type Values = WindowValues & { scope: string };
  const tomorrow = addDays(businessDate(new Date(), tz), 1);
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: CreateRevisionBody,
    initialValues: { day: tomorrow, start: '09:00', end: '11:00', reason: '', scope: '' } satisfies Values,
    toBody: (v: Values) => ({
      ...windowOf(v, tz),
      scope: v.scope,
      reason: v.reason,
      crew: job.crew.map((c) => c.userId),
    }),
  });
  return (
    <form
      noValidate
      aria-label={`Add-on work for ${job.number}`}
      onSubmit={submit(async (body) => {
        const created = await api<JobT>('POST', `/api/v1/jobs/${job.id}/revisions`, body);
        onDone(`${created.number} booked as add-on work to ${job.number}`, created.id);
        onClose();
      })}
    >
      <Stack>
        <Textarea label="What is to be done" autosize minRows={2} required {...form.getInputProps('scope')} />
        <WindowFields form={form} />
        <TextInput
          label="Why"
          required
          placeholder="Second radiator found leaking"
          {...form.getInputProps('reason')}
        />
        <Text size="sm" c="dimmed">
          The same crew ({job.crew.map((c) => c.name).join(', ') || 'none'}) is booked; change it on the
          board.
        </Text>
        {errorAlert}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Book the add-on work
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

type Open = 'edit' | 'reschedule' | 'revision' | 'cancel' | 'no_show' | null;
const OPEN_WORK = new Set(['scheduled', 'dispatched']);

/**
 * What the office can do to a job from its page, by its status and the person's permissions: dispatch,
 * move, edit, cancel or mark a no-show with a reason, and book add-on work once it is invoiced.
 */
export const JobActions = ({
  job,
  onDone,
  onRevision,
}: {
  job: JobT;
  onDone: Done;
  onRevision: (id: string) => void;
}) => {
  const can = useCan();
  const invalidate = useInvalidate();
  const [open, setOpen] = useState<Open>(null);
  const [busy, setBusy] = useState(false);
  const done = (message: string) => {
    invalidate('jobs', 'board', 'invoices');
    onDone(message);
  };
  const close = (kind: 'cancel' | 'no_show') => async (reason: string) => {
    await api('POST', `/api/v1/jobs/${job.id}/${kind === 'cancel' ? 'cancel' : 'no-show'}`, { reason });
    done(kind === 'cancel' ? `${job.number} canceled` : `${job.number} closed as a no-show`);
  };
  const openWork = OPEN_WORK.has(job.status);
  const schedule = can('jobs.schedule');
  const invoiced = ['invoiced', 'paid'].includes(job.billingStatus);
  return (
    <>
      <Group gap="xs" aria-label="Job actions" role="toolbar">
        {job.status === 'scheduled' && schedule && (
          <Button
            size="sm"
            loading={busy}
            onClick={async () => {
              setBusy(true);
              try {
                await api('POST', `/api/v1/jobs/${job.id}/dispatch`);
                done(`${job.number} dispatched: the crew sees it on their phones`);
              } catch (err) {
                onDone(err instanceof Error ? err.message : 'Could not dispatch');
              } finally {
                setBusy(false);
              }
            }}
          >
            Dispatch
          </Button>
        )}
        {openWork && schedule && (
          <Button size="sm" variant="light" onClick={() => setOpen('reschedule')}>
            Reschedule
          </Button>
        )}
        {can('jobs.update') && !invoiced && !['canceled', 'no_show'].includes(job.status) && (
          <Button size="sm" variant="light" onClick={() => setOpen('edit')}>
            Edit job
          </Button>
        )}
        {invoiced && can('jobs.create') && (
          <Button size="sm" variant="light" onClick={() => setOpen('revision')}>
            Add-on work
          </Button>
        )}
        {openWork && schedule && (
          <>
            <Button size="sm" variant="default" color="red" onClick={() => setOpen('no_show')}>
              No-show
            </Button>
            <Button size="sm" variant="default" color="red" onClick={() => setOpen('cancel')}>
              Cancel job
            </Button>
          </>
        )}
      </Group>
      <EditModal opened={open === 'edit'} onClose={() => setOpen(null)} title={`Edit ${job.number}`}>
        {open === 'edit' && <EditJob job={job} onClose={() => setOpen(null)} onDone={done} />}
      </EditModal>
      <EditModal
        opened={open === 'reschedule'}
        onClose={() => setOpen(null)}
        title={`Reschedule ${job.number}`}
        size="md"
      >
        {open === 'reschedule' && <Reschedule job={job} onClose={() => setOpen(null)} onDone={done} />}
      </EditModal>
      <EditModal
        opened={open === 'revision'}
        onClose={() => setOpen(null)}
        title={`Add-on work for ${job.number}`}
      >
        {open === 'revision' && (
          <Revision
            job={job}
            onClose={() => setOpen(null)}
            onDone={(message, id) => {
              done(message);
              onRevision(id);
            }}
          />
        )}
      </EditModal>
      <ConfirmWithReason
        opened={open === 'cancel'}
        onClose={() => setOpen(null)}
        title={`Cancel ${job.number}?`}
        description="The job stays on record as canceled, with your reason; a cancellation fee of its job type is billed."
        confirmLabel="Cancel the job"
        onConfirm={close('cancel')}
      />
      <ConfirmWithReason
        opened={open === 'no_show'}
        onClose={() => setOpen(null)}
        title={`Close ${job.number} as a no-show?`}
        description="The crew went and nobody was there. The job stays on record with your reason; a no-show fee of its job type is billed."
        confirmLabel="Close as no-show"
        onConfirm={close('no_show')}
      />
    </>
  );
};
