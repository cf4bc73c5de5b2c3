import { useState } from 'react';
import { type ChangeOrderView, MAX_CHANGE_ORDER_PHOTOS } from '../../../src/contracts/change-orders';
import type { WorkOrdersT, WorkOrderT } from '../../../src/contracts/work-orders';
import { agreedScope, type ScopeLine } from '../../../src/core/change-orders';
import { grossOf } from '../../../src/core/invoice-calc';
import { call } from './api';
import { messageOf } from './ChangeOrders';
import { isDecimal } from './closeout';
import { money } from './format';
import { go } from './nav';
import { Thumb, usePhotos } from './Photos';
import { uploadPhoto } from './sync';

type Row = {
  key: string;
  change: 'add' | 'remove';
  sku: string | null;
  description: string;
  quantity: string;
  unitPrice: string;
};

/**
 * Proposing a change on site: why, and the lines added (from the price book or typed) or taken off the
 * agreed work. The office prices it at once (before and after, tax included); then the customer signs.
 */
export const NewChangeOrder = ({
  work,
  order,
  onSaved,
}: {
  work: WorkOrdersT;
  order: WorkOrderT;
  onSaved: () => Promise<void>;
}) => {
  const j = order.job;
  const currency = work.organization.currency;
  const [reason, setReason] = useState('');
  const [rows, setRows] = useState<Row[]>([]);
  const [query, setQuery] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The job's photos on this phone; those picked are uploaded with the change (once each, whatever retries).
  const photos = usePhotos(j.id, []).filter((p) => p.category !== 'signature');
  const [picked, setPicked] = useState<string[]>([]);
  const agreed: ScopeLine[] = agreedScope(
    j.estimateLines,
    order.changeOrders.filter((c) => c.status === 'approved'),
  ).filter((l) => !l.quantity.startsWith('-'));
  const matches = query.trim()
    ? work.priceBook
        .filter((p) => `${p.name} ${p.sku}`.toLowerCase().includes(query.trim().toLowerCase()))
        .slice(0, 6)
    : [];
  const add = (r: Omit<Row, 'key'>) => setRows([...rows, { ...r, key: crypto.randomUUID() }]);
  const update = (key: string, patch: Partial<Row>) =>
    setRows(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const valid =
    reason.trim().length >= 3 &&
    rows.length > 0 &&
    rows.every(
      (r) =>
        r.description.trim() && isDecimal(r.quantity) && Number(r.quantity) > 0 && isDecimal(r.unitPrice),
    );

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const photoIds: string[] = [];
      for (const p of photos.filter((x) => picked.includes(x.id))) photoIds.push(await uploadPhoto(j.id, p));
      const created = await call<ChangeOrderView>('POST', `/jobs/${j.id}/change-orders`, {
        reason: reason.trim(),
        lines: rows.map(({ key: _k, ...r }) => ({ ...r, description: r.description.trim() })),
        ...(photoIds.length > 0 ? { photoIds } : {}),
      });
      await onSaved();
      go(`change/${j.id}/${created.id}`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article aria-label={`Propose a change to ${j.number}`}>
      <button type="button" className="link" onClick={() => go(`job/${j.id}`)}>
        ← {j.number}
      </button>
      <h1>Propose a change</h1>
      <label>
        Why the work changes (the customer reads this)
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={3} maxLength={1000} />
      </label>
      <h2>Add work</h2>
      <label>
        Search the price book
        <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Radiator, valve…" />
      </label>
      <ul className="matches">
        {matches.map((p) => (
          <li key={p.sku}>
            <button
              type="button"
              onClick={() => {
                setQuery('');
                add({
                  change: 'add',
                  sku: p.sku,
                  description: p.name,
                  quantity: '1',
                  unitPrice: p.unitPrice,
                });
              }}
            >
              {p.name} · {money(p.unitPrice, currency)}
            </button>
          </li>
        ))}
      </ul>
      <button
        type="button"
        onClick={() => add({ change: 'add', sku: null, description: '', quantity: '1', unitPrice: '' })}
      >
        Add other work
      </button>
      {agreed.length > 0 && (
        <>
          <h2>Take off agreed work</h2>
          <ul className="matches">
            {agreed.map((l) => (
              <li key={`${l.sku}${l.description}${l.unitPrice}`}>
                <button
                  type="button"
                  onClick={() =>
                    add({
                      change: 'remove',
                      sku: l.sku,
                      description: l.description,
                      quantity: l.quantity,
                      unitPrice: l.unitPrice,
                    })
                  }
                >
                  Take off: {l.quantity === '1' ? '' : `${l.quantity} × `}
                  {l.description}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {rows.map((r, n) => (
        <fieldset key={r.key} className="part" aria-label={`Change line ${n + 1}`}>
          <legend>{r.change === 'add' ? 'Added' : 'Taken off'}</legend>
          <label>
            Description
            <input
              value={r.description}
              readOnly={r.change === 'remove'}
              onChange={(e) => update(r.key, { description: e.target.value })}
            />
          </label>
          <div className="pair">
            <label>
              Quantity
              <input
                inputMode="decimal"
                value={r.quantity}
                onChange={(e) => update(r.key, { quantity: e.target.value })}
              />
            </label>
            <label>
              Unit price
              <input
                inputMode="decimal"
                value={r.unitPrice}
                readOnly={r.change === 'remove'}
                onChange={(e) => update(r.key, { unitPrice: e.target.value })}
              />
            </label>
          </div>
          {isDecimal(r.quantity) && isDecimal(r.unitPrice) && (
            <p className="muted">
              {r.change === 'add' ? '+' : '−'}
              {money(grossOf(r.quantity, r.unitPrice).toFixed(), currency)} before tax
            </p>
          )}
          <button type="button" className="link" onClick={() => setRows(rows.filter((x) => x.key !== r.key))}>
            Remove this line
          </button>
        </fieldset>
      ))}
      {photos.length > 0 && (
        <fieldset className="part" aria-label="Photos that show why">
          <legend>Photos that show why (the customer sees these)</legend>
          <div className="thumbs">
            {photos.map((p) => (
              <label key={p.id} className="pick">
                <input
                  type="checkbox"
                  aria-label={`${p.category.replace('_', ' ')} photo, ${new Date(p.takenAt).toLocaleTimeString()}`}
                  disabled={!picked.includes(p.id) && picked.length >= MAX_CHANGE_ORDER_PHOTOS}
                  checked={picked.includes(p.id)}
                  onChange={(e) =>
                    setPicked(e.target.checked ? [...picked, p.id] : picked.filter((x) => x !== p.id))
                  }
                />
                <Thumb photo={p} />
              </label>
            ))}
          </div>
        </fieldset>
      )}
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
      <button type="button" className="primary wide" disabled={!valid || busy} onClick={submit}>
        {busy ? 'Pricing…' : 'Price the change'}
      </button>
    </article>
  );
};
