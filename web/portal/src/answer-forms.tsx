import { useEffect, useRef, useState } from 'react';
import SignaturePad from 'signature_pad';
import type { PublicQuote } from '../../../src/contracts/quotes';
import { ApiError } from '../../shared/api-client';
import { money } from './format';

const messageOf = (err: unknown) =>
  err instanceof ApiError
    ? (err.problem.detail ?? 'That did not work.')
    : 'We could not reach the server. Check your connection and try again.';

/**
 * Accept (typed name and a drawn signature) or decline (a reason). Each sends once and shows the server's
 * refusal in words; the page then shows the answer as the server recorded it.
 */
export const AnswerForms = ({
  quote,
  payable,
  onAccept,
  onDecline,
}: {
  quote: PublicQuote;
  payable: string;
  onAccept: (body: { signerName: string; signature: string }) => Promise<void>;
  onDecline: (reason: string) => Promise<void>;
}) => {
  const canvas = useRef<HTMLCanvasElement>(null);
  const pad = useRef<SignaturePad | null>(null);
  const [name, setName] = useState('');
  const [signed, setSigned] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState('');

  useEffect(() => {
    const c = canvas.current;
    if (!c || declining) return;
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    c.width = c.offsetWidth * ratio;
    c.height = c.offsetHeight * ratio;
    c.getContext('2d')?.scale(ratio, ratio);
    const p = new SignaturePad(c, { backgroundColor: 'rgb(255,255,255)' });
    p.addEventListener('endStroke', () => setSigned(!p.isEmpty()));
    pad.current = p;
    return () => p.off();
  }, [declining]);

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const total = money(quote, payable);

  if (declining)
    return (
      <section className="card">
        <h2>Decline this quote</h2>
        <label className="field">
          Tell us why, so we can do better
          <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={3} maxLength={1000} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={() => setDeclining(false)} disabled={busy}>
            Back
          </button>
          <button
            type="button"
            className="danger"
            disabled={busy || reason.trim().length === 0}
            onClick={() => run(() => onDecline(reason.trim()))}
          >
            Decline the quote
          </button>
        </div>
      </section>
    );

  return (
    <section className="card">
      <h2>Accept and sign</h2>
      <p className="muted">
        By signing you accept quote {quote.number} for {total} on the terms above.
      </p>
      <label className="field">
        Your full name
        <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" maxLength={200} />
      </label>
      <div className="field">
        <span id="signature-label">Sign here</span>
        <canvas ref={canvas} className="signature" aria-labelledby="signature-label" />
        <button
          type="button"
          className="link"
          onClick={() => {
            pad.current?.clear();
            setSigned(false);
          }}
        >
          Clear the signature
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => setDeclining(true)} disabled={busy}>
          Decline…
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy || !signed || name.trim().length < 2}
          onClick={() =>
            run(async () => {
              const signature = pad.current?.toDataURL('image/png');
              if (!signature) return;
              await onAccept({ signerName: name.trim(), signature });
            })
          }
        >
          {busy ? 'Sending…' : `Accept for ${total}`}
        </button>
      </div>
    </section>
  );
};
