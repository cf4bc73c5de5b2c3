import { useState } from 'react';
import { useSignaturePad } from '../../shared/signature-pad';
import { problemOf } from './document-parts';
import { useWords } from './words';

/** What the customer signs and the buttons' words: a quote's acceptance, a change order's approval. */
export type Wording = {
  title: string;
  consent: string;
  accept: string;
  declineTitle: string;
  decline: string;
};

/**
 * Accept (typed name and a drawn signature) or decline (a reason). Each sends once and shows the server's
 * refusal in words; the page then shows the answer as the server recorded it.
 */
export const AnswerForms = ({
  words,
  onAccept,
  onDecline,
}: {
  words: Wording;
  onAccept: (body: { signerName: string; signature: string }) => Promise<void>;
  onDecline: (reason: string) => Promise<void>;
}) => {
  const w = useWords();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState('');
  const { canvas, signed, clear, dataUrl } = useSignaturePad(!declining);

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(problemOf(err, w));
    } finally {
      setBusy(false);
    }
  };

  if (declining)
    return (
      <section className="card">
        <h2>{words.declineTitle}</h2>
        <label className="field">
          {w.t('portal.answer.why')}
          <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={3} maxLength={1000} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={() => setDeclining(false)} disabled={busy}>
            {w.t('portal.answer.back')}
          </button>
          <button
            type="button"
            className="danger"
            disabled={busy || reason.trim().length === 0}
            onClick={() => run(() => onDecline(reason.trim()))}
          >
            {words.decline}
          </button>
        </div>
      </section>
    );

  return (
    <section className="card">
      <h2>{words.title}</h2>
      <p className="muted">{words.consent}</p>
      <label className="field">
        {w.t('portal.answer.name')}
        <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" maxLength={200} />
      </label>
      <div className="field">
        <span id="signature-label">{w.t('portal.answer.sign')}</span>
        <canvas ref={canvas} className="signature" aria-labelledby="signature-label" />
        <button type="button" className="link" onClick={clear}>
          {w.t('portal.answer.clear')}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => setDeclining(true)} disabled={busy}>
          {w.t('portal.answer.decline')}
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy || !signed || name.trim().length < 2}
          onClick={() =>
            run(async () => {
              const signature = dataUrl();
              if (!signature) return;
              await onAccept({ signerName: name.trim(), signature });
            })
          }
        >
          {busy ? w.t('portal.answer.sending') : words.accept}
        </button>
      </div>
    </section>
  );
};
