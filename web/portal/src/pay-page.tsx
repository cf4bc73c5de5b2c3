import { useCallback, useEffect, useState } from 'react';
import type { PayView } from '../../../src/contracts/portal';
import { OrgName } from './brand';
import { api, DocumentFacts, PayNowButton, problemOf, usePayNow } from './document-parts';
import { moneyIn } from './format';
import { useSpeak, useWords } from './words';

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
  const w = useWords();
  const [view, setView] = useState<PayView | null>(null);
  const [failure, setFailure] = useState<{ error: unknown } | null>(null);
  const { busy, error, pay } = usePayNow(`/public/pay/${token}/checkout`);
  const load = useCallback(
    () =>
      api
        .call<PayView>('GET', `/public/pay/${token}`)
        .then(setView)
        .catch((error: unknown) => setFailure({ error })),
    [token],
  );
  useSpeak(view?.language);
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
          <h1>{w.t('portal.pay.cannotOpen')}</h1>
          <p>{problemOf(failure.error, w)}</p>
        </section>
      </main>
    );
  if (!view)
    return (
      <main className="page">
        <p aria-busy="true">{w.t('portal.pay.loading')}</p>
      </main>
    );
  const d = view.document;
  const owed = isOwed(d);
  const what = w.t(`portal.kinds.${d.kind}`);
  const amount = (value: string) => moneyIn(w, d, value);

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
          <p>{w.t('portal.paid', { document: w.t(`email.document.${d.kind}`), number: d.number })}</p>
        </section>
      )}
      <article className="card" aria-label={`${what} ${d.number}`}>
        <header className="doc-head">
          <h1>
            {owed
              ? w.t('portal.pay.toPay', { amount: amount(d.outstanding) })
              : w.t('portal.pay.nothingLeft')}
          </h1>
          {owed && d.overdue && <span className="badge late">{w.t('portal.document.overdue')}</span>}
          {!owed && <span className="badge paid">{w.t('portal.document.paid')}</span>}
        </header>
        <DocumentFacts d={d} open={owed} leftToPay={false} />
        {owed && returned && d.paymentPending && (
          <p className="notice" role="status">
            {w.t('portal.document.confirming')}
          </p>
        )}
        <div className="actions">
          <a href={`/api/v1/public/pay/${token}/pdf`} target="_blank" rel="noreferrer">
            {w.t('portal.pay.pdf')}
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
        <section className="card" aria-label={w.t('portal.pay.transfer')}>
          <h2>{w.t(d.payOnline ? 'portal.pay.orTransfer' : 'portal.pay.transfer')}</h2>
          <dl className="facts">
            <dt>{w.t('portal.pay.iban')}</dt>
            <dd className="copyable">{view.transfer.iban}</dd>
            <dt>{w.t('portal.pay.reference')}</dt>
            <dd className="copyable">{view.transfer.reference}</dd>
          </dl>
          <p className="muted">
            {w.t('portal.pay.creditorReference', { reference: view.transfer.creditorReference })}
          </p>
          {view.transfer.qrCode && (
            <figure className="scan-to-pay">
              <img
                src={view.transfer.qrCode}
                width={160}
                height={160}
                alt={w.t('portal.pay.qrAlt', {
                  amount: amount(d.outstanding),
                  iban: view.transfer.iban,
                  reference: view.transfer.creditorReference,
                })}
              />
              <figcaption>{w.t('portal.pay.qrCaption', { amount: amount(d.outstanding) })}</figcaption>
            </figure>
          )}
        </section>
      )}
    </main>
  );
};
