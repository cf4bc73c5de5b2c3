import type { WorkOrdersT } from '../../../src/contracts/work-orders';
import type { OutboxItem } from './db';
import { fmt } from './format';
import { go } from './nav';
import { STATE_LABEL } from './sync';

const KIND: Record<OutboxItem['kind'], string> = {
  closeout: 'Closeout',
  on_my_way: 'On my way',
  start: 'Job started',
  visit_done: 'Visit done, coming back',
  message: 'Message to the office',
  quote: 'Quote drafted',
};

export const Outbox = ({
  items,
  work,
  onSync,
}: {
  items: OutboxItem[];
  work: WorkOrdersT;
  onSync: () => void;
}) => {
  const tz = work.organization.timeZone;
  return (
    <>
      <div className="row between">
        <h1>Outbox</h1>
        <button type="button" onClick={onSync}>
          Send now
        </button>
      </div>
      {items.length === 0 && <p className="empty">Nothing sent from this phone yet.</p>}
      <ul className="outbox" aria-label="Sent from this phone">
        {items.map((o) => (
          <li
            key={o.id}
            data-outbox={o.jobNumber}
            data-kind={o.kind}
            data-state={o.state}
            className={`out ${o.state}`}
          >
            <div className="row between">
              <strong>
                {KIND[o.kind]} · {o.jobNumber}
              </strong>
              <span className={`pill ${o.state}`}>{STATE_LABEL[o.state]}</span>
            </div>
            <span className="muted">
              {fmt(o.createdAt, tz, { weekday: 'short', hour: '2-digit', minute: '2-digit' })}
            </span>
            {o.outcome && o.state === 'submitted' && <p>{o.outcome}</p>}
            {o.reason && o.state !== 'submitted' && !o.conflict && <p className="reason">{o.reason}</p>}
            {o.conflict && (
              <p className="banner warn" role="alert">
                The office changed this job: {o.conflict.message}
                {o.conflict.status ? ` (now ${o.conflict.status.replace('_', ' ')})` : ''}. Your closeout is
                kept here.
              </p>
            )}
            {o.missing && o.missing.length > 0 && (
              <ul aria-label={`Missing for ${o.jobNumber}`} className="missing">
                {o.missing.map((m) => (
                  <li key={`${m.field}${m.message}`}>{m.message}</li>
                ))}
              </ul>
            )}
            {o.state === 'needs_attention' && o.kind === 'closeout' && !o.conflict && (
              <button type="button" className="primary" onClick={() => go(`closeout/${o.jobId}`)}>
                Fix and send again
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
};
