import Decimal from 'decimal.js';
import { useState } from 'react';
import type { PortalDocument } from '../../../src/contracts/portal';
import type { Translator } from '../../../src/core/i18n';
import { ApiError, createApiClient } from '../../shared/api-client';
import { refusalText } from '../../shared/refusal';
import { moneyIn } from './format';
import { useWords } from './words';

/** What the customer's pages (their account, an invoice's pay link) share: the API, words, facts, paying. */
export const api = createApiClient('/api/v1');

/** Why a quote's or a change's link does not open: what the server said, or that it could not be reached. */
export const linkProblem = (err: unknown, w: Pick<Translator, 't'>) =>
  err instanceof ApiError ? (err.problem.detail ?? w.t('portal.linkBroken')) : w.t('portal.offline');

/** The server's refusal in words, or that it could not be reached. */
export const problemOf = (err: unknown, w: Pick<Translator, 't'>) =>
  refusalText(err) ?? w.t('portal.offline');

/** What a document is for, when it was issued and is due, its total and, while open, what is left to pay. */
export const DocumentFacts = ({
  d,
  open,
  leftToPay,
}: {
  d: PortalDocument;
  open: boolean;
  leftToPay: boolean;
}) => {
  const w = useWords();
  return (
    <dl className="facts">
      {d.jobNumber && (
        <>
          <dt>{w.t('portal.document.forWork')}</dt>
          <dd>{d.jobNumber}</dd>
        </>
      )}
      {d.issueDate && (
        <>
          <dt>{w.t('portal.document.issued')}</dt>
          <dd>{w.date(d.issueDate)}</dd>
        </>
      )}
      {open && d.dueDate && (
        <>
          <dt>{w.t('portal.document.due')}</dt>
          <dd>{w.date(d.dueDate)}</dd>
        </>
      )}
      <dt>{w.t(d.kind === 'credit_note' ? 'portal.document.credited' : 'portal.document.total')}</dt>
      <dd>{moneyIn(w, d, d.total)}</dd>
      {open && leftToPay && (
        <>
          <dt>{w.t('portal.document.leftToPay')}</dt>
          <dd className="amount">{moneyIn(w, d, d.outstanding)}</dd>
        </>
      )}
    </dl>
  );
};

/**
 * "Pay now": asks for a hosted checkout at the business's provider (the POST at `path`) and goes there. The
 * provider's own page takes the card or bank details: they never pass through ours.
 */
export const usePayNow = (path: string) => {
  const w = useWords();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const pay = async () => {
    setBusy(true);
    setError(null);
    try {
      const { url } = await api.call<{ url: string }>('POST', path, {});
      window.location.assign(url);
    } catch (err) {
      setError(problemOf(err, w));
      setBusy(false);
    }
  };
  return { busy, error, pay };
};

/** What paying online costs in all: what is outstanding, and the convenience fee where the business charges one. */
const payNowTotal = (d: Pick<PortalDocument, 'outstanding' | 'onlineFee'>) =>
  d.onlineFee ? new Decimal(d.outstanding).plus(d.onlineFee).toFixed() : d.outstanding;

/** "Pay … now", with the convenience fee said before the tap where the business charges one. */
export const PayNowButton = ({
  d,
  busy,
  pay,
}: {
  d: Pick<PortalDocument, 'currency' | 'outstanding' | 'onlineFee'>;
  busy: boolean;
  pay: () => void;
}) => {
  const w = useWords();
  return (
    <>
      <button type="button" className="primary" onClick={pay} disabled={busy}>
        {busy
          ? w.t('portal.document.opening')
          : w.t('portal.document.payNow', { amount: moneyIn(w, d, payNowTotal(d)) })}
      </button>
      {d.onlineFee && (
        <p className="muted fee-note">{w.t('portal.document.fee', { amount: moneyIn(w, d, d.onlineFee) })}</p>
      )}
    </>
  );
};

/**
 * Photos the business shows with an offer or a change ("What we found"), numbered from 1 on its link: small
 * in a grid, each opening as taken.
 */
export const PhotoGrid = ({ caption, count, base }: { caption: string; count: number; base: string }) => {
  const w = useWords();
  return count > 0 ? (
    <figure className="photos">
      <figcaption>{count === 1 ? caption : w.t('portal.photos', { caption, count })}</figcaption>
      <div className="grid">
        {Array.from({ length: count }, (_, i) => i + 1).map((n) => (
          <a key={n} href={`${base}/${n}`} target="_blank" rel="noreferrer">
            <img
              src={`${base}/${n}?size=small`}
              alt={w.t('portal.photoAlt', { caption, n, count })}
              loading="lazy"
            />
          </a>
        ))}
      </div>
    </figure>
  ) : null;
};
