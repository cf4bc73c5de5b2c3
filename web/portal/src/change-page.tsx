import { useEffect, useState } from 'react';
import type { PublicChangeOrder } from '../../../src/contracts/change-orders';
import { grossOf } from '../../../src/core/invoice-calc';
import { printDateTime } from '../../../src/core/time';
import { ApiError, createApiClient } from '../../shared/api-client';
import { AnswerForms } from './answer-forms';
import { PhotoGrid } from './document-parts';
import { money } from './format';

const api = createApiClient('/api/v1');

type Line = PublicChangeOrder['lines'][number];

const LineRow = ({ c, l }: { c: PublicChangeOrder; l: Line }) => {
  const amount = grossOf(l.quantity, l.unitPrice);
  return (
    <li className="line">
      <span>
        {l.quantity === '1' ? '' : `${l.quantity} × `}
        {l.description}
      </span>
      <span className="amount">{money(c, (l.change === 'remove' ? amount.neg() : amount).toFixed())}</span>
    </li>
  );
};

/**
 * A change to work already agreed, as the customer sees it from the e-mail's link: why, what is added and
 * what is taken off, the agreed price before and after (tax included, as the invoice will bill it), and
 * approving with a signature or declining with a reason.
 */
export const ChangePage = ({ token }: { token: string }) => {
  const [change, setChange] = useState<PublicChangeOrder | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    api
      .call<PublicChangeOrder>('GET', `/public/change-orders/${token}`)
      .then(setChange)
      .catch((err: unknown) =>
        setFailure(
          err instanceof ApiError
            ? (err.problem.detail ?? 'This link does not work.')
            : 'We could not reach the server. Check your connection and try again.',
        ),
      );
  }, [token]);

  if (failure)
    return (
      <main className="page">
        <section className="card" role="alert">
          <h1>This link does not open a change</h1>
          <p>{failure}</p>
        </section>
      </main>
    );
  if (!change)
    return (
      <main className="page">
        <p aria-busy="true">Loading the change…</p>
      </main>
    );

  const added = change.lines.filter((l) => l.change === 'add');
  const removed = change.lines.filter((l) => l.change === 'remove');
  const up = !change.difference.startsWith('-');
  const taxWord = change.scheme === 'vat' ? 'VAT' : 'tax';
  return (
    <main className="page" style={{ ['--brand' as string]: change.organization.brandColor }}>
      <header className="brand">
        <span className="org">{change.organization.name}</span>
        <span className="number">Change to {change.jobNumber}</span>
      </header>
      <section className="card">
        <h1>A change to your job</h1>
        <p className="muted">
          For {change.customerName}, {change.siteAddress}
        </p>
        <p className="message">{change.reason}</p>
        <PhotoGrid
          caption="What we found"
          count={change.photos}
          base={`/api/v1/public/change-orders/${token}/photos`}
        />
      </section>
      {change.closedBecause && (
        <section className={`card notice ${change.status === 'approved' ? 'good' : ''}`} role="status">
          <p>{change.closedBecause}</p>
          {change.status === 'approved' && change.signerName && change.answeredAt && (
            <p>
              Signed by {change.signerName} on {printDateTime(change.answeredAt, change.timeZone)}.
            </p>
          )}
          {change.status === 'declined' && change.declineReason && <p>Your reason: {change.declineReason}</p>}
        </section>
      )}
      {added.length > 0 && (
        <section className="card">
          <h2>Added</h2>
          <ul className="lines">
            {added.map((l) => (
              <LineRow key={`${l.description}${l.unitPrice}`} c={change} l={l} />
            ))}
          </ul>
        </section>
      )}
      {removed.length > 0 && (
        <section className="card">
          <h2>Taken off</h2>
          <ul className="lines">
            {removed.map((l) => (
              <LineRow key={`${l.description}${l.unitPrice}`} c={change} l={l} />
            ))}
          </ul>
        </section>
      )}
      <section className="card totals" aria-label="Price">
        <p className="muted">
          Line prices are before {taxWord}; the totals include it and any discount agreed.
        </p>
        <dl>
          <div className="row">
            <dt>Agreed price until now</dt>
            <dd>{money(change, change.beforeTotal)}</dd>
          </div>
          <div className="row">
            <dt>{up ? 'This change adds' : 'This change takes off'}</dt>
            <dd>{money(change, change.difference.replace(/^-/, ''))}</dd>
          </div>
          <div className="row grand">
            <dt>Agreed price with this change</dt>
            <dd>{money(change, change.afterTotal)}</dd>
          </div>
        </dl>
      </section>
      {change.open && (
        <AnswerForms
          words={{
            title: 'Approve and sign',
            consent: `By signing you approve this change to ${change.jobNumber}: the agreed price becomes ${money(change, change.afterTotal)}.`,
            accept: `Approve for ${money(change, change.afterTotal)}`,
            declineTitle: 'Decline this change',
            decline: 'Decline the change',
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
