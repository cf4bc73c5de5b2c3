import { approveInPerson } from '../src/app/change-orders/approve-change-order';
import { createChangeOrder } from '../src/app/change-orders/create-change-order';
import type { Deps } from '../src/app/ports';
import { acceptQuote } from '../src/app/quotes/answer-quote';
import { createQuote } from '../src/app/quotes/draft-quote';
import { sendQuote } from '../src/app/quotes/send-quote';
import { SYSTEM_ACTOR } from '../src/core/principal';
import { png } from '../test/support/files';
import type { BenchFixture } from './fixtures';

/**
 * B9: the agreement path, in process against PostgreSQL: a customer accepting a six-line quote (priced
 * again, signature stored, the job booked), and a change order drafted (the scope priced before and after,
 * as the invoice would) and signed in person (priced again, every open change repriced). Milliseconds each.
 */
export const agreementLatency = async (deps: Deps, fixture: BenchFixture, n: number) => {
  const org = fixture.organizationId;
  const { rows } = await deps.database.raw.query<{ customer_id: string; site_id: string }>(
    'SELECT customer_id, site_id FROM jobs WHERE organization_id = $1 LIMIT 1',
    [org],
  );
  const at = rows[0];
  if (!at) throw new Error('no job to take a customer from');
  const signature = `data:image/png;base64,${(await png(7)).toString('base64')}`;
  const who = { ip: '127.0.0.1', userAgent: 'bench' };
  const accept: number[] = [];
  const draft: number[] = [];
  const sign: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = new Date(Date.now() + 86_400_000 + i * 3_600_000);
    const { quote } = await createQuote(
      deps,
      org,
      {
        customerId: at.customer_id,
        siteId: at.site_id,
        jobTypeId: fixture.jobTypeId,
        title: `Bench quote ${i}`,
        lines: Array.from({ length: 6 }, (_, k) => ({
          description: `Line ${k}`,
          quantity: String(k + 1),
          unitPrice: `${100 + k}.50`,
        })),
        discountPercent: '5',
        validUntil: '2099-12-31',
        visitStart: start.toISOString(),
        visitEnd: new Date(start.getTime() + 3_600_000).toISOString(),
      },
      SYSTEM_ACTOR,
    );
    const { link } = await sendQuote(deps, org, quote.id, { to: 'bench@example.com' }, SYSTEM_ACTOR);
    const token = link.slice(link.lastIndexOf('/') + 1);
    let t0 = performance.now();
    const { jobId } = await acceptQuote(
      deps,
      token,
      { version: 1, choice: { options: {}, addOns: [] }, signerName: 'Bench Customer', signature },
      who,
    );
    accept.push(performance.now() - t0);
    if (!jobId) throw new Error('the accepted quote booked no job');
    t0 = performance.now();
    const { order } = await createChangeOrder(
      deps,
      org,
      jobId,
      {
        reason: 'Bench change',
        lines: [
          { change: 'add', description: 'Extra', quantity: '1', unitPrice: '80.00' },
          { change: 'remove', description: 'Line 0', quantity: '1', unitPrice: '100.50' },
        ],
      },
      SYSTEM_ACTOR,
    );
    draft.push(performance.now() - t0);
    t0 = performance.now();
    await approveInPerson(
      deps,
      org,
      order.id,
      { signerName: 'Bench Customer', signature },
      who,
      SYSTEM_ACTOR,
    );
    sign.push(performance.now() - t0);
  }
  return { accept, draft, sign };
};
