import {
  Alert,
  Button,
  Group,
  Modal,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import { addDays, businessDate, mondayOf, zonedToInstant } from '../../../../../src/core/time';
import { api, type BoardJobT, type BoardT, type MeT } from '../../shared/api';
import { Feedback, messageOf } from '../../shared/feedback';
import { plural, timeOnly } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { SetupChecklistCard } from '../setup/setup-page';
import {
  DAY_END,
  DAY_START,
  dateLabelOf,
  dayLabel,
  HOURS,
  type Move,
  UNASSIGNED,
  windowOf,
} from './board-time';
import { Cell, JobCard } from './job-card';
import { NewJobModal } from './new-job-modal';

export const BoardPage = ({ me }: { me: MeT }) => {
  const tz = me.organization.timeZone;
  const canCreate = me.permissions.includes('jobs.create');
  const canMove = me.permissions.includes('jobs.schedule');
  const [view, setView] = useState<'day' | 'week'>('day');
  const [date, setDate] = useState(() => businessDate(new Date(), tz));
  const from = view === 'week' ? mondayOf(date) : date;
  const days = view === 'week' ? 7 : 1;
  const board = useApi(['board', from, days], () =>
    api<BoardT>('GET', `/api/v1/board?date=${from}&days=${days}`),
  );
  const [creating, setCreating] = useState(false);
  const [move, setMove] = useState<Move | null>(null);
  const [dragging, setDragging] = useState(false);
  const [reason, setReason] = useState('Moved on the board');
  const [moveError, setMoveError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const dates = useMemo(() => Array.from({ length: days }, (_, i) => addDays(from, i)), [from, days]);

  const allJobs = (b: BoardT) => [...b.rows.flatMap((r) => r.jobs), ...b.unassigned];
  const startMove = (job: BoardJobT, tech: string) => {
    setMoveError(null);
    setMove({
      job,
      fromTech: tech,
      toTech: tech,
      day: businessDate(new Date(job.windowStart), tz),
      time: timeOnly(job.windowStart, tz),
    });
  };
  const onDropJob = (cell: string, payload: { id: string; tech: string }) => {
    setDragging(false);
    const job = board.data && allJobs(board.data).find((j) => j.id === payload.id && j.visitId === null);
    if (!canMove || !job) return;
    const [toTech, slot] = cell.split('|') as [string, string];
    const [hh, mm] = timeOnly(job.windowStart, tz).split(':');
    // Day view: the hour of the cell, same minutes. Week view: the day of the cell, same time.
    const day = view === 'day' ? from : slot;
    const time = view === 'day' ? `${slot.padStart(2, '0')}:${mm}` : `${hh}:${mm}`;
    const same = zonedToInstant(day, time, tz).getTime() === new Date(job.windowStart).getTime();
    if (same && toTech === payload.tech) return;
    setMoveError(null);
    setMove({ job, fromTech: payload.tech, toTech, day, time });
  };
  const target = move && windowOf(move, tz);
  const techName = (id: string) =>
    id === UNASSIGNED
      ? 'Unassigned'
      : (board.data?.rows.find((r) => r.technician.id === id)?.technician.name ?? id);

  const confirmMove = async () => {
    if (!move || !target) return;
    setBusy(true);
    setMoveError(null);
    try {
      if (target.windowStart !== new Date(move.job.windowStart).toISOString()) {
        await api('POST', `/api/v1/jobs/${move.job.id}/reschedule`, {
          ...target,
          reason,
          expectedVersion: move.job.version,
        });
      }
      if (move.toTech !== move.fromTech) {
        await api('POST', `/api/v1/jobs/${move.job.id}/assign`, {
          add: move.toTech === UNASSIGNED ? [] : [move.toTech],
          remove: move.fromTech === UNASSIGNED ? [] : [move.fromTech],
          reason,
        });
      }
      setNotice(
        `${move.job.number} moved to ${techName(move.toTech)}, ${dayLabel(move.day, tz)} ${move.time}`,
      );
      setMove(null);
      board.reload();
    } catch (err) {
      setMoveError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const rowsOf = (b: BoardT) => [
    ...b.rows.map((r) => ({ id: r.technician.id, name: r.technician.name, jobs: r.jobs })),
    { id: UNASSIGNED, name: 'Unassigned', jobs: b.unassigned },
  ];

  return (
    <Stack>
      {me.permissions.includes('organization.manage') && <SetupChecklistCard />}
      <Group justify="space-between" wrap="wrap">
        <Title order={1}>Dispatch board</Title>
        <Group>
          <SegmentedControl
            aria-label="Board view"
            value={view}
            onChange={(v) => setView(v as 'day' | 'week')}
            data={[
              { value: 'day', label: 'Day' },
              { value: 'week', label: 'Week' },
            ]}
          />
          <Button variant="default" onClick={() => setDate(addDays(date, -days))} aria-label="Earlier">
            ←
          </Button>
          <TextInput
            type="date"
            aria-label="Board date"
            value={date}
            onChange={(e) => e.target.value && setDate(e.target.value)}
          />
          <Button variant="default" onClick={() => setDate(addDays(date, days))} aria-label="Later">
            →
          </Button>
          <Button variant="light" onClick={() => setDate(businessDate(new Date(), tz))}>
            Today
          </Button>
          {canCreate && <Button onClick={() => setCreating(true)}>New job</Button>}
        </Group>
      </Group>
      <Feedback notice={notice} onCloseNotice={() => setNotice(null)} />
      <Loaded resource={board} what="the board">
        {(b) => (
          <>
            <div className={`board board-${view}${dragging ? ' board-dragging' : ''}`} data-view={view}>
              <div className="board-row board-head">
                <div className="board-tech">Technician</div>
                <div className="board-cells">
                  {view === 'day'
                    ? HOURS.map((h) => (
                        <div key={h} className="board-hour">
                          {String(h).padStart(2, '0')}:00
                        </div>
                      ))
                    : dates.map((d) => (
                        <div key={d} className="board-hour">
                          {dayLabel(d, tz)}
                        </div>
                      ))}
                </div>
              </div>
              {rowsOf(b).map((row) => (
                <div key={row.id} className="board-row" data-tech={row.name}>
                  <div className="board-tech">
                    {row.name}
                    <Text size="xs" c="dimmed">
                      {plural(new Set(row.jobs.map((j) => j.id)).size, 'job', 'jobs')}
                    </Text>
                  </div>
                  {view === 'day' ? (
                    <div className="board-cells board-track">
                      {HOURS.map((h) => (
                        <Cell
                          key={h}
                          id={`${row.id}|${h}`}
                          label={`${row.name} ${h}:00`}
                          onDropJob={onDropJob}
                        />
                      ))}
                      {row.jobs.map((j) => {
                        const [sh = 0, sm = 0] = timeOnly(j.windowStart, tz).split(':').map(Number);
                        const mins =
                          (new Date(j.windowEnd).getTime() - new Date(j.windowStart).getTime()) / 60_000;
                        const span = (DAY_END - DAY_START) * 60;
                        const left = Math.max(0, ((sh - DAY_START) * 60 + sm) / span) * 100;
                        const width = Math.max(6, Math.min(100 - left, (mins / span) * 100));
                        return (
                          <JobCard
                            key={j.visitId ?? j.id}
                            job={j}
                            tech={row.id}
                            timeZone={tz}
                            style={{ position: 'absolute', left: `${left}%`, width: `${width}%` }}
                            onMove={canMove ? startMove : undefined}
                            onDragging={setDragging}
                          />
                        );
                      })}
                    </div>
                  ) : (
                    <div className="board-cells">
                      {dates.map((d) => (
                        <Cell key={d} id={`${row.id}|${d}`} label={`${row.name} ${d}`} onDropJob={onDropJob}>
                          {row.jobs
                            .filter((j) => businessDate(new Date(j.windowStart), tz) === d)
                            .map((j) => (
                              <JobCard
                                key={j.visitId ?? j.id}
                                job={j}
                                tech={row.id}
                                timeZone={tz}
                                onMove={canMove ? startMove : undefined}
                                onDragging={setDragging}
                              />
                            ))}
                        </Cell>
                      ))}
                    </div>
                  )}
                </div>
              ))}
            </div>
            {b.rows.every((r) => r.jobs.length === 0) && b.unassigned.length === 0 && (
              <Text c="dimmed" ta="center" data-empty>
                Nothing scheduled {view === 'day' ? 'this day' : 'this week'}.
              </Text>
            )}
          </>
        )}
      </Loaded>
      <Modal opened={move !== null} onClose={() => setMove(null)} title="Move this job?">
        {move && (
          <Stack>
            <Text>
              <strong>{move.job.number}</strong> {move.job.customerName}
            </Text>
            <Paper withBorder p="sm">
              <Text size="sm">
                From {techName(move.fromTech)}, {dateLabelOf(move.job.windowStart, tz)}{' '}
                {timeOnly(move.job.windowStart, tz)}–{timeOnly(move.job.windowEnd, tz)}
              </Text>
              {target && (
                <Text size="sm" fw={600} data-move-target>
                  To {techName(move.toTech)}, {dayLabel(move.day, tz)} {move.time}–
                  {timeOnly(target.windowEnd, tz)}
                </Text>
              )}
            </Paper>
            <Select
              label="Technician"
              data={[
                ...(board.data?.rows ?? []).map((r) => ({
                  value: r.technician.id,
                  label: r.technician.name,
                })),
                { value: UNASSIGNED, label: 'Unassigned' },
              ]}
              value={move.toTech}
              allowDeselect={false}
              onChange={(v) => v && setMove({ ...move, toTech: v })}
            />
            <Group grow>
              <TextInput
                type="date"
                label="Date"
                required
                value={move.day}
                onChange={(e) => e.target.value && setMove({ ...move, day: e.target.value })}
              />
              <TextInput
                type="time"
                label="Start"
                required
                value={move.time}
                onChange={(e) => e.target.value && setMove({ ...move, time: e.target.value })}
              />
            </Group>
            <Textarea label="Reason" required value={reason} onChange={(e) => setReason(e.target.value)} />
            {moveError && (
              <Alert color="red" role="alert">
                {moveError}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setMove(null)}>
                Keep it
              </Button>
              <Button onClick={confirmMove} loading={busy} disabled={!reason.trim()}>
                Confirm move
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
      {canCreate && (
        <NewJobModal
          me={me}
          opened={creating}
          onClose={() => setCreating(false)}
          date={date}
          onCreated={(job) => {
            setCreating(false);
            setNotice(`${job.number} created for ${job.customerName}, ${timeOnly(job.windowStart, tz)}`);
            setDate(businessDate(new Date(job.windowStart), tz));
            board.reload();
          }}
        />
      )}
    </Stack>
  );
};
