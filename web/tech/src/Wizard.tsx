import { useMemo, useState } from 'react';
import type { WorkOrdersT, WorkOrderT } from '../../../src/contracts/work-orders';
import type { PhotoCategory } from '../../../src/core/closeout-rules';
import { bodyOf, closeoutFields, isDecimal, missingFor, timerHours, totalsFor } from './closeout';
import { db } from './db';
import { money } from './format';
import { useDraft } from './Jobs';
import { go } from './nav';
import { keepPhoto, Thumb, usePhotos } from './Photos';
import { Signature } from './Signature';
import { enqueue, syncOutbox } from './sync';

const STEPS = ['Work', 'Labor', 'Parts', 'Photos', 'Signature', 'Review'] as const;
type Step = (typeof STEPS)[number];
const CATEGORIES: PhotoCategory[] = ['before', 'after', 'serial_plate', 'document', 'other'];

export const CloseoutWizard = ({ work, order }: { work: WorkOrdersT; order: WorkOrderT }) => {
  const [draft, save] = useDraft(order.job.id);
  const [step, setStep] = useState<Step>('Work');
  const [query, setQuery] = useState('');
  const [busy, setBusy] = useState(false);
  const photos = usePhotos(order.job.id, draft?.photoIds ?? []);
  const missing = useMemo(() => (draft ? missingFor(order, draft, photos) : []), [order, draft, photos]);
  const totals = useMemo(() => (draft ? totalsFor(work, order, draft) : null), [work, order, draft]);
  if (!draft) return <p className="loading">Loading…</p>;
  const req = order.jobType.requirements;
  const currency = work.organization.currency;

  const addPhotos = async (category: PhotoCategory, files: FileList | null) => {
    const added: string[] = [];
    for (const file of Array.from(files ?? [])) added.push((await keepPhoto(draft.jobId, category, file)).id);
    await save({ ...draft, photoIds: [...draft.photoIds, ...added] });
  };

  const submit = async () => {
    setBusy(true);
    const gps = await new Promise<GeolocationCoordinates | null>((resolve) => {
      if (!('geolocation' in navigator)) return resolve(null);
      navigator.geolocation.getCurrentPosition(
        (p) => resolve(p.coords),
        () => resolve(null),
        { timeout: 3000, maximumAge: 600_000 },
      );
    });
    const submissionId = crypto.randomUUID();
    // A resubmission replaces the refused one; the refused one stays in the server's history.
    const refused = await db.outbox
      .where('jobId')
      .equals(draft.jobId)
      .filter((o) => o.kind === 'closeout' && o.state === 'needs_attention')
      .primaryKeys();
    await db.outbox.bulkDelete(refused);
    await enqueue({
      id: submissionId,
      kind: 'closeout',
      jobId: draft.jobId,
      jobNumber: order.job.number,
      body: bodyOf(work, order, draft, submissionId, gps),
      photoIds: draft.photoIds,
      signature: draft.signature,
    });
    setBusy(false);
    go('outbox');
    void syncOutbox({ force: true });
  };

  const i = STEPS.indexOf(step);
  const matches = query.trim()
    ? work.priceBook
        .filter(
          (p) =>
            p.kind !== 'labor' && `${p.sku} ${p.name}`.toLowerCase().includes(query.trim().toLowerCase()),
        )
        .slice(0, 8)
    : [];

  return (
    <article aria-label={`Close out ${order.job.number}`}>
      <button type="button" className="link" onClick={() => go(`job/${order.job.id}`)}>
        ← {order.job.number}
      </button>
      <h1>Close out {order.job.number}</h1>
      <div className={`ready ${missing.length ? 'no' : 'yes'}`} role="status" aria-label="Readiness">
        <strong>{missing.length ? 'Not ready' : 'Ready'}</strong>
        {missing.length > 0 && (
          <ul aria-label="Still missing">
            {missing.map((m) => (
              <li key={`${m.field}${m.message}`}>{m.message}</li>
            ))}
          </ul>
        )}
      </div>
      <nav className="steps" aria-label="Steps">
        {STEPS.map((s) => (
          <button
            key={s}
            type="button"
            aria-current={s === step ? 'step' : undefined}
            onClick={() => setStep(s)}
          >
            {s}
          </button>
        ))}
      </nav>
      <section aria-label={step} className="step">
        {step === 'Work' && (
          <>
            {req.checklist.length === 0 && <p className="muted">No checklist for this job type.</p>}
            {req.checklist.map((item) => (
              <label key={item} className="check">
                <input
                  type="checkbox"
                  checked={draft.checklistDone.includes(item)}
                  onChange={(e) =>
                    save({
                      ...draft,
                      checklistDone: e.target.checked
                        ? [...draft.checklistDone, item]
                        : draft.checklistDone.filter((c) => c !== item),
                    })
                  }
                />
                {item}
              </label>
            ))}
            {closeoutFields(order).map((f) => (
              <label key={f.key} htmlFor={`field-${f.key}`}>
                {f.label}
                {f.required ? ' (required)' : ''}
                {f.type === 'choice' ? (
                  <select
                    id={`field-${f.key}`}
                    value={draft.customFields?.[f.key] ?? ''}
                    onChange={(e) =>
                      save({ ...draft, customFields: { ...draft.customFields, [f.key]: e.target.value } })
                    }
                  >
                    <option value="">Choose…</option>
                    {(f.options ?? []).map((o) => (
                      <option key={o}>{o}</option>
                    ))}
                  </select>
                ) : (
                  <input
                    id={`field-${f.key}`}
                    type={f.type === 'date' ? 'date' : 'text'}
                    inputMode={f.type === 'number' ? 'decimal' : undefined}
                    value={draft.customFields?.[f.key] ?? ''}
                    onChange={(e) =>
                      save({ ...draft, customFields: { ...draft.customFields, [f.key]: e.target.value } })
                    }
                  />
                )}
              </label>
            ))}
            <label>
              Notes{req.notes ? ' (required)' : ''}
              <textarea
                value={draft.notes}
                onChange={(e) => save({ ...draft, notes: e.target.value })}
                rows={4}
              />
            </label>
          </>
        )}
        {step === 'Labor' && (
          <>
            <label>
              Hours
              <input
                inputMode="decimal"
                value={draft.laborHours}
                onChange={(e) => save({ ...draft, laborHours: e.target.value })}
                aria-invalid={draft.laborHours !== '' && !isDecimal(draft.laborHours)}
              />
            </label>
            <p className="muted">
              Timer: {timerHours(draft)} h{' '}
              <button
                type="button"
                className="link"
                onClick={() => save({ ...draft, laborHours: String(timerHours(draft)) })}
              >
                Use the timer
              </button>
            </p>
          </>
        )}
        {step === 'Parts' && (
          <>
            <label>
              Search the price book
              <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
            </label>
            <ul className="matches" aria-label="Price book matches">
              {matches.map((p) => (
                <li key={p.sku}>
                  <button
                    type="button"
                    onClick={() => {
                      setQuery('');
                      void save({
                        ...draft,
                        parts: [
                          ...draft.parts,
                          {
                            key: crypto.randomUUID(),
                            sku: p.sku,
                            description: p.name,
                            quantity: '1',
                            unitPrice: p.unitPrice,
                            serial: '',
                          },
                        ],
                      });
                    }}
                  >
                    {p.name} · {p.sku} · {money(p.unitPrice, currency)}
                  </button>
                </li>
              ))}
            </ul>
            {draft.parts.map((p, n) => (
              <fieldset key={p.key} className="part" aria-label={`Part ${n + 1}`}>
                <legend>{p.description || `Part ${n + 1}`}</legend>
                <label>
                  Quantity
                  <input
                    inputMode="decimal"
                    value={p.quantity}
                    onChange={(e) =>
                      save({
                        ...draft,
                        parts: draft.parts.map((x, k) => (k === n ? { ...x, quantity: e.target.value } : x)),
                      })
                    }
                  />
                </label>
                <label>
                  Serial number
                  <input
                    value={p.serial}
                    onChange={(e) =>
                      save({
                        ...draft,
                        parts: draft.parts.map((x, k) => (k === n ? { ...x, serial: e.target.value } : x)),
                      })
                    }
                  />
                </label>
                <button
                  type="button"
                  className="link"
                  onClick={() => save({ ...draft, parts: draft.parts.filter((_, k) => k !== n) })}
                >
                  Remove
                </button>
              </fieldset>
            ))}
          </>
        )}
        {step === 'Photos' &&
          CATEGORIES.map((c) => {
            const min = req.photos.find((p) => p.category === c)?.min ?? 0;
            const mine = photos.filter((p) => p.category === c && draft.photoIds.includes(p.id));
            return (
              <div key={c} className="photo-cat">
                <label>
                  {c.replace('_', ' ')} photos {min ? `(${mine.length} of ${min})` : `(${mine.length})`}
                  <input
                    type="file"
                    accept="image/*"
                    capture="environment"
                    multiple
                    onChange={(e) => void addPhotos(c, e.target.files)}
                  />
                </label>
                <div className="thumbs">
                  {mine.map((p) => (
                    <Thumb key={p.id} photo={p} />
                  ))}
                </div>
              </div>
            );
          })}
        {step === 'Signature' && <Signature draft={draft} save={save} />}
        {step === 'Review' && (
          <>
            <dl className="facts">
              <dt>Checklist</dt>
              <dd>
                {draft.checklistDone.length} of {req.checklist.length} done
              </dd>
              <dt>Labor</dt>
              <dd>{draft.laborHours || '0'} h</dd>
              <dt>Parts</dt>
              <dd>{draft.parts.length}</dd>
              <dt>Photos</dt>
              <dd>{draft.photoIds.length}</dd>
              <dt>Signature</dt>
              <dd>
                {draft.signature
                  ? draft.signature.signerName
                  : draft.signatureException
                    ? 'Reason given'
                    : 'None'}
              </dd>
            </dl>
            {totals && (
              <dl className="totals" aria-label="Totals">
                <dt>Net</dt>
                <dd>{money(totals.totals.taxExclusive, currency)}</dd>
                <dt>Tax</dt>
                <dd>{money(totals.totals.taxTotal, currency)}</dd>
                <dt>Total</dt>
                <dd data-total>{money(totals.totals.taxInclusive, currency)}</dd>
                {Number(totals.totals.prepaid) !== 0 && (
                  <>
                    <dt>Deposit paid</dt>
                    <dd>{money(totals.totals.prepaid, currency)}</dd>
                    <dt>Still to pay</dt>
                    <dd data-due>{money(totals.totals.payable, currency)}</dd>
                  </>
                )}
              </dl>
            )}
            {totals && order.jobType.billingMode === 'fixed' && (
              <p className="muted" data-fixed-price>
                Fixed price: the agreed price is billed. The time and parts you record are kept as the job's
                record, not added to the bill.
              </p>
            )}
            <button type="button" className="primary wide" disabled={busy} onClick={submit}>
              {missing.length ? 'Submit anyway (the office will see what is missing)' : 'Submit closeout'}
            </button>
          </>
        )}
      </section>
      <div className="row between">
        <button type="button" disabled={i === 0} onClick={() => setStep(STEPS[i - 1] ?? 'Work')}>
          Back
        </button>
        {i < STEPS.length - 1 && (
          <button type="button" className="primary" onClick={() => setStep(STEPS[i + 1] ?? 'Review')}>
            Next
          </button>
        )}
      </div>
    </article>
  );
};
