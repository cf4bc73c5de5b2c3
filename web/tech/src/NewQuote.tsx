import { useState } from 'react';
import { MAX_QUOTE_PHOTOS } from '../../../src/contracts/quotes';
import type { WorkOrdersT, WorkOrderT } from '../../../src/contracts/work-orders';
import { LineFields, type LineRow, newRow, PhotoPicker, PriceBookSearch, rowsValid } from './line-editor';
import { go } from './nav';
import { keepPhoto, usePhotos } from './Photos';
import { enqueue } from './sync';

/**
 * Drafting a quote at the job's site (an assessment visit, or more work the customer asks about): a title,
 * the lines from the price book or typed, a note for the office, photos. It is saved on this phone and goes
 * through the outbox when there is a connection, exactly once; the office reviews it and sends it to the
 * customer.
 */
export const NewQuote = ({
  work,
  order,
  onQueued,
}: {
  work: WorkOrdersT;
  order: WorkOrderT;
  onQueued: () => Promise<void>;
}) => {
  const j = order.job;
  const currency = work.organization.currency;
  const [title, setTitle] = useState('');
  const [rows, setRows] = useState<LineRow[]>([]);
  const [note, setNote] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [taken, setTaken] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const photos = usePhotos(j.id, taken).filter((p) => p.category !== 'signature');
  const update = (key: string, patch: Partial<LineRow>) =>
    setRows(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const valid = title.trim().length > 0 && rowsValid(rows);

  const takePhotos = async (files: FileList | null) => {
    const added: string[] = [];
    for (const file of Array.from(files ?? [])) added.push((await keepPhoto(j.id, 'other', file)).id);
    setTaken([...taken, ...added]);
    setPicked([...picked, ...added].slice(0, MAX_QUOTE_PHOTOS));
  };

  const save = async () => {
    setBusy(true);
    try {
      await enqueue({
        id: crypto.randomUUID(),
        kind: 'quote',
        jobId: j.id,
        jobNumber: j.number,
        quote: {
          title: title.trim(),
          lines: rows.map((r) => ({
            sku: r.sku,
            description: r.description.trim(),
            quantity: r.quantity.trim(),
            unitPrice: r.unitPrice.trim(),
          })),
          note: note.trim() || null,
        },
        photoIds: picked,
      });
      go(`job/${j.id}`);
      await onQueued();
    } finally {
      setBusy(false);
    }
  };

  return (
    <article aria-label={`Draft a quote at ${j.number}`}>
      <button type="button" className="link" onClick={() => go(`job/${j.id}`)}>
        ← {j.number}
      </button>
      <h1>Draft a quote</h1>
      <p className="muted">
        For {j.customerName} at {order.site.name}. The office checks the prices and sends it to the customer.
      </p>
      <label>
        What the quote is for (the customer reads this)
        <input value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <h2>Work to quote</h2>
      <PriceBookSearch work={work} onPick={(r) => setRows([...rows, newRow(r)])} />
      <button
        type="button"
        onClick={() =>
          setRows([...rows, newRow({ sku: null, description: '', quantity: '1', unitPrice: '' })])
        }
      >
        Add other work
      </button>
      {rows.map((r, n) => (
        <LineFields
          key={r.key}
          row={r}
          label={`Quote line ${n + 1}`}
          legend={`Line ${n + 1}`}
          currency={currency}
          onChange={(patch) => update(r.key, patch)}
          onRemove={() => setRows(rows.filter((x) => x.key !== r.key))}
        />
      ))}
      <label>
        For the office (the customer never sees this)
        <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={3} maxLength={4000} />
      </label>
      <label className="file">
        Take photos for the quote
        <input
          type="file"
          accept="image/*"
          capture="environment"
          multiple
          onChange={(e) => void takePhotos(e.target.files)}
        />
      </label>
      {photos.length > 0 && (
        <PhotoPicker
          photos={photos}
          picked={picked}
          max={MAX_QUOTE_PHOTOS}
          label="Photos for the quote"
          legend="Photos for the quote (the customer sees these)"
          onChange={setPicked}
        />
      )}
      <button type="button" className="primary wide" disabled={!valid || busy} onClick={() => void save()}>
        Save the quote
      </button>
      <p className="muted">It is kept on this phone and goes to the office when there is a connection.</p>
    </article>
  );
};
