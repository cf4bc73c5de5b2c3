import Decimal from 'decimal.js';
import { useState } from 'react';
import type { PortalDocument } from '../../../src/contracts/portal';
import { amountDecimals, formatAmount, printAmount } from '../../../src/core/money';
import { printDate } from '../../../src/core/time';
import { createApiClient } from '../../shared/api-client';
import { refusalText } from '../../shared/refusal';

/** What the customer's pages (their account, an invoice's pay link) share: the API, words, facts, paying. */
export const api = createApiClient('/api/v1');

/** An amount of a document as the customer reads it: its currency, grouped, to the currency's decimals. */
export const docAmount = (d: Pick<PortalDocument, 'currency'>, value: string) =>
  printAmount(formatAmount(value, amountDecimals(d.currency, true)), d.currency);

export const problemOf = (err: unknown) =>
  refusalText(err) ?? 'We could not reach the server. Check your connection and try again.';

/** What a document is for, when it was issued and is due, its total and, while open, what is left to pay. */
export const DocumentFacts = ({
  d,
  open,
  leftToPay,
}: {
  d: PortalDocument;
  open: boolean;
  leftToPay: boolean;
}) => (
  <dl className="facts">
    {d.jobNumber && (
      <>
        <dt>For the work</dt>
        <dd>{d.jobNumber}</dd>
      </>
    )}
    {d.issueDate && (
      <>
        <dt>Issued</dt>
        <dd>{printDate(d.issueDate)}</dd>
      </>
    )}
    {open && d.dueDate && (
      <>
        <dt>Due</dt>
        <dd>{printDate(d.dueDate)}</dd>
      </>
    )}
    <dt>{d.kind === 'credit_note' ? 'Credited' : 'Total'}</dt>
    <dd>{docAmount(d, d.total)}</dd>
    {open && leftToPay && (
      <>
        <dt>Left to pay</dt>
        <dd className="amount">{docAmount(d, d.outstanding)}</dd>
      </>
    )}
  </dl>
);

/**
 * "Pay now": asks for a hosted checkout at the business's provider (the POST at `path`) and goes there. The
 * provider's own page takes the card or bank details: they never pass through ours.
 */
export const usePayNow = (path: string) => {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const pay = async () => {
    setBusy(true);
    setError(null);
    try {
      const { url } = await api.call<{ url: string }>('POST', path, {});
      window.location.assign(url);
    } catch (err) {
      setError(problemOf(err));
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
}) => (
  <>
    <button type="button" className="primary" onClick={pay} disabled={busy}>
      {busy ? 'Opening the payment page…' : `Pay ${docAmount(d, payNowTotal(d))} now`}
    </button>
    {d.onlineFee && (
      <p className="muted fee-note">
        Paying online adds a convenience fee of {docAmount(d, d.onlineFee)}, invoiced to you on its own
        receipt. There is no fee by bank transfer.
      </p>
    )}
  </>
);

/**
 * Photos the business shows with an offer or a change ("What we found"), numbered from 1 on its link: small
 * in a grid, each opening as taken.
 */
export const PhotoGrid = ({ caption, count, base }: { caption: string; count: number; base: string }) =>
  count > 0 ? (
    <figure className="photos">
      <figcaption>{count === 1 ? caption : `${caption} (${count} photos)`}</figcaption>
      <div className="grid">
        {Array.from({ length: count }, (_, i) => i + 1).map((n) => (
          <a key={n} href={`${base}/${n}`} target="_blank" rel="noreferrer">
            <img src={`${base}/${n}?size=small`} alt={`${caption}, ${n} of ${count}`} loading="lazy" />
          </a>
        ))}
      </div>
    </figure>
  ) : null;
