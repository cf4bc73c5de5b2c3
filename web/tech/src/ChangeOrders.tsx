import { useEffect, useState } from 'react';
import type { ChangeOrderView } from '../../../src/contracts/change-orders';
import type { WorkOrderT } from '../../../src/contracts/work-orders';
import { agreedScope, type ScopeLine } from '../../../src/core/change-orders';
import { grossOf } from '../../../src/core/invoice-calc';
import { refusalText } from '../../shared/refusal';
import { useSignaturePad } from '../../shared/signature-pad';
import { call } from './api';
import { money } from './format';
import { go } from './nav';

const STATUS_WORDS: Record<ChangeOrderView['status'], string> = {
  draft: 'Waiting for the customer’s signature',
  sent: 'Sent to the customer',
  viewed: 'Seen by the customer',
  approved: 'Approved',
  declined: 'Declined',
  withdrawn: 'Withdrawn',
};

export const messageOf = (err: unknown) =>
  refusalText(err) ?? 'No connection: a change needs the office’s prices now. Try again when you are online.';

const signedAmount = (c: ChangeOrderView) =>
  `${c.difference.startsWith('-') ? '−' : '+'}${money(c.difference.replace(/^-/, ''), c.currency)}`;

/** Stable keys for lines that may repeat (the same item taken off by one change and added by another). */
const keyed = (lines: readonly ScopeLine[]) => {
  const seen = new Map<string, number>();
  return lines.map((line) => {
    const base = `${line.sku ?? ''}|${line.description}|${line.unitPrice}|${line.quantity}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { key: `${base}#${n}`, line };
  });
};

/** On the job page: the job's changes to the agreed work, and proposing one. */
export const ChangeOrderList = ({ order, online }: { order: WorkOrderT; online: boolean }) => {
  const j = order.job;
  const closed = j.status === 'canceled' || j.status === 'no_show';
  const agreed = agreedScope(
    j.estimateLines,
    order.changeOrders.filter((c) => c.status === 'approved'),
  );
  return (
    <section aria-label="Agreed work and changes">
      <h2>Agreed work and changes</h2>
      {agreed.length > 0 && (
        <ul className="needs" aria-label="Agreed work">
          {keyed(agreed).map(({ key, line: l }) => (
            <li key={key}>
              {l.quantity.startsWith('-') ? 'Taken off: ' : ''}
              {l.quantity.replace(/^-/, '') === '1' ? '' : `${l.quantity.replace(/^-/, '')} × `}
              {l.description}
            </li>
          ))}
        </ul>
      )}
      {order.changeOrders.length === 0 && (
        <p className="muted">
          Found more to do, or less? Propose a change: the customer signs it here, and only what they sign is
          billed.
        </p>
      )}
      <ul className="changes">
        {order.changeOrders.map((c) => (
          <li key={c.id}>
            <button type="button" className="job-card" onClick={() => go(`change/${j.id}/${c.id}`)}>
              <span className="job-head">
                <strong>Change {c.seq}</strong>
                <span>{signedAmount(c)}</span>
              </span>
              <span>{c.reason}</span>
              <span className={`pill ${c.status === 'approved' ? 'completed' : 'saved'}`}>
                {STATUS_WORDS[c.status]}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {!closed && (
        <button type="button" className="wide" disabled={!online} onClick={() => go(`change/${j.id}`)}>
          Propose a change
        </button>
      )}
      {!online && !closed && (
        <p className="muted">Changes need a connection: prices are checked by the office.</p>
      )}
    </section>
  );
};

/**
 * One change: what it adds and takes off, the agreed price before and after, and the customer's answer:
 * signed on this phone, declined with their reason, or sent to them by e-mail to decide later.
 */
export const ChangeOrderScreen = ({
  order,
  changeOrderId,
  onSaved,
}: {
  order: WorkOrderT;
  changeOrderId: string;
  onSaved: () => Promise<void>;
}) => {
  const j = order.job;
  const [change, setChange] = useState<ChangeOrderView | null>(
    order.changeOrders.find((c) => c.id === changeOrderId) ?? null,
  );
  const [name, setName] = useState('');
  const [declining, setDeclining] = useState(false);
  const [declineReason, setDeclineReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const pad = useSignaturePad(!declining);

  useEffect(() => {
    // The latest figures: another change approved since may have moved this one's price.
    call<ChangeOrderView>('GET', `/change-orders/${changeOrderId}`)
      .then(setChange)
      .catch(() => undefined);
  }, [changeOrderId]);

  if (!change) return <p className="loading">Loading the change…</p>;
  const open = change.status === 'draft' || change.status === 'sent' || change.status === 'viewed';
  const act = async (path: string, body: object, done: string) => {
    setBusy(true);
    setError(null);
    try {
      const next = await call<ChangeOrderView>('POST', `/change-orders/${change.id}/${path}`, body);
      setChange(next);
      setNotice(done);
      await onSaved();
    } catch (err) {
      setError(messageOf(err));
      // A refusal because the price moved carries the new figures: show them.
      await call<ChangeOrderView>('GET', `/change-orders/${change.id}`).then(setChange, () => undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <article aria-label={`${j.number} change ${change.seq}`}>
      <button type="button" className="link" onClick={() => go(`job/${j.id}`)}>
        ← {j.number}
      </button>
      <h1>
        Change {change.seq} to {j.number}
      </h1>
      <p className={`pill ${change.status === 'approved' ? 'completed' : 'saved'}`}>
        {STATUS_WORDS[change.status]}
      </p>
      <p>{change.reason}</p>
      <ul className="needs" aria-label="What changes">
        {change.lines.map((l) => (
          <li key={`${l.change}${l.description}${l.unitPrice}`}>
            {l.change === 'add' ? 'Add' : 'Take off'}: {l.quantity === '1' ? '' : `${l.quantity} × `}
            {l.description}, {money(grossOf(l.quantity, l.unitPrice).toFixed(), change.currency)}
          </li>
        ))}
      </ul>
      <dl className="totals" aria-label="Agreed price">
        <dt>Agreed price until now</dt>
        <dd>{money(change.beforeTotal, change.currency)}</dd>
        <dt>This change</dt>
        <dd>{signedAmount(change)}</dd>
        <dt>With this change</dt>
        <dd data-total>{money(change.afterTotal, change.currency)}</dd>
      </dl>
      <p className="muted">Totals include tax and any discount agreed, as the invoice will bill them.</p>
      {notice && <p className="banner ok">{notice}</p>}
      {change.status === 'approved' && change.signerName && (
        <p className="banner ok">
          Signed by {change.signerName}
          {change.signedInPerson ? ' on this phone' : ' online'}.
        </p>
      )}
      {change.status === 'declined' && <p className="banner warn">Declined: {change.declineReason}</p>}
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
      {open &&
        (declining ? (
          <section aria-label="The customer declines">
            <label>
              The customer's reason
              <textarea value={declineReason} onChange={(e) => setDeclineReason(e.target.value)} rows={2} />
            </label>
            <div className="actions">
              <button type="button" onClick={() => setDeclining(false)} disabled={busy}>
                Back
              </button>
              <button
                type="button"
                disabled={busy || declineReason.trim().length === 0}
                onClick={() =>
                  act('decline', { reason: declineReason.trim() }, 'Declined: nothing changes on the job.')
                }
              >
                Record the refusal
              </button>
            </div>
          </section>
        ) : (
          <section aria-label="The customer signs">
            <h2>Hand the phone to the customer</h2>
            <label>
              Customer's name
              <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
            </label>
            <canvas ref={pad.canvas} className="pad" aria-label="Signature pad" />
            <div className="row">
              <button type="button" onClick={pad.clear}>
                Clear
              </button>
              <button
                type="button"
                className="primary"
                disabled={busy || !pad.signed || name.trim().length < 2}
                onClick={() => {
                  const signature = pad.dataUrl();
                  if (signature)
                    void act(
                      'approve',
                      { signerName: name.trim(), signature, afterTotal: change.afterTotal },
                      'Approved: the change is part of the agreed price.',
                    );
                }}
              >
                Approve for {money(change.afterTotal, change.currency)}
              </button>
            </div>
            <div className="actions">
              <button type="button" onClick={() => setDeclining(true)} disabled={busy}>
                Customer declines…
              </button>
              <button
                type="button"
                disabled={busy}
                onClick={() => act('send', {}, 'Sent: the customer can approve it from the e-mail.')}
              >
                {change.status === 'draft' ? 'E-mail it to the customer' : 'E-mail it again'}
              </button>
            </div>
          </section>
        ))}
    </article>
  );
};
