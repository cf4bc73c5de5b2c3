import { useEffect, useMemo, useState } from 'react';
import type { PublicQuote } from '../../../src/contracts/quotes';
import { translator } from '../../../src/core/i18n';
import { defaultChoice, priceQuote, type QuoteChoice, type QuoteLine } from '../../../src/core/quote-pricing';
import { repeatWords } from '../../../src/core/quote-repeat';
import { printDate, printDateTime } from '../../../src/core/time';
import { ApiError, createApiClient } from '../../shared/api-client';
import { AnswerForms } from './answer-forms';
import { OrgName } from './brand';
import { PhotoGrid } from './document-parts';
import { money } from './format';
import { QuoteLines, QuoteTotals } from './quote-lines';

const api = createApiClient('/api/v1');

/** The visit offered, or each day of a project's: "8 December 2026, 09:00 to 13:00". */
const visitTexts = (q: PublicQuote): string[] =>
  q.visitStart && q.visitEnd
    ? [{ start: q.visitStart, end: q.visitEnd }, ...q.laterVisits].map((v) =>
        translator().window(v.start, v.end, q.timeZone),
      )
    : [];

/** The deposit of an accepted quote: paying it from here where the business takes payments online. */
const DepositCard = ({ quote, awaiting }: { quote: PublicQuote; awaiting: boolean }) => {
  const d = quote.depositInvoice;
  if (!d)
    return awaiting ? (
      <section className="card" aria-label="Your deposit">
        <p aria-busy="true">Your deposit invoice is on its way…</p>
      </section>
    ) : null;
  const owed = /[1-9]/.test(d.outstanding);
  return (
    <section className="card" aria-label="Your deposit">
      <h2>Deposit</h2>
      {owed ? (
        <>
          <p>
            Deposit invoice {d.number} asks {money(quote, d.amount)}
            {quote.depositBeforeWork ? ', to be paid before the work starts' : ''}.
          </p>
          {d.payUrl ? (
            <p className="actions">
              <a className="button primary" href={d.payUrl}>
                Pay the deposit of {money(quote, d.outstanding)} now
              </a>
            </p>
          ) : (
            <p className="muted">Pay it by bank transfer with the details on the invoice we e-mail you.</p>
          )}
        </>
      ) : (
        <p className="notice good">Deposit invoice {d.number} is paid. Thank you.</p>
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
  const [quote, setQuote] = useState<PublicQuote | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [choice, setChoice] = useState<QuoteChoice>({ options: {}, addOns: [] });

  useEffect(() => {
    api
      .call<PublicQuote>('GET', `/public/quotes/${token}`)
      .then((q) => {
        setQuote(q);
        setChoice(q.choice ?? defaultChoice(q.lines as QuoteLine[]));
      })
      .catch((err: unknown) =>
        setFailure(
          err instanceof ApiError
            ? (err.problem.detail ?? 'This link does not work.')
            : 'We could not reach the server. Check your connection and try again.',
        ),
      );
  }, [token]);
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
          <h1>This link does not open a quote</h1>
          <p>{failure}</p>
        </section>
      </main>
    );
  if (!quote || !price)
    return (
      <main className="page">
        <p aria-busy="true">Loading your quote…</p>
      </main>
    );

  const visits = visitTexts(quote);
  return (
    <main className="page" style={{ ['--brand' as string]: quote.organization.brandColor }}>
      <header className="brand">
        <OrgName org={quote.organization} />
        <span className="number">Quote {quote.number}</span>
      </header>
      <section className="card">
        <h1>{quote.title}</h1>
        <p className="muted">
          For {quote.customerName}, {quote.siteAddress}
        </p>
        {quote.message && <p className="message">{quote.message}</p>}
        <PhotoGrid
          caption="From our visit"
          count={quote.photos}
          base={`/api/v1/public/quotes/${token}/photos`}
        />
        <dl className="facts">
          <dt>Valid until</dt>
          <dd>{printDate(quote.validUntil)}</dd>
          {visits.length === 1 && (
            <>
              <dt>Visit offered</dt>
              <dd>{visits[0]}</dd>
            </>
          )}
          {visits.length > 1 && (
            <>
              <dt>{`${visits.length} visits`}</dt>
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
              <dt>Repeats</dt>
              <dd>{`${repeatWords(quote.repeat)}; the price is per visit`}</dd>
            </>
          )}
          {quote.retainagePercent && (
            <>
              <dt>Retainage</dt>
              <dd>{`${quote.retainagePercent} % of each progress invoice is held back until the work is complete`}</dd>
            </>
          )}
          {quote.poNumber && (
            <>
              <dt>Your reference</dt>
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
              Signed by {quote.signerName} on {printDateTime(quote.answeredAt, quote.timeZone)}
              {quote.jobNumber
                ? quote.repeat
                  ? `; your visits are booked, the first as ${quote.jobNumber}.`
                  : `; your visit is booked as ${quote.jobNumber}.`
                : '.'}
            </p>
          )}
          {quote.status === 'accepted' && (
            <p>
              <a href={`/api/v1/public/quotes/${token}/signed.pdf`} target="_blank" rel="noreferrer">
                Download your signed copy (PDF)
              </a>
            </p>
          )}
          {quote.status === 'declined' && quote.declineReason && <p>Your reason: {quote.declineReason}</p>}
        </section>
      )}
      {quote.status === 'accepted' && <DepositCard quote={quote} awaiting={awaitingDeposit} />}
      <QuoteLines quote={quote} choice={choice} onChoice={setChoice} locked={!quote.open} />
      <QuoteTotals quote={quote} price={price} />
      {quote.terms && (
        <section className="card">
          <h2>Terms</h2>
          <p className="terms">{quote.terms}</p>
        </section>
      )}
      {quote.open && price.ok && (
        <AnswerForms
          words={{
            title: 'Accept and sign',
            consent: `By signing you accept quote ${quote.number} for ${money(quote, price.calc.totals.payable)} on the terms above.`,
            accept: `Accept for ${money(quote, price.calc.totals.payable)}`,
            declineTitle: 'Decline this quote',
            decline: 'Decline the quote',
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
