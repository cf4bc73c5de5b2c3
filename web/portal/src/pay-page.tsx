import { useCallback, useEffect, useState } from 'react';
import type { PayView } from '../../../src/contracts/portal';
import { OrgName } from './brand';
import {
  docAmount as amount,
  api,
  DocumentFacts,
  PayNowButton,
  problemOf,
  usePayNow,
} from './document-parts';

type Doc = PayView['document'];
/** Something is left to pay: the decimal string has a non-zero digit and no minus sign. */
const isOwed = (d: Doc) => /[1-9]/.test(d.outstanding) && !d.outstanding.startsWith('-');

/**
 * What the pay link on an invoice opens (its QR code, scanned from the PDF, or the link in the e-mail), on a
 * phone first: who it is from, what is left to pay and by when, "Pay now" where the business takes payments
 * online, and the bank transfer details. Back from paying, it follows the payment until the provider's
 * confirmation arrives.
 */
export const PayPage = ({ token, returned }: { token: string; returned: boolean }) => {
  const [view, setView] = useState<PayView | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const { busy, error, pay } = usePayNow(`/public/pay/${token}/checkout`);
  const load = useCallback(
    () =>
      api
        .call<PayView>('GET', `/public/pay/${token}`)
        .then(setView)
        .catch((err: unknown) => setFailure(problemOf(err))),
    [token],
  );
  useEffect(() => {
    void load();
  }, [load]);
  // Back from the provider: the money is confirmed by its event, a moment later. Look again until then.
  const waiting = returned && view !== null && isOwed(view.document);
  useEffect(() => {
    if (!waiting) return;
    const timer = window.setInterval(() => void load(), 2000);
    return () => window.clearInterval(timer);
  }, [waiting, load]);

  if (failure)
    return (
      <main className="page">
        <section className="card" role="alert">
          <h1>This link does not open an invoice</h1>
          <p>{failure}</p>
        </section>
      </main>
    );
  if (!view)
    return (
      <main className="page">
        <p aria-busy="true">Loading your invoice…</p>
      </main>
    );
  const d = view.document;
  const owed = isOwed(d);
  const what = d.kind === 'deposit_invoice' ? 'Deposit invoice' : 'Invoice';

  return (
    <main className="page" style={{ ['--brand' as string]: view.organization.brandColor }}>
      <header className="brand">
        <OrgName org={view.organization} />
        <span className="number">
          {what} {d.number}
        </span>
      </header>
      {returned && !owed && (
        <section className="card notice good" role="status">
          <p>
            Thank you: {what.toLowerCase()} {d.number} is paid.
          </p>
        </section>
      )}
      <article className="card" aria-label={`${what} ${d.number}`}>
        <header className="doc-head">
          <h1>{owed ? `${amount(d, d.outstanding)} to pay` : 'Nothing left to pay'}</h1>
          {owed && d.overdue && <span className="badge late">Overdue</span>}
          {!owed && <span className="badge paid">Paid</span>}
        </header>
        <DocumentFacts d={d} open={owed} leftToPay={false} />
        {owed && returned && d.paymentPending && (
          <p className="notice" role="status">
            Thank you: your payment is being confirmed. This page shows it as paid as soon as it arrives.
          </p>
        )}
        <div className="actions">
          <a href={`/api/v1/public/pay/${token}/pdf`} target="_blank" rel="noreferrer">
            Download the invoice (PDF)
          </a>
          {owed && d.payOnline && <PayNowButton d={d} busy={busy} pay={pay} />}
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </article>
      {view.transfer && (
        <section className="card" aria-label="Pay by bank transfer">
          <h2>{d.payOnline ? 'Or pay by bank transfer' : 'Pay by bank transfer'}</h2>
          <dl className="facts">
            <dt>To the account (IBAN)</dt>
            <dd className="copyable">{view.transfer.iban}</dd>
            <dt>Reference</dt>
            <dd className="copyable">{view.transfer.reference}</dd>
          </dl>
          <p className="muted">
            Or quote the creditor reference {view.transfer.creditorReference}: your bank may offer it as a
            structured reference.
          </p>
          {view.transfer.qrCode && (
            <figure className="scan-to-pay">
              <img
                src={view.transfer.qrCode}
                width={160}
                height={160}
                alt={`Code for your banking app: ${amount(d, d.outstanding)} to ${view.transfer.iban}, reference ${view.transfer.creditorReference}`}
              />
              <figcaption>
                Scan it with your banking app: it fills in the account, {amount(d, d.outstanding)} and the
                reference.
              </figcaption>
            </figure>
          )}
        </section>
      )}
    </main>
  );
};
