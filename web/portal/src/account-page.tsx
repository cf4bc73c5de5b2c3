import { useCallback, useEffect, useState } from 'react';
import {
  DISPUTE_PHOTO_TYPES,
  MAX_DISPUTE_PHOTOS,
  type PortalProof,
  type PortalView,
} from '../../../src/contracts/portal';
import { DISPUTE_REASONS, type DisputeReason } from '../../../src/core/disputes';
import { OrgName } from './brand';
import { api, DocumentFacts, PayNowButton, problemOf, usePayNow } from './document-parts';
import { useSpeak, useWords } from './words';

type Doc = PortalView['open'][number];
/** "Something's wrong?": what is wrong with the document, in the customer's words; it reaches the office at once. */
const DisputeForm = ({ token, d, onSaid }: { token: string; d: Doc; onSaid: (view: PortalView) => void }) => {
  const w = useWords();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<DisputeReason | null>(null);
  const [comment, setComment] = useState('');
  const [photos, setPhotos] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!open)
    return (
      <button type="button" className="link" onClick={() => setOpen(true)}>
        {w.t(d.kind === 'credit_note' ? 'portal.dispute.askCreditNote' : 'portal.dispute.askInvoice')}
      </button>
    );
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      const said = await api.call<PortalView>('POST', `/public/portal/${token}/documents/${d.id}/dispute`, {
        reason,
        comment,
      });
      // The words are with us; the photos follow, one by one.
      for (const photo of photos) {
        const form = new FormData();
        form.append('file', photo, photo.name);
        await api.call('POST', `/public/portal/${token}/documents/${d.id}/dispute/photos`, form);
      }
      onSaid(photos.length > 0 ? await api.call<PortalView>('GET', `/public/portal/${token}`) : said);
    } catch (err) {
      setError(problemOf(err, w));
      setBusy(false);
    }
  };
  return (
    <form
      className="dispute"
      aria-label={w.t('portal.dispute.label', { number: d.number })}
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <fieldset>
        <legend>{w.t('portal.dispute.what')}</legend>
        {DISPUTE_REASONS.map((r) => (
          <label key={r} className="choice">
            <input
              type="radio"
              name={`reason-${d.id}`}
              checked={reason === r}
              onChange={() => setReason(r)}
            />
            {w.t(`portal.dispute.reasons.${r}`)}
          </label>
        ))}
      </fieldset>
      <label className="field">
        {w.t('portal.dispute.more')}
        <textarea rows={3} value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <label className="field">
        {w.t('portal.dispute.photos', { max: MAX_DISPUTE_PHOTOS })}
        <input
          type="file"
          accept={DISPUTE_PHOTO_TYPES.join(',')}
          multiple
          onChange={(e) => setPhotos([...(e.currentTarget.files ?? [])].slice(0, MAX_DISPUTE_PHOTOS))}
        />
      </label>
      {photos.length > 0 && (
        <p className="muted">
          {photos.length === 1
            ? w.t('portal.dispute.onePhoto')
            : w.t('portal.dispute.manyPhotos', { count: photos.length })}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => setOpen(false)}>
          {w.t('portal.dispute.cancel')}
        </button>
        <button type="submit" className="primary" disabled={busy || !reason || comment.trim().length < 3}>
          {w.t('portal.dispute.send')}
        </button>
      </div>
    </form>
  );
};

/**
 * The proof of the work a document bills, opened on request: what was done, the photos by category (tap one
 * for the whole picture), who signed and when, and the work report.
 */
const ProofPanel = ({ token, d }: { token: string; d: Doc }) => {
  const w = useWords();
  const [proof, setProof] = useState<PortalProof | null>(null);
  const [failure, setFailure] = useState<{ error: unknown } | null>(null);
  useEffect(() => {
    api
      .call<PortalProof>('GET', `/public/portal/${token}/documents/${d.id}/proof`)
      .then(setProof)
      .catch((error: unknown) => setFailure({ error }));
  }, [token, d.id]);
  if (failure)
    return (
      <p className="error" role="alert">
        {problemOf(failure.error, w)}
      </p>
    );
  if (!proof) return <p aria-busy="true">{w.t('portal.proof.loading')}</p>;
  const base = `/api/v1/public/portal/${token}/documents/${d.id}/proof`;
  const groups = [...new Set(proof.photos.map((p) => p.category))];
  return (
    <section className="proof" aria-label={w.t('portal.proof.label', { number: d.number })}>
      {proof.completedAt && (
        <p>
          {proof.jobNumber
            ? w.t('portal.proof.completedJob', {
                at: w.dateTime(proof.completedAt, proof.timeZone),
                job: proof.jobNumber,
              })
            : w.t('portal.proof.completed', { at: w.dateTime(proof.completedAt, proof.timeZone) })}
        </p>
      )}
      {proof.work.length > 0 && (
        <ul className="work">
          {proof.work.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {proof.notes && <p className="message">{proof.notes}</p>}
      {groups.map((g) => (
        <figure key={g} className="photos">
          <figcaption>{g}</figcaption>
          <div className="grid">
            {proof.photos
              .filter((p) => p.category === g)
              .map((p, i) => (
                <a key={p.id} href={`${base}/${p.id}?size=large`} target="_blank" rel="noreferrer">
                  <img
                    src={`${base}/${p.id}`}
                    alt={w.t('portal.photoAlt', {
                      caption: g,
                      n: i + 1,
                      count: proof.photos.filter((x) => x.category === g).length,
                    })}
                    loading="lazy"
                  />
                </a>
              ))}
          </div>
        </figure>
      ))}
      {proof.signature && (
        <figure className="photos">
          <figcaption>
            {w.t('portal.signedBy', {
              name: proof.signature.signerName,
              at: w.dateTime(proof.signature.signedAt, proof.timeZone),
            })}
          </figcaption>
          <img
            className="signature-image"
            src={`${base}/${proof.signature.photoId}`}
            alt={w.t('portal.proof.signatureOf', { name: proof.signature.signerName })}
          />
        </figure>
      )}
      {proof.workReport && (
        <a
          href={`/api/v1/public/portal/${token}/documents/${d.id}/work-report`}
          target="_blank"
          rel="noreferrer"
        >
          {w.t('portal.proof.report')}
        </a>
      )}
    </section>
  );
};

/** One document: what it is for, what is due and by when, its PDF, and paying it online where offered. */
const DocumentCard = ({
  token,
  d,
  returned,
  onChange,
}: {
  token: string;
  d: Doc;
  returned: boolean;
  onChange: (view: PortalView) => void;
}) => {
  const w = useWords();
  const kind = w.t(`portal.kinds.${d.kind}`);
  const { busy, error, pay } = usePayNow(`/public/portal/${token}/documents/${d.id}/checkout`);
  const [showProof, setShowProof] = useState(false);
  const open = d.kind !== 'credit_note' && Number(d.outstanding) > 0;

  return (
    <article className="card" aria-label={`${kind} ${d.number}`}>
      <header className="doc-head">
        <h2>
          {kind} {d.number}
        </h2>
        {open && d.overdue && <span className="badge late">{w.t('portal.document.overdue')}</span>}
        {!open && d.kind !== 'credit_note' && (
          <span className="badge paid">{w.t('portal.document.paid')}</span>
        )}
      </header>
      <DocumentFacts d={d} open={open} leftToPay />
      {open && returned && d.paymentPending && (
        <p className="notice" role="status">
          {w.t('portal.document.confirming')}
        </p>
      )}
      <div className="actions">
        <a href={`/api/v1/public/portal/${token}/documents/${d.id}/pdf`} target="_blank" rel="noreferrer">
          {w.t('portal.document.pdf')}
        </a>
        {d.ubl && (
          <a href={`/api/v1/public/portal/${token}/documents/${d.id}/ubl`} download>
            {w.t('portal.document.ubl')}
          </a>
        )}
        {d.proof && (
          <button type="button" className="link" onClick={() => setShowProof((v) => !v)}>
            {w.t(showProof ? 'portal.document.hideWork' : 'portal.document.showWork')}
          </button>
        )}
        {open && d.payOnline && <PayNowButton d={d} busy={busy} pay={pay} />}
      </div>
      {showProof && <ProofPanel token={token} d={d} />}
      {open && !d.payOnline && <p className="muted">{w.t('portal.document.byTransfer')}</p>}
      {d.dispute?.open && (
        <p className="notice" role="status">
          {d.dispute.photos === 0
            ? w.t('portal.document.heard', { comment: d.dispute.comment })
            : d.dispute.photos === 1
              ? w.t('portal.document.heardPhoto', { comment: d.dispute.comment })
              : w.t('portal.document.heardPhotos', { comment: d.dispute.comment, count: d.dispute.photos })}
        </p>
      )}
      {d.dispute && !d.dispute.open && d.dispute.reply && (
        <p className="notice good" role="status">
          {w.t('portal.document.answer', { reply: d.dispute.reply })}
        </p>
      )}
      {!d.dispute?.open && <DisputeForm token={token} d={d} onSaid={onChange} />}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
};

/** On an expired link: a new one by e-mail, to the address the business holds (nothing to type). */
const NewLink = ({ token }: { token: string }) => {
  const w = useWords();
  const [said, setSaid] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (said) return <p role="status">{said}</p>;
  return (
    <button
      type="button"
      className="primary"
      disabled={busy}
      onClick={() => {
        setBusy(true);
        api
          .call<{ message: string }>('POST', `/public/portal/${token}/renew`, {})
          .then(() => setSaid(w.t('portal.account.newLinkSent')))
          .catch((err: unknown) => setSaid(problemOf(err, w)))
          .finally(() => setBusy(false));
      }}
    >
      {w.t('portal.account.newLink')}
    </button>
  );
};

/**
 * The customer's own page, from the link in any of our e-mails, on a phone first: what is open to pay,
 * oldest first, each with its PDF and "Pay now" where the business takes payments online; then what was
 * paid or credited. Back from paying, it follows the payment until the provider's confirmation arrives.
 */
export const AccountPage = ({ token, paidId }: { token: string; paidId: string | null }) => {
  const w = useWords();
  const [view, setView] = useState<PortalView | null>(null);
  const [failure, setFailure] = useState<{ error: unknown } | null>(null);
  const load = useCallback(
    () =>
      api
        .call<PortalView>('GET', `/public/portal/${token}`)
        .then(setView)
        .catch((error: unknown) => setFailure({ error })),
    [token],
  );
  useSpeak(view?.language);
  useEffect(() => {
    void load();
  }, [load]);
  // Back from the provider: the money is confirmed by its event, a moment later. Look again until then.
  const waiting = paidId !== null && view?.open.some((d) => d.id === paidId) === true;
  useEffect(() => {
    if (!waiting) return;
    const timer = window.setInterval(() => void load(), 2000);
    return () => window.clearInterval(timer);
  }, [waiting, load]);

  if (failure)
    return (
      <main className="page">
        <section className="card" role="alert">
          <h1>{w.t('portal.account.cannotOpen')}</h1>
          <p>{problemOf(failure.error, w)}</p>
          <NewLink token={token} />
        </section>
      </main>
    );
  if (!view)
    return (
      <main className="page">
        <p aria-busy="true">{w.t('portal.account.loading')}</p>
      </main>
    );
  const justPaid = paidId !== null && view.settled.find((d) => d.id === paidId);
  return (
    <main className="page" style={{ ['--brand' as string]: view.organization.brandColor }}>
      <header className="brand">
        <OrgName org={view.organization} />
        <span className="number">{view.customerName}</span>
      </header>
      {justPaid && (
        <section className="card notice good" role="status">
          <p>
            {w.t('portal.paid', {
              document: w.t(`email.document.${justPaid.kind}`),
              number: justPaid.number,
            })}
          </p>
        </section>
      )}
      <h1>{w.t(view.open.length === 0 ? 'portal.account.nothingToPay' : 'portal.account.toPay')}</h1>
      {view.open.length === 0 && (
        <section className="card">
          <p>{w.t('portal.account.noneOpen')}</p>
        </section>
      )}
      {view.open.map((d) => (
        <DocumentCard key={d.id} token={token} d={d} returned={paidId === d.id} onChange={setView} />
      ))}
      {view.settled.length > 0 && (
        <>
          <h1>{w.t('portal.account.settled')}</h1>
          {view.settled.map((d) => (
            <DocumentCard key={d.id} token={token} d={d} returned={false} onChange={setView} />
          ))}
        </>
      )}
      <section className="card" aria-label={w.t('portal.account.statementLabel')}>
        <p>
          {w.t('portal.account.statement')}{' '}
          <a href={`/api/v1/public/portal/${token}/statement/pdf`} target="_blank" rel="noreferrer">
            {w.t('portal.account.statementLink')}
          </a>
          .
        </p>
      </section>
    </main>
  );
};
