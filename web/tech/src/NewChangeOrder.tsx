import { useState } from 'react';
import { type ChangeOrderView, MAX_CHANGE_ORDER_PHOTOS } from '../../../src/contracts/change-orders';
import type { WorkOrdersT, WorkOrderT } from '../../../src/contracts/work-orders';
import { agreedScope, type ScopeLine } from '../../../src/core/change-orders';
import { call } from './api';
import { messageOf } from './ChangeOrders';
import { LineFields, type LineRow, PhotoPicker, PriceBookSearch, rowsValid } from './line-editor';
import { go } from './nav';
import { usePhotos } from './Photos';
import { uploadPhoto } from './sync';

type Row = LineRow & { change: 'add' | 'remove' };

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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The job's photos on this phone; those picked are uploaded with the change (once each, whatever retries).
  const photos = usePhotos(j.id, []).filter((p) => p.category !== 'signature');
  const [picked, setPicked] = useState<string[]>([]);
  const agreed: ScopeLine[] = agreedScope(
    j.estimateLines,
    order.changeOrders.filter((c) => c.status === 'approved'),
  ).filter((l) => !l.quantity.startsWith('-'));
  const add = (r: Omit<Row, 'key'>) => setRows([...rows, { ...r, key: crypto.randomUUID() }]);
  const update = (key: string, patch: Partial<Row>) =>
    setRows(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const valid = reason.trim().length >= 3 && rowsValid(rows);

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
      <PriceBookSearch work={work} onPick={(r) => add({ ...r, change: 'add' })} />
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
        <LineFields
          key={r.key}
          row={r}
          label={`Change line ${n + 1}`}
          legend={r.change === 'add' ? 'Added' : 'Taken off'}
          sign={r.change === 'add' ? '+' : '−'}
          readOnly={r.change === 'remove'}
          currency={currency}
          onChange={(patch) => update(r.key, patch)}
          onRemove={() => setRows(rows.filter((x) => x.key !== r.key))}
        />
      ))}
      {photos.length > 0 && (
        <PhotoPicker
          photos={photos}
          picked={picked}
          max={MAX_CHANGE_ORDER_PHOTOS}
          label="Photos that show why"
          legend="Photos that show why (the customer sees these)"
          onChange={setPicked}
        />
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
