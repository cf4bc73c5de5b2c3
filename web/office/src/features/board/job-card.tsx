import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { visitWords } from '../../../../../src/core/visits';
import type { BoardJobT } from '../../shared/api';
import { timeOnly } from '../../shared/format';
import { StatusBadge } from '../../shared/status';
import { DRAG_TYPE } from './board-time';

export const JobCard = ({
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
  const navigate = useNavigate();
  // A later visit of a job moves on the job's page; the board moves the job (its next visit).
  const movable = !closed && onMove !== undefined && job.visitId === null;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a pointer drag source; the Move button is the keyboard way
    <div
      className={`board-card${job.overlapsWith.length ? ' overlap' : ''}${job.exception ? ' exception' : ''}`}
      style={style}
      data-job={job.number}
      data-visit={job.visit ? job.visit.number : undefined}
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
          onClick={() => navigate({ to: '/jobs/$jobId', params: { jobId: job.id } })}
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
      <span className="board-card-type">
        {job.jobTypeName}
        {job.visit ? ` · ${visitWords(job.visit.number, job.visit.of)}` : ''}
      </span>
      <span className="board-card-status">
        <StatusBadge kind="work" status={job.status} />
        <StatusBadge kind="billing" status={job.billingStatus} />
      </span>
      {job.overlapsWith.length > 0 && <span className="board-card-warn">Overlaps</span>}
    </div>
  );
};

/** A drop target: an hour of a technician's day, or a day of their week. */
export const Cell = ({
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
