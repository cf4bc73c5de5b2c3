import {
  Alert,
  Button,
  Group,
  Modal,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useMemo, useState } from 'react';
import { addDays, businessDate, mondayOf, zonedToInstant } from '../../../src/core/time';
import {
  api,
  type BoardJobT,
  type BoardT,
  type CustomerT,
  type JobT,
  type JobTypeT,
  listAll,
  type MeT,
  type TaxCodeT,
  type UserT,
} from './api';
import { Feedback, go, Loaded, messageOf, StatusBadge, timeOnly, useResource } from './lib';

const DAY_START = 6;
const DAY_END = 20;
const HOURS = Array.from({ length: DAY_END - DAY_START }, (_, i) => DAY_START + i);
const UNASSIGNED = 'unassigned';
const DRAG_TYPE = 'application/x-closeout-job';

const dayLabel = (date: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-IE', { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(
    zonedToInstant(date, '12:00', timeZone),
  );

/** A proposed move: where the job is going, prefilled by a drop or by the card's Move button, editable in the dialog. */
type Move = {
  job: BoardJobT;
  fromTech: string;
  toTech: string;
  day: string;
  time: string;
};

const JobCard = ({
  job,
  tech,
  timeZone,
  style,
  onMove,
  onDragging,
}: {
  job: BoardJobT;
  tech: string;
  timeZone: string;
  style?: React.CSSProperties;
  /** Set when the caller may move jobs: the keyboard way to do what a drag does. */
  onMove?: ((job: BoardJobT, tech: string) => void) | undefined;
  onDragging: (active: boolean) => void;
}) => {
  const closed = job.status === 'canceled' || job.status === 'no_show' || job.status === 'completed';
  const movable = !closed && onMove !== undefined;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a pointer drag source; the Move button is the keyboard way
    <div
      className={`board-card${job.overlapsWith.length ? ' overlap' : ''}${job.exception ? ' exception' : ''}`}
      style={style}
      data-job={job.number}
      draggable={movable}
      onDragStart={(e) => {
        e.dataTransfer.setData(DRAG_TYPE, JSON.stringify({ id: job.id, tech }));
        e.dataTransfer.effectAllowed = 'move';
        onDragging(true);
      }}
      onDragEnd={() => onDragging(false)}
    >
      <span className="board-card-head">
        <button
          type="button"
          className="board-card-open"
          onPointerDown={(e) => e.stopPropagation()}
          onClick={() => go(`jobs/${job.id}`)}
        >
          {job.number}
        </button>
        {movable && (
          <button
            type="button"
            className="board-card-move"
            aria-label={`Move ${job.number}`}
            onClick={() => onMove(job, tech)}
          >
            Move…
          </button>
        )}
      </span>
      <span className="board-card-time">
        {timeOnly(job.windowStart, timeZone)}–{timeOnly(job.windowEnd, timeZone)}
      </span>
      <span className="board-card-customer">{job.customerName}</span>
      <span className="board-card-type">{job.jobTypeName}</span>
      <span className="board-card-status">
        <StatusBadge status={job.status} kind="Work" />
        <StatusBadge status={job.billingStatus} kind="Billing" />
      </span>
      {job.overlapsWith.length > 0 && <span className="board-card-warn">Overlaps</span>}
    </div>
  );
};

/** A drop target: an hour of a technician's day, or a day of their week. */
const Cell = ({
  id,
  label,
  onDropJob,
  children,
}: {
  id: string;
  label: string;
  onDropJob: (cell: string, payload: { id: string; tech: string }) => void;
  children?: React.ReactNode;
}) => {
  const [over, setOver] = useState(false);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for pointer drags
    <div
      className={`board-cell${over ? ' over' : ''}`}
      data-cell={id}
      title={label}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes(DRAG_TYPE)) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        try {
          onDropJob(id, JSON.parse(e.dataTransfer.getData(DRAG_TYPE)) as { id: string; tech: string });
        } catch {
          // Not one of our cards: nothing to move.
        }
      }}
    >
      {children}
    </div>
  );
};

const NewJobModal = ({
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
  const refs = useResource(
    async () => {
      if (!opened) return null;
      const [customers, jobTypes, users, taxCodes] = await Promise.all([
        listAll<CustomerT>('/api/v1/customers'),
        api<{ items: JobTypeT[] }>('GET', '/api/v1/job-types'),
        listAll<UserT>('/api/v1/users'),
        api<{ items: TaxCodeT[] }>('GET', '/api/v1/tax-codes'),
      ]);
      return { customers, jobTypes: jobTypes.items, users, taxCodes: taxCodes.items };
    },
    [opened],
    false,
  );
  const [customerId, setCustomerId] = useState<string | null>(null);
  const [siteId, setSiteId] = useState<string | null>(null);
  const [jobTypeId, setJobTypeId] = useState<string | null>(null);
  const [technicianId, setTechnicianId] = useState<string | null>(null);
  const [scope, setScope] = useState('');
  const [day, setDay] = useState(date);
  const [start, setStart] = useState('09:00');
  const [hours, setHours] = useState<number | string>(2);
  const [depositRequired, setDepositRequired] = useState(false);
  const [depositAmount, setDepositAmount] = useState('');
  const [discountPercent, setDiscountPercent] = useState('');
  const [poNumber, setPoNumber] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const data = refs.data;
  const customer = data?.customers.find((c) => c.id === customerId);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!customerId || !siteId || !jobTypeId) {
      setError('Choose a customer, a site and a job type');
      return;
    }
    const windowStart = zonedToInstant(day, start, tz);
    const windowEnd = new Date(windowStart.getTime() + Number(hours) * 3_600_000);
    setBusy(true);
    try {
      const job = await api<JobT>('POST', '/api/v1/jobs', {
        customerId,
        siteId,
        jobTypeId,
        scope,
        windowStart: windowStart.toISOString(),
        windowEnd: windowEnd.toISOString(),
        crew: technicianId ? [technicianId] : [],
        ...(depositRequired ? { depositRequired: true, depositAmount: depositAmount || null } : {}),
        ...(discountPercent ? { discountPercent } : {}),
        ...(poNumber ? { poNumber } : {}),
      });
      onCreated(job);
      setScope('');
      setPoNumber('');
      setDiscountPercent('');
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="New job" size="lg">
      <Loaded resource={refs} what="customers and job types">
        {(d) =>
          d && (
            <form onSubmit={submit} aria-label="New job">
              <Stack gap="sm">
                <Select
                  label="Customer"
                  searchable
                  required
                  data={d.customers.map((c) => ({ value: c.id, label: c.name }))}
                  value={customerId}
                  onChange={(v) => {
                    setCustomerId(v);
                    const c = d.customers.find((x) => x.id === v);
                    setSiteId(c?.sites.length === 1 ? (c.sites[0]?.id ?? null) : null);
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
                  value={siteId}
                  onChange={setSiteId}
                />
                <Select
                  label="Job type"
                  required
                  data={d.jobTypes.map((t) => ({ value: t.id, label: t.name }))}
                  value={jobTypeId}
                  onChange={(v) => {
                    setJobTypeId(v);
                    const t = d.jobTypes.find((x) => x.id === v);
                    if (t) setHours(Math.round((t.defaultDurationMinutes / 60) * 4) / 4);
                  }}
                />
                <Textarea label="Scope" required value={scope} onChange={(e) => setScope(e.target.value)} />
                <Group grow>
                  <TextInput
                    type="date"
                    label="Date"
                    required
                    value={day}
                    onChange={(e) => setDay(e.target.value)}
                  />
                  <TextInput
                    type="time"
                    label="Start"
                    required
                    value={start}
                    onChange={(e) => setStart(e.target.value)}
                  />
                  <NumberInput
                    label="Hours"
                    min={0.25}
                    max={24}
                    step={0.25}
                    value={hours}
                    onChange={setHours}
                  />
                </Group>
                <Select
                  label="Technician"
                  clearable
                  placeholder="Unassigned"
                  data={d.users
                    .filter((u) => u.active && u.roles.includes('technician'))
                    .map((u) => ({ value: u.id, label: u.name }))}
                  value={technicianId}
                  onChange={setTechnicianId}
                />
                <Title order={5}>Billing facts</Title>
                <Group grow align="flex-end">
                  <Switch
                    label="Deposit required"
                    checked={depositRequired}
                    onChange={(e) => setDepositRequired(e.currentTarget.checked)}
                  />
                  <TextInput
                    label={`Deposit (${me.organization.currency})`}
                    disabled={!depositRequired}
                    value={depositAmount}
                    onChange={(e) => setDepositAmount(e.target.value)}
                    inputMode="decimal"
                  />
                </Group>
                <Group grow>
                  <TextInput
                    label="Discount %"
                    value={discountPercent}
                    onChange={(e) => setDiscountPercent(e.target.value)}
                    inputMode="decimal"
                  />
                  <TextInput
                    label="PO number"
                    value={poNumber}
                    onChange={(e) => setPoNumber(e.target.value)}
                  />
                </Group>
                {error && (
                  <Alert color="red" role="alert">
                    {error}
                  </Alert>
                )}
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

export const BoardPage = ({ me }: { me: MeT }) => {
  const tz = me.organization.timeZone;
  const canCreate = me.permissions.includes('jobs.create');
  const canMove = me.permissions.includes('jobs.schedule');
  const [view, setView] = useState<'day' | 'week'>('day');
  const [date, setDate] = useState(() => businessDate(new Date(), tz));
  const from = view === 'week' ? mondayOf(date) : date;
  const days = view === 'week' ? 7 : 1;
  const board = useResource(
    () => api<BoardT>('GET', `/api/v1/board?date=${from}&days=${days}`),
    [from, days],
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
    const job = board.data && allJobs(board.data).find((j) => j.id === payload.id);
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
                      {row.jobs.length} job{row.jobs.length === 1 ? '' : 's'}
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
                            key={j.id}
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
                                key={j.id}
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

const dateLabelOf = (iso: string, tz: string) => dayLabel(businessDate(new Date(iso), tz), tz);

/** The window a move lands on: the chosen day and start on the organization's clock, the same length as before. */
const windowOf = (move: Move, tz: string): { windowStart: string; windowEnd: string } | null => {
  const start = zonedToInstant(move.day, move.time, tz);
  if (Number.isNaN(start.getTime())) return null;
  const length = new Date(move.job.windowEnd).getTime() - new Date(move.job.windowStart).getTime();
  return { windowStart: start.toISOString(), windowEnd: new Date(start.getTime() + length).toISOString() };
};
