import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import { CloseoutBody } from '../../contracts/closeout';
import { ApprovalRule, CloseoutRequirements } from '../../core/job-type-templates';
import type { Actor, Principal } from '../../core/principal';
import type { Role } from '../../core/roles';
import { addDays, businessDate, zonedToInstant } from '../../core/time';
import { customers, invoices, organizations, sites, users } from '../../db/schema/index';
import { decideApproval } from '../approvals/approvals';
import { saveJobType } from '../catalog/price-book';
import { submitCloseout } from '../closeout/submit-closeout';
import { createCreditNote } from '../invoicing/credit-notes';
import { outstandingOf } from '../invoicing/invoice-store';
import { sendInvoice } from '../invoicing/office-actions';
import { prepareJobInvoices } from '../invoicing/prepare-job-invoices';
import { recordPayment } from '../invoicing/record-payment';
import type { Deps } from '../ports';
import { createJob } from '../scheduling/create-job';

/**
 * Six weeks of past work for the demo, made through the same use cases the API runs, each at its own moment
 * (a clock moved by hand): bookings, closeouts (some refused first), approvals, invoices issued and sent,
 * payments, a few credit notes. The metrics dashboard has a history to show on a fresh install.
 */
export const seedDemoHistory = async (deps: Deps, organizationId: string): Promise<number> => {
  const db = deps.database.db;
  const [org] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  if (!org) return 0;
  const people = await db.select().from(users).where(eq(users.organizationId, organizationId));
  const byRole = (r: Role) => people.filter((p) => p.roles.includes(r));
  const techs = byRole('technician');
  const approver = byRole('approver')[0];
  const billing = byRole('billing')[0];
  const sitesOf = await db
    .select({ customerId: customers.id, siteId: sites.id })
    .from(sites)
    .innerJoin(
      customers,
      and(eq(customers.organizationId, sites.organizationId), eq(customers.id, sites.customerId)),
    )
    .where(eq(sites.organizationId, organizationId));
  if (techs.length === 0 || !approver || !billing || sitesOf.length === 0) return 0;

  let at = deps.clock.now();
  const realNow = deps.clock.now();
  const past: Deps = { ...deps, clock: { now: () => new Date(at) } };
  const system: Actor = { type: 'system', id: null };
  const asUser = (u: { id: string }): Actor => ({ type: 'user', id: u.id });
  const approverPrincipal: Principal = {
    kind: 'user',
    userId: approver.id,
    organizationId,
    roles: ['approver'],
    sessionTokenHash: '',
    csrfToken: '',
  };

  const jobTypeId = await saveJobType(
    deps,
    organizationId,
    null,
    {
      code: 'CALLOUT',
      name: 'Call-out repair',
      trade: 'plumbing',
      defaultDurationMinutes: 90,
      billingMode: 'time_and_materials',
      closeoutRequirements: CloseoutRequirements.parse({
        checklist: [],
        photos: [],
        signature: false,
        serialNumbers: false,
        partNumbers: false,
        notes: true,
      }),
      approvalRules: [
        ApprovalRule.parse({
          code: 'invoice_total_above',
          threshold: '450',
          approverRole: 'approver',
          slaHours: 24,
        }),
      ],
    },
    system,
  );

  const today = businessDate(realNow, org.timeZone);
  let made = 0;
  for (let week = 6; week >= 1; week--) {
    for (let k = 0; k < 7; k++) {
      const date = addDays(today, -7 * week + (k % 5) - 3);
      const start = zonedToInstant(date, k % 2 ? '13:30' : '09:00', org.timeZone);
      const end = new Date(start.getTime() + 90 * 60_000);
      if (end >= realNow) continue;
      const tech = techs[k % techs.length] as (typeof techs)[number];
      const place = sitesOf[(week * 7 + k) % sitesOf.length] as (typeof sitesOf)[number];
      at = new Date(start.getTime() - 3 * 86_400_000);
      const job = await createJob(
        past,
        organizationId,
        {
          customerId: place.customerId,
          siteId: place.siteId,
          jobTypeId,
          scope: 'Leak under the kitchen sink; check the pressure valve',
          windowStart: start,
          windowEnd: end,
          crew: [tech.id],
          discountPercent: k === 3 ? '5' : null,
        },
        system,
      );
      const body = (notes: string, minutesLate: number) =>
        CloseoutBody.parse({
          submissionId: deps.ids.uuid(),
          workPerformed: { checklist: [], notes },
          labor: [{ technicianId: tech.id, hours: String(1 + (k % 3) * 0.75) }],
          parts: [
            { description: 'Compression fittings', quantity: String(1 + (k % 4)), unitPrice: '6.40' },
            ...(k % 3 === 2
              ? [{ description: 'Pressure reducing valve', quantity: '1', unitPrice: '289.00' }]
              : []),
          ],
          adjustments: [{ kind: 'trip_charge', amount: '35.00' }],
          deviceTime: new Date(end.getTime() + minutesLate * 60_000).toISOString(),
        });
      // Every fifth job's first closeout forgets the notes and is refused; the technician fixes it.
      if ((week + k) % 5 === 0) {
        at = end;
        await submitCloseout(past, {
          organizationId,
          jobId: job.id,
          body: body('', 0),
          source: 'technician',
          actor: asUser(tech),
          requestId: 'seed',
        });
        at = new Date(end.getTime() + 40 * 60_000);
      } else {
        at = end;
      }
      const decision = await submitCloseout(past, {
        organizationId,
        jobId: job.id,
        body: body('Replaced the fittings, pressure tested, no leaks.', 1),
        source: 'technician',
        actor: asUser(tech),
        requestId: 'seed',
      });
      if (decision.decision.approval) {
        at = new Date(at.getTime() + (2 + k) * 3_600_000);
        await decideApproval(past, approverPrincipal, decision.decision.approval.id, {
          decision: 'approve',
          comment: 'Valve replacement agreed with the customer',
        });
      }
      // Now and then the office corrects a closeout before it is invoiced: a back-office touch.
      if ((week + k) % 6 === 3) {
        at = new Date(at.getTime() + 45 * 60_000);
        const owner = byRole('owner')[0];
        const corrected = await submitCloseout(past, {
          organizationId,
          jobId: job.id,
          body: body('Replaced the fittings, pressure tested, no leaks. Customer supplied the valve.', 50),
          source: 'office_edit',
          actor: owner ? asUser(owner) : system,
          requestId: 'seed',
          reason: 'Price agreed on the phone',
        });
        // A correction that fires a rule again is approved again: the history leaves nothing waiting.
        if (corrected.decision.approval) {
          at = new Date(at.getTime() + 3_600_000);
          await decideApproval(past, approverPrincipal, corrected.decision.approval.id, {
            decision: 'approve',
            comment: 'Corrected price agreed',
          });
        }
      }
      // The invoice goes out the same day for most jobs, a day or two later for some.
      at = new Date(at.getTime() + (1 + ((k * 7 + week) % 30)) * 3_600_000);
      if (at >= realNow) continue;
      await prepareJobInvoices(past, organizationId, job.id);
      const [inv] = await db
        .select()
        .from(invoices)
        .where(
          and(
            eq(invoices.organizationId, organizationId),
            eq(invoices.jobId, job.id),
            eq(invoices.kind, 'invoice'),
          ),
        );
      if (!inv?.number) continue;
      at = new Date(at.getTime() + 30 * 60_000);
      await sendInvoice(past, organizationId, inv.id, asUser(billing));
      // Older invoices are mostly paid, 5 to 25 days after issue; one in seven is disputed and credited.
      const paidAt = new Date(at.getTime() + (5 + ((k * 3 + week * 5) % 21)) * 86_400_000);
      if ((week * 7 + k) % 7 === 4) {
        at = new Date(at.getTime() + 4 * 86_400_000);
        if (at < realNow) {
          await createCreditNote(
            past,
            organizationId,
            inv.id,
            {
              reason: week % 2 ? 'price_dispute' : 'goodwill',
              memo: 'Agreed reduction after the customer called',
              lines: [{ position: 2, quantity: '1' }],
            },
            asUser(billing),
          );
        }
      } else if (paidAt < realNow && (week + k) % 4 !== 1) {
        at = paidAt;
        const [fresh] = await db
          .select()
          .from(invoices)
          .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, inv.id)));
        const outstanding = fresh ? outstandingOf(fresh).toFixed(2) : '0';
        if (new Decimal(outstanding).gt(0)) {
          await recordPayment(
            past,
            organizationId,
            {
              invoiceId: inv.id,
              amount: outstanding,
              receivedOn: businessDate(paidAt, org.timeZone),
              method: 'bank_transfer',
              reference: `DEMO-${inv.number}`,
            },
            asUser(billing),
          );
        }
      }
      made++;
    }
  }
  return made;
};
