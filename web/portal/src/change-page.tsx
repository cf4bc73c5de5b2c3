import { useEffect, useState } from 'react';
import type { PublicChangeOrder } from '../../../src/contracts/change-orders';
import { grossOf } from '../../../src/core/invoice-calc';
import { createApiClient } from '../../shared/api-client';
import { AnswerForms } from './answer-forms';
import { linkProblem, PhotoGrid } from './document-parts';
import { moneyIn } from './format';
import { useSpeak, useWords } from './words';

const api = createApiClient('/api/v1');

type Line = PublicChangeOrder['lines'][number];

const LineRow = ({ c, l }: { c: PublicChangeOrder; l: Line }) => {
  const w = useWords();
  const amount = grossOf(l.quantity, l.unitPrice);
  return (
    <li className="line">
      <span>
        {l.quantity === '1' ? '' : `${w.decimal(l.quantity)} × `}
        {l.description}
      </span>
      <span className="amount">
        {moneyIn(w, c, (l.change === 'remove' ? amount.neg() : amount).toFixed())}
      </span>
    </li>
  );
};

/**
 * A change to work already agreed, as the customer sees it from the e-mail's link: why, what is added and
 * what is taken off, the agreed price before and after (tax included, as the invoice will bill it), and
 * approving with a signature or declining with a reason.
 */
export const ChangePage = ({ token }: { token: string }) => {
  const w = useWords();
  const [change, setChange] = useState<PublicChangeOrder | null>(null);
  const [failure, setFailure] = useState<{ error: unknown } | null>(null);

  useEffect(() => {
    api
      .call<PublicChangeOrder>('GET', `/public/change-orders/${token}`)
      .then(setChange)
      .catch((error: unknown) => setFailure({ error }));
  }, [token]);
  useSpeak(change?.language);

  if (failure)
    return (
      <main className="page">
        <section className="card" role="alert">
          <h1>{w.t('portal.change.cannotOpen')}</h1>
          <p>{linkProblem(failure.error, w)}</p>
        </section>
      </main>
    );
  if (!change)
    return (
      <main className="page">
        <p aria-busy="true">{w.t('portal.change.loading')}</p>
      </main>
    );

  const added = change.lines.filter((l) => l.change === 'add');
  const removed = change.lines.filter((l) => l.change === 'remove');
  const up = !change.difference.startsWith('-');
  const money = (value: string) => moneyIn(w, change, value);
  return (
    <main className="page" style={{ ['--brand' as string]: change.organization.brandColor }}>
      <header className="brand">
        <span className="org">{change.organization.name}</span>
        <span className="number">{w.t('portal.change.number', { job: change.jobNumber })}</span>
      </header>
      <section className="card">
        <h1>{w.t('portal.change.title')}</h1>
        <p className="muted">
          {w.t('portal.forCustomer', { customer: change.customerName, site: change.siteAddress })}
        </p>
        <p className="message">{change.reason}</p>
        <PhotoGrid
          caption={w.t('portal.change.found')}
          count={change.photos}
          base={`/api/v1/public/change-orders/${token}/photos`}
        />
      </section>
      {change.closedBecause && (
        <section className={`card notice ${change.status === 'approved' ? 'good' : ''}`} role="status">
          <p>{change.closedBecause}</p>
          {change.status === 'approved' && change.signerName && change.answeredAt && (
            <p>
              {w.t('portal.signedBy', {
                name: change.signerName,
                at: w.dateTime(change.answeredAt, change.timeZone),
              })}
            </p>
          )}
          {change.status === 'declined' && change.declineReason && (
            <p>{w.t('portal.yourReason', { reason: change.declineReason })}</p>
          )}
        </section>
      )}
      {added.length > 0 && (
        <section className="card">
          <h2>{w.t('portal.change.added')}</h2>
          <ul className="lines">
            {added.map((l) => (
              <LineRow key={`${l.description}${l.unitPrice}`} c={change} l={l} />
            ))}
          </ul>
        </section>
      )}
      {removed.length > 0 && (
        <section className="card">
          <h2>{w.t('portal.change.removed')}</h2>
          <ul className="lines">
            {removed.map((l) => (
              <LineRow key={`${l.description}${l.unitPrice}`} c={change} l={l} />
            ))}
          </ul>
        </section>
      )}
      <section className="card totals" aria-label={w.t('portal.change.price')}>
        <p className="muted">
          {w.t(change.scheme === 'vat' ? 'portal.change.taxNoteVat' : 'portal.change.taxNote')}
        </p>
        <dl>
          <div className="row">
            <dt>{w.t('portal.change.before')}</dt>
            <dd>{money(change.beforeTotal)}</dd>
          </div>
          <div className="row">
            <dt>{w.t(up ? 'portal.change.adds' : 'portal.change.takesOff')}</dt>
            <dd>{money(change.difference.replace(/^-/, ''))}</dd>
          </div>
          <div className="row grand">
            <dt>{w.t('portal.change.after')}</dt>
            <dd>{money(change.afterTotal)}</dd>
          </div>
        </dl>
      </section>
      {change.open && (
        <AnswerForms
          words={{
            title: w.t('portal.change.approveTitle'),
            consent: w.t('portal.change.consent', {
              job: change.jobNumber,
              amount: money(change.afterTotal),
            }),
            accept: w.t('portal.change.approve', { amount: money(change.afterTotal) }),
            declineTitle: w.t('portal.change.declineTitle'),
            decline: w.t('portal.change.decline'),
          }}
          onAccept={(body) =>
            api
              .call<PublicChangeOrder>('POST', `/public/change-orders/${token}/approve`, {
                ...body,
                afterTotal: change.afterTotal,
              })
              .then(setChange)
          }
          onDecline={(reason) =>
            api
              .call<PublicChangeOrder>('POST', `/public/change-orders/${token}/decline`, { reason })
              .then(setChange)
          }
        />
      )}
    </main>
  );
};
