import { useCallback, useEffect, useState } from 'react';
import {
  DISPUTE_PHOTO_TYPES,
  MAX_DISPUTE_PHOTOS,
  type PortalProof,
  type PortalView,
} from '../../../src/contracts/portal';
import { DISPUTE_REASON_WORDS, DISPUTE_REASONS, type DisputeReason } from '../../../src/core/disputes';
import { printDateTime } from '../../../src/core/time';
import { OrgName } from './brand';
import { api, DocumentFacts, PayNowButton, problemOf, usePayNow } from './document-parts';

type Doc = PortalView['open'][number];
const KIND: Record<Doc['kind'], string> = {
  invoice: 'Invoice',
  deposit_invoice: 'Deposit invoice',
  credit_note: 'Credit note',
};
/** "Something's wrong?": what is wrong with the document, in the customer's words; it reaches the office at once. */
const DisputeForm = ({ token, d, onSaid }: { token: string; d: Doc; onSaid: (view: PortalView) => void }) => {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<DisputeReason | null>(null);
  const [comment, setComment] = useState('');
  const [photos, setPhotos] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!open)
    return (
      <button type="button" className="link" onClick={() => setOpen(true)}>
        Something’s wrong with this {d.kind === 'credit_note' ? 'credit note' : 'invoice'}?
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
      setError(problemOf(err));
      setBusy(false);
    }
  };
  return (
    <form
      className="dispute"
      aria-label={`What is wrong with ${d.number}`}
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <fieldset>
        <legend>What is wrong?</legend>
        {DISPUTE_REASONS.map((r) => (
          <label key={r} className="choice">
            <input
              type="radio"
              name={`reason-${d.id}`}
              checked={reason === r}
              onChange={() => setReason(r)}
            />
            {DISPUTE_REASON_WORDS[r]}
          </label>
        ))}
      </fieldset>
      <label className="field">
        Tell us more
        <textarea rows={3} value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <label className="field">
        Photos, if they help (up to {MAX_DISPUTE_PHOTOS})
        <input
          type="file"
          accept={DISPUTE_PHOTO_TYPES.join(',')}
          multiple
          onChange={(e) => setPhotos([...(e.currentTarget.files ?? [])].slice(0, MAX_DISPUTE_PHOTOS))}
        />
      </label>
      {photos.length > 0 && (
        <p className="muted">
          {photos.length === 1 ? '1 photo' : `${photos.length} photos`} will go with your message.
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy || !reason || comment.trim().length < 3}>
          Send it to us
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
  const [proof, setProof] = useState<PortalProof | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .call<PortalProof>('GET', `/public/portal/${token}/documents/${d.id}/proof`)
      .then(setProof)
      .catch((err: unknown) => setError(problemOf(err)));
  }, [token, d.id]);
  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!proof) return <p aria-busy="true">Loading the record of the work…</p>;
  const base = `/api/v1/public/portal/${token}/documents/${d.id}/proof`;
  const groups = [...new Set(proof.photos.map((p) => p.category))];
  return (
    <section className="proof" aria-label={`The work done for ${d.number}`}>
      {proof.completedAt && (
        <p>
          Work completed on {printDateTime(proof.completedAt, proof.timeZone)}
          {proof.jobNumber ? ` (${proof.jobNumber})` : ''}.
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
                    alt={`${g}, ${i + 1} of ${proof.photos.filter((x) => x.category === g).length}`}
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
            Signed by {proof.signature.signerName} on{' '}
            {printDateTime(proof.signature.signedAt, proof.timeZone)}
          </figcaption>
          <img
            className="signature-image"
            src={`${base}/${proof.signature.photoId}`}
            alt={`Signature of ${proof.signature.signerName}`}
          />
        </figure>
      )}
      {proof.workReport && (
        <a
          href={`/api/v1/public/portal/${token}/documents/${d.id}/work-report`}
          target="_blank"
          rel="noreferrer"
        >
          The work report (PDF)
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
  const { busy, error, pay } = usePayNow(`/public/portal/${token}/documents/${d.id}/checkout`);
  const [showProof, setShowProof] = useState(false);
  const open = d.kind !== 'credit_note' && Number(d.outstanding) > 0;

  return (
    <article className="card" aria-label={`${KIND[d.kind]} ${d.number}`}>
      <header className="doc-head">
        <h2>
          {KIND[d.kind]} {d.number}
        </h2>
        {open && d.overdue && <span className="badge late">Overdue</span>}
        {!open && d.kind !== 'credit_note' && <span className="badge paid">Paid</span>}
      </header>
      <DocumentFacts d={d} open={open} leftToPay />
      {open && returned && d.paymentPending && (
        <p className="notice" role="status">
          Thank you: your payment is being confirmed. This page shows it as paid as soon as it arrives.
        </p>
      )}
      <div className="actions">
        <a href={`/api/v1/public/portal/${token}/documents/${d.id}/pdf`} target="_blank" rel="noreferrer">
          Download the PDF
        </a>
        {d.ubl && (
          <a href={`/api/v1/public/portal/${token}/documents/${d.id}/ubl`} download>
            E-invoice (UBL) for your accounts
          </a>
        )}
        {d.proof && (
          <button type="button" className="link" onClick={() => setShowProof((v) => !v)}>
            {showProof ? 'Hide the work done' : 'See the work done'}
          </button>
        )}
        {open && d.payOnline && <PayNowButton d={d} busy={busy} pay={pay} />}
      </div>
      {showProof && <ProofPanel token={token} d={d} />}
      {open && !d.payOnline && <p className="muted">Pay by bank transfer with the details on the PDF.</p>}
      {d.dispute?.open && (
        <p className="notice" role="status">
          We have your message (“{d.dispute.comment}”)
          {d.dispute.photos > 0
            ? `, with ${d.dispute.photos === 1 ? 'your photo' : `your ${d.dispute.photos} photos`},`
            : ''}{' '}
          and will answer it soon.
        </p>
      )}
      {d.dispute && !d.dispute.open && d.dispute.reply && (
        <p className="notice good" role="status">
          Our answer: {d.dispute.reply}
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
          .then((r) => setSaid(r.message))
          .catch((err: unknown) => setSaid(problemOf(err)))
          .finally(() => setBusy(false));
      }}
    >
      E-mail me a new link
    </button>
  );
};

/**
 * The customer's own page, from the link in any of our e-mails, on a phone first: what is open to pay,
 * oldest first, each with its PDF and "Pay now" where the business takes payments online; then what was
 * paid or credited. Back from paying, it follows the payment until the provider's confirmation arrives.
 */
export const AccountPage = ({ token, paidId }: { token: string; paidId: string | null }) => {
  const [view, setView] = useState<PortalView | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const load = useCallback(
    () =>
      api
        .call<PortalView>('GET', `/public/portal/${token}`)
        .then(setView)
        .catch((err: unknown) => setFailure(problemOf(err))),
    [token],
  );
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
          <h1>This link does not open your account</h1>
          <p>{failure}</p>
          <NewLink token={token} />
        </section>
      </main>
    );
  if (!view)
    return (
      <main className="page">
        <p aria-busy="true">Loading your invoices…</p>
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
            Thank you: {KIND[justPaid.kind].toLowerCase()} {justPaid.number} is paid.
          </p>
        </section>
      )}
      <h1>{view.open.length === 0 ? 'Nothing to pay' : 'To pay'}</h1>
      {view.open.length === 0 && (
        <section className="card">
          <p>You have no open invoices with us. Thank you.</p>
        </section>
      )}
      {view.open.map((d) => (
        <DocumentCard key={d.id} token={token} d={d} returned={paidId === d.id} onChange={setView} />
      ))}
      {view.settled.length > 0 && (
        <>
          <h1>Paid and credited</h1>
          {view.settled.map((d) => (
            <DocumentCard key={d.id} token={token} d={d} returned={false} onChange={setView} />
          ))}
        </>
      )}
      <section className="card" aria-label="Your statement">
        <p>
          Everything between us over the last three months, what is open and how late:{' '}
          <a href={`/api/v1/public/portal/${token}/statement/pdf`} target="_blank" rel="noreferrer">
            your statement (PDF)
          </a>
          .
        </p>
      </section>
    </main>
  );
};
