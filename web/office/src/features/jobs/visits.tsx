import { Badge, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { AddVisitBody, MoveVisitBody } from '../../../../../src/contracts/jobs';
import { addDays, businessDate } from '../../../../../src/core/time';
import { VISIT_STATUS_WORDS, visitWords } from '../../../../../src/core/visits';
import { api, type JobT, type JobVisitT } from '../../shared/api';
import { ConfirmWithReason } from '../../shared/confirm-with-reason';
import { EditModal } from '../../shared/edit-modal';
import { useContractForm } from '../../shared/form';
import { dateTime, timeOnly } from '../../shared/format';
import { useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';
import { WindowFields, type WindowValues, windowOf } from './job-actions';

const OPEN = new Set(['scheduled', 'dispatched', 'in_progress']);

/** A visit's window in one line: "Tue 8 Dec, 09:00 – 13:00". */
const windowText = (v: { windowStart: string; windowEnd: string }, tz: string) =>
  `${dateTime(v.windowStart, tz)} – ${timeOnly(v.windowEnd, tz)}`;

/** Another day of work, or a planned day moved: the same window form as a reschedule. */
const VisitForm = ({
  job,
  visit,
  onClose,
  onDone,
}: {
  job: JobT;
  /** The visit moved; none: a new one. */
  visit: JobVisitT | null;
  onClose: () => void;
  onDone: (message: string) => void;
}) => {
  const tz = useMe().organization.timeZone;
  const from = visit ?? { windowStart: job.windowStart, windowEnd: job.windowEnd };
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: visit ? MoveVisitBody : AddVisitBody,
    initialValues: {
      day: visit
        ? businessDate(new Date(from.windowStart), tz)
        : addDays(businessDate(new Date(from.windowStart), tz), 1),
      start: timeOnly(from.windowStart, tz),
      end: timeOnly(from.windowEnd, tz),
      reason: '',
    } satisfies WindowValues,
    toBody: (v: WindowValues) => ({
      ...windowOf(v, tz),
      ...(v.reason.trim() || visit ? { reason: v.reason } : {}),
    }),
  });
  const name = visit?.number ? visitWords(visit.number, visit.of).toLowerCase() : 'a visit';
  return (
    <form
      noValidate
      aria-label={visit ? `Move ${name}` : `Add a visit to ${job.number}`}
      onSubmit={submit(async (body) => {
        await api(
          'POST',
          visit ? `/api/v1/jobs/${job.id}/visits/${visit.id}/move` : `/api/v1/jobs/${job.id}/visits`,
          body,
        );
        onDone(visit ? `${job.number}: ${name} moved` : `${job.number}: visit added`);
        onClose();
      })}
    >
      <Stack>
        <WindowFields form={form} />
        <TextInput
          label={visit ? 'Reason' : 'Why (for the job’s history)'}
          required={visit !== null}
          placeholder={visit ? 'Tiles arrive a day late' : 'Second coat needs a day to dry'}
          {...form.getInputProps('reason')}
        />
        <Text size="sm" c="dimmed">
          The crew of the job ({job.crew.map((c) => c.name).join(', ') || 'none yet'}) goes on every visit.
        </Text>
        {errorAlert}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            {visit ? 'Move the visit' : 'Add the visit'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

/**
 * The days of a job done over several visits (#22): each with its window and where it stands, the one the
 * crew works on next marked. The office adds a day, moves one, or cancels one no longer needed.
 */
export const JobVisits = ({ job, onDone }: { job: JobT; onDone: (message: string) => void }) => {
  const me = useMe();
  const tz = me.organization.timeZone;
  const mayPlan = me.permissions.includes('jobs.schedule') && OPEN.has(job.status);
  const invalidate = useInvalidate();
  const visits = useApi(['jobs', job.id, 'visits', job.version], () =>
    api<{ items: JobVisitT[] }>('GET', `/api/v1/jobs/${job.id}/visits`).then((r) => r.items),
  );
  const [editing, setEditing] = useState<JobVisitT | 'new' | null>(null);
  const [canceling, setCanceling] = useState<JobVisitT | null>(null);
  const done = (message: string) => {
    invalidate('jobs', 'board');
    onDone(message);
  };
  const items = visits.data ?? [];
  if (items.length === 0 && !mayPlan) return null;
  return (
    <Stack gap="xs" mt="sm">
      {items.length > 0 ? (
        <Stack component="ul" aria-label="Visits" gap={6} p={0} m={0} style={{ listStyle: 'none' }}>
          {items.map((v) => (
            <Group
              component="li"
              key={v.id}
              data-visit={v.number ?? 'canceled'}
              justify="space-between"
              align="flex-start"
              gap="xs"
              wrap="wrap"
            >
              <div>
                <Group gap="xs">
                  <Text size="sm" fw={500}>
                    {v.number ? visitWords(v.number, v.of) : 'Canceled visit'}
                  </Text>
                  {v.current ? (
                    <Badge color="blue" variant="light">
                      {job.status === 'in_progress' ? 'Under way' : 'Next'}
                    </Badge>
                  ) : (
                    <Badge
                      color={v.status === 'done' ? 'green' : v.status === 'canceled' ? 'gray' : 'blue'}
                      variant="outline"
                    >
                      {VISIT_STATUS_WORDS[v.status]}
                    </Badge>
                  )}
                </Group>
                <Text size="sm">{windowText(v, tz)}</Text>
                {v.closedReason && (
                  <Text size="xs" c="dimmed">
                    {v.closedReason}
                  </Text>
                )}
              </div>
              {mayPlan && v.status === 'planned' && !(v.current && job.status === 'in_progress') && (
                <Group gap={4} wrap="nowrap">
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    onClick={() => setEditing(v)}
                    aria-label={`Move ${visitWords(v.number ?? 0, v.of).toLowerCase()}`}
                  >
                    Move
                  </Button>
                  {items.filter((x) => x.status === 'planned').length > 1 && (
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      onClick={() => setCanceling(v)}
                      aria-label={`Cancel ${visitWords(v.number ?? 0, v.of).toLowerCase()}`}
                    >
                      Cancel
                    </Button>
                  )}
                </Group>
              )}
            </Group>
          ))}
        </Stack>
      ) : null}
      {mayPlan && (
        <Group>
          <Button size="xs" variant="light" onClick={() => setEditing('new')}>
            Add a visit
          </Button>
          {items.length === 0 && (
            <Text size="xs" c="dimmed">
              Work that takes more than one day: the crew comes back on each visit.
            </Text>
          )}
        </Group>
      )}
      <EditModal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={
          editing === 'new' || editing === null
            ? `Add a visit to ${job.number}`
            : `Move ${visitWords(editing.number ?? 0, editing.of).toLowerCase()}`
        }
      >
        {editing !== null && (
          <VisitForm
            job={job}
            visit={editing === 'new' ? null : editing}
            onClose={() => setEditing(null)}
            onDone={done}
          />
        )}
      </EditModal>
      <ConfirmWithReason
        opened={canceling !== null}
        onClose={() => setCanceling(null)}
        title={`Cancel ${canceling?.number ? visitWords(canceling.number, canceling.of).toLowerCase() : 'the visit'}`}
        description={
          canceling?.current
            ? 'The visit stays on record as canceled, with your reason; the job moves to the visit after it.'
            : 'The visit stays on record as canceled, with your reason; the other visits keep their days.'
        }
        confirmLabel="Cancel the visit"
        onConfirm={async (reason) => {
          if (!canceling) return;
          await api('POST', `/api/v1/jobs/${job.id}/visits/${canceling.id}/cancel`, { reason });
          done(`${job.number}: visit canceled`);
        }}
      />
    </Stack>
  );
};
