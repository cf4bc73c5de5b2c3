import Stripe from 'stripe';
import { connectPayments } from '../src/app/payments/payment-connections';
import { receivePaymentEvent } from '../src/app/payments/receive-payment-event';
import { toMinor } from '../src/app/payments/start-checkout';
import type { Deps } from '../src/app/ports';
import { SYSTEM_ACTOR } from '../src/core/principal';

/**
 * B10: money in from the provider, in process against PostgreSQL: a signed Stripe event for a checkout of an
 * issued invoice, verified over its bytes, recorded once (the payment, the invoice's status, its audit event,
 * the accounting pushes, the webhook, the customer's receipt), each timed; then the same events again, which
 * must change nothing. Needs issued invoices in the organization (B4's cycle run leaves a thousand).
 */
export const paymentEventLatency = async (deps: Deps, organizationId: string, n: number) => {
  const webhookSecret = 'whsec_benchbenchbenchbenchbench';
  const connection = await connectPayments(
    deps,
    organizationId,
    { provider: 'stripe', secretKey: 'sk_test_bench0000', webhookSecret, methods: ['card'] },
    SYSTEM_ACTOR,
  );
  const { rows } = await deps.database.raw.query<{ id: string; currency: string; owed: string }>(
    `SELECT id, currency, (payable - amount_paid - amount_credited)::text AS owed FROM invoices
      WHERE organization_id = $1 AND kind = 'invoice' AND status IN ('issued', 'sent')
        AND payable - amount_paid - amount_credited > 0
      ORDER BY issued_at LIMIT $2`,
    [organizationId, n],
  );
  if (rows.length === 0) throw new Error('no issued invoice to pay');
  const stripe = new Stripe('sk_test_bench0000');
  const now = new Date();
  const events: { body: Buffer; signature: string }[] = [];
  for (const [i, inv] of rows.entries()) {
    const checkoutId = `cs_bench_${i}`;
    await deps.database.raw.query(
      `INSERT INTO payment_checkouts (organization_id, id, connection_id, invoice_id, provider_checkout_id, url,
                                      amount, currency, status, created_at, updated_at)
       VALUES ($1, gen_random_uuid(), $2, $3, $4, 'https://checkout.example/pay', $5, $6, 'open', $7, $7)`,
      [organizationId, connection.id, inv.id, checkoutId, inv.owed, inv.currency, now],
    );
    const payload = JSON.stringify({
      id: `evt_bench_${i}`,
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(now.getTime() / 1000),
      data: {
        object: {
          id: checkoutId,
          payment_status: 'paid',
          amount_total: toMinor(inv.owed, inv.currency),
          currency: inv.currency.toLowerCase(),
          payment_intent: `pi_bench_${i}`,
          metadata: { invoiceId: inv.id },
          created: Math.floor(now.getTime() / 1000),
        },
      },
    });
    events.push({
      body: Buffer.from(payload),
      signature: stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }),
    });
  }
  const first: number[] = [];
  const again: number[] = [];
  for (const [round, times] of [
    ['first', first],
    ['again', again],
  ] as const) {
    for (const e of events) {
      const t0 = performance.now();
      const out = await receivePaymentEvent(deps, organizationId, connection.id, e.body, e.signature);
      times.push(performance.now() - t0);
      const expected = round === 'first' ? /^recorded / : /^duplicate$/;
      if (!expected.test(out.outcome)) throw new Error(`payment event ${round}: ${out.outcome}`);
    }
  }
  return { first, again };
};
