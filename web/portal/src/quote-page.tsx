import { useEffect, useMemo, useState } from 'react';
import type { PublicQuote } from '../../../src/contracts/quotes';
import type { Translator } from '../../../src/core/i18n';
import { defaultChoice, priceQuote, type QuoteChoice, type QuoteLine } from '../../../src/core/quote-pricing';
import { createApiClient } from '../../shared/api-client';
import { AnswerForms } from './answer-forms';
import { OrgName } from './brand';
import { linkProblem, PhotoGrid } from './document-parts';
import { moneyIn } from './format';
import { QuoteLines, QuoteTotals } from './quote-lines';
import { useSpeak, useWords } from './words';

const api = createApiClient('/api/v1');

/** The visit offered, or each day of a project's: "8 December 2026, 09:00 to 13:00". */
const visitTexts = (w: Translator, q: PublicQuote): string[] =>
  q.visitStart && q.visitEnd
    ? [{ start: q.visitStart, end: q.visitEnd }, ...q.laterVisits].map((v) =>
        w.window(v.start, v.end, q.timeZone),
      )
    : [];

/** "every three months, 4 visits; the price is per visit" in the page's language. */
const repeatText = (w: Translator, r: NonNullable<PublicQuote['repeat']>) =>
  w.t('portal.quote.repeatsValue', {
    every: w.t(`quote.every.${r.every}`),
    howLong: r.visits ? w.t('quote.visitsInAll', { count: r.visits }) : w.t('quote.untilEnded'),
  });

/** The deposit of an accepted quote: paying it from here where the business takes payments online. */
const DepositCard = ({ quote, awaiting }: { quote: PublicQuote; awaiting: boolean }) => {
  const w = useWords();
  const d = quote.depositInvoice;
  if (!d)
    return awaiting ? (
      <section className="card" aria-label={w.t('portal.quote.depositLabel')}>
        <p aria-busy="true">{w.t('portal.quote.depositOnItsWay')}</p>
      </section>
    ) : null;
  const owed = /[1-9]/.test(d.outstanding);
  return (
    <section className="card" aria-label={w.t('portal.quote.depositLabel')}>
      <h2>{w.t('portal.quote.deposit')}</h2>
      {owed ? (
        <>
          <p>
            {w.t(quote.depositBeforeWork ? 'portal.quote.depositAsksBefore' : 'portal.quote.depositAsks', {
              number: d.number,
              amount: moneyIn(w, quote, d.amount),
            })}
          </p>
          {d.payUrl ? (
            <p className="actions">
              <a className="button primary" href={d.payUrl}>
                {w.t('portal.quote.payDeposit', { amount: moneyIn(w, quote, d.outstanding) })}
              </a>
            </p>
          ) : (
            <p className="muted">{w.t('portal.quote.depositByTransfer')}</p>
          )}
        </>
      ) : (
        <p className="notice good">{w.t('portal.quote.depositPaid', { number: d.number })}</p>
      )}
    </section>
  );
};

/**
 * A quote as the customer sees it from the e-mail's link, on a phone first: the offer as a document, the
 * options to pick with the total following each pick (the same calculator the server prices with), and
 * accepting with a signature or declining with a reason.
 */
export const QuotePage = ({ token }: { token: string }) => {
  const w = useWords();
  const [quote, setQuote] = useState<PublicQuote | null>(null);
  const [failure, setFailure] = useState<{ error: unknown } | null>(null);
  const [choice, setChoice] = useState<QuoteChoice>({ options: {}, addOns: [] });

  useEffect(() => {
    api
      .call<PublicQuote>('GET', `/public/quotes/${token}`)
      .then((q) => {
        setQuote(q);
        setChoice(q.choice ?? defaultChoice(q.lines as QuoteLine[]));
      })
      .catch((error: unknown) => setFailure({ error }));
  }, [token]);
  useSpeak(quote?.language);
  // Accepted with a deposit: its invoice is issued a moment after the signature. Look again until it is.
  const awaitingDeposit =
    quote?.status === 'accepted' &&
    quote.depositInvoice === null &&
    quote.jobNumber !== null &&
    quote.depositDue !== null;
  useEffect(() => {
    if (!awaitingDeposit) return;
    let tries = 0;
    const timer = window.setInterval(() => {
      if (++tries > 30) return window.clearInterval(timer);
      void api
        .call<PublicQuote>('GET', `/public/quotes/${token}`)
        .then(setQuote)
        .catch(() => undefined);
    }, 2000);
    return () => window.clearInterval(timer);
  }, [awaitingDeposit, token]);

  const price = useMemo(
    () =>
      quote
        ? priceQuote(
            quote.lines as QuoteLine[],
            {
              currency: quote.currency,
              scheme: quote.scheme,
              discountPercent: quote.discountPercent,
              deposit: quote.deposit,
            },
            choice,
          )
        : null,
    [quote, choice],
  );

  if (failure)
    return (
      <main className="page">
        <section className="card" role="alert">
          <h1>{w.t('portal.quote.cannotOpen')}</h1>
          <p>{linkProblem(failure.error, w)}</p>
        </section>
      </main>
    );
  if (!quote || !price)
    return (
      <main className="page">
        <p aria-busy="true">{w.t('portal.quote.loading')}</p>
      </main>
    );

  const visits = visitTexts(w, quote);
  const money = (value: string) => moneyIn(w, quote, value);
  return (
    <main className="page" style={{ ['--brand' as string]: quote.organization.brandColor }}>
      <header className="brand">
        <OrgName org={quote.organization} />
        <span className="number">{w.t('quote.number', { number: quote.number })}</span>
      </header>
      <section className="card">
        <h1>{quote.title}</h1>
        <p className="muted">
          {w.t('portal.forCustomer', { customer: quote.customerName, site: quote.siteAddress })}
        </p>
        {quote.message && <p className="message">{quote.message}</p>}
        <PhotoGrid
          caption={w.t('portal.quote.fromVisit')}
          count={quote.photos}
          base={`/api/v1/public/quotes/${token}/photos`}
        />
        <dl className="facts">
          <dt>{w.t('portal.quote.validUntil')}</dt>
          <dd>{w.date(quote.validUntil)}</dd>
          {visits.length === 1 && (
            <>
              <dt>{w.t('portal.quote.visitOffered')}</dt>
              <dd>{visits[0]}</dd>
            </>
          )}
          {visits.length > 1 && (
            <>
              <dt>{w.t('quote.visitsInAll', { count: visits.length })}</dt>
              <dd>
                <ol className="visits">
                  {visits.map((v) => (
                    <li key={v}>{v}</li>
                  ))}
                </ol>
              </dd>
            </>
          )}
          {quote.repeat && (
            <>
              <dt>{w.t('portal.quote.repeats')}</dt>
              <dd>{repeatText(w, quote.repeat)}</dd>
            </>
          )}
          {quote.retainagePercent && (
            <>
              <dt>{w.t('portal.quote.retainage')}</dt>
              <dd>{w.t('portal.quote.retainageValue', { percent: w.percent(quote.retainagePercent) })}</dd>
            </>
          )}
          {quote.poNumber && (
            <>
              <dt>{w.t('portal.quote.yourReference')}</dt>
              <dd>{quote.poNumber}</dd>
            </>
          )}
        </dl>
      </section>
      {quote.closedBecause && (
        <section className={`card notice ${quote.status === 'accepted' ? 'good' : ''}`} role="status">
          <p>{quote.closedBecause}</p>
          {quote.status === 'accepted' && quote.answeredAt && (
            <p>
              {quote.jobNumber
                ? w.t(quote.repeat ? 'portal.quote.bookedSeries' : 'portal.quote.booked', {
                    name: quote.signerName ?? '',
                    at: w.dateTime(quote.answeredAt, quote.timeZone),
                    job: quote.jobNumber,
                  })
                : w.t('portal.signedBy', {
                    name: quote.signerName ?? '',
                    at: w.dateTime(quote.answeredAt, quote.timeZone),
                  })}
            </p>
          )}
          {quote.status === 'accepted' && (
            <p>
              <a href={`/api/v1/public/quotes/${token}/signed.pdf`} target="_blank" rel="noreferrer">
                {w.t('portal.quote.signedCopy')}
              </a>
            </p>
          )}
          {quote.status === 'declined' && quote.declineReason && (
            <p>{w.t('portal.yourReason', { reason: quote.declineReason })}</p>
          )}
        </section>
      )}
      {quote.status === 'accepted' && <DepositCard quote={quote} awaiting={awaitingDeposit} />}
      <QuoteLines quote={quote} choice={choice} onChoice={setChoice} locked={!quote.open} />
      <QuoteTotals quote={quote} price={price} />
      {quote.terms && (
        <section className="card">
          <h2>{w.t('quote.terms')}</h2>
          <p className="terms">{quote.terms}</p>
        </section>
      )}
      {quote.open && price.ok && (
        <AnswerForms
          words={{
            title: w.t('portal.quote.acceptTitle'),
            consent: w.t('portal.quote.consent', {
              number: quote.number,
              amount: money(price.calc.totals.payable),
            }),
            accept: w.t('portal.quote.accept', { amount: money(price.calc.totals.payable) }),
            declineTitle: w.t('portal.quote.declineTitle'),
            decline: w.t('portal.quote.decline'),
          }}
          onAccept={(body) =>
            api
              .call<PublicQuote>('POST', `/public/quotes/${token}/accept`, {
                ...body,
                version: quote.version,
                choice,
              })
              .then(setQuote)
          }
          onDecline={(reason) =>
            api
              .call<PublicQuote>('POST', `/public/quotes/${token}/decline`, {
                version: quote.version,
                reason,
              })
              .then(setQuote)
          }
        />
      )}
    </main>
  );
};
