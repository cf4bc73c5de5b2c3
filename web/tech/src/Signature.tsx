import { useEffect, useRef, useState } from 'react';
import SignaturePad from 'signature_pad';
import { SIGNATURE_EXCEPTION_WORDS } from '../../../src/core/closeout-rules';
import { type Draft, db, type Photo } from './db';
import { sha256Hex } from './media';

const REASONS = Object.entries(SIGNATURE_EXCEPTION_WORDS) as [
  keyof typeof SIGNATURE_EXCEPTION_WORDS,
  string,
][];

/** The customer signs on the glass, or the technician says why nobody could, in words. */
export const Signature = ({ draft, save }: { draft: Draft; save: (d: Draft) => Promise<void> }) => {
  const canvas = useRef<HTMLCanvasElement>(null);
  const pad = useRef<SignaturePad | null>(null);
  const [name, setName] = useState(draft.signature?.signerName ?? '');
  const [empty, setEmpty] = useState(true);
  const [noSig, setNoSig] = useState(draft.signatureException !== null);
  const [reason, setReason] = useState<(typeof REASONS)[number][0]>(
    draft.signatureException?.reasonCode ?? 'customer_absent',
  );
  const [text, setText] = useState(draft.signatureException?.text ?? '');
  useEffect(() => {
    if (!canvas.current || noSig) return;
    const c = canvas.current;
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    c.width = c.offsetWidth * ratio;
    c.height = c.offsetHeight * ratio;
    c.getContext('2d')?.scale(ratio, ratio);
    const p = new SignaturePad(c, { backgroundColor: 'rgb(255,255,255)' });
    p.addEventListener('endStroke', () => setEmpty(p.isEmpty()));
    pad.current = p;
    return () => p.off();
  }, [noSig]);
  const keep = async () => {
    if (!pad.current || pad.current.isEmpty() || !name.trim()) return;
    // Straight from the canvas: a data: URL fetch fails offline in some browsers.
    const blob = await new Promise<Blob | null>((resolve) => canvas.current?.toBlob(resolve, 'image/png'));
    if (!blob) return;
    const photo: Photo = {
      id: crypto.randomUUID(),
      jobId: draft.jobId,
      category: 'signature',
      blob,
      sha256: await sha256Hex(blob),
      takenAt: new Date().toISOString(),
    };
    await db.photos.put(photo);
    await save({
      ...draft,
      signature: { photoId: photo.id, signerName: name.trim(), signedAt: photo.takenAt },
      signatureException: null,
    });
  };
  if (draft.signature)
    return (
      <div>
        <p className="banner ok">Signed by {draft.signature.signerName}.</p>
        <button type="button" onClick={() => save({ ...draft, signature: null })}>
          Sign again
        </button>
      </div>
    );
  return (
    <div>
      <label className="check">
        <input
          type="checkbox"
          checked={noSig}
          onChange={(e) => {
            setNoSig(e.target.checked);
            if (!e.target.checked) void save({ ...draft, signatureException: null });
          }}
        />
        Couldn't get a signature
      </label>
      {noSig ? (
        <>
          <label>
            Why
            <select value={reason} onChange={(e) => setReason(e.target.value as typeof reason)}>
              {REASONS.map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label>
            What happened
            <textarea value={text} onChange={(e) => setText(e.target.value)} />
          </label>
          <button
            type="button"
            disabled={text.trim().length < 3}
            onClick={() =>
              save({
                ...draft,
                signature: null,
                signatureException: { reasonCode: reason, text: text.trim() },
              })
            }
          >
            Save the reason
          </button>
          {draft.signatureException && <p className="muted">Reason saved. The office will approve it.</p>}
        </>
      ) : (
        <>
          <label>
            Signer's name
            <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
          </label>
          <canvas ref={canvas} className="pad" aria-label="Signature pad" />
          <div className="row">
            <button
              type="button"
              onClick={() => {
                pad.current?.clear();
                setEmpty(true);
              }}
            >
              Clear
            </button>
            <button type="button" className="primary" disabled={empty || !name.trim()} onClick={keep}>
              Keep signature
            </button>
          </div>
        </>
      )}
    </div>
  );
};
