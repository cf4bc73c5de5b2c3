import { and, asc, eq, inArray } from 'drizzle-orm';
import sharp from 'sharp';
import { CloseoutBody } from '../../contracts/closeout';
import type { PhotoCategory } from '../../core/closeout-rules';
import type { CloseoutRequirements } from '../../core/job-type-templates';
import type { Actor } from '../../core/principal';
import { businessDate } from '../../core/time';
import {
  customers,
  invoices,
  jobAssignments,
  jobs,
  jobTypes,
  organizations,
  users,
} from '../../db/schema/index';
import { uploadAttachment } from '../closeout/attachments';
import { submitCloseout } from '../closeout/submit-closeout';
import { sendInvoice } from '../invoicing/office-actions';
import { prepareJobInvoices } from '../invoicing/prepare-job-invoices';
import { recordPayment } from '../invoicing/record-payment';
import type { Deps } from '../ports';
import { updateJobFields } from '../scheduling/update-job';

/** What the crew did on each kind of job, in the words a technician types. */
const WORK: Record<string, { notes: string; parts: { sku: string; quantity: string; serial?: boolean }[] }> =
  {
    'HVAC-INSTALL': {
      notes:
        'Installed the new split unit, levelled the brackets, charged and leak-tested; walked the customer through the thermostat.',
      parts: [
        { sku: 'PRT-CAP-45', quantity: '1', serial: true },
        { sku: 'PRT-PIPE-15', quantity: '6' },
      ],
    },
    REPAIR: {
      notes: 'Compressor would not start: replaced the run capacitor, tested two full cycles.',
      parts: [{ sku: 'PRT-CAP-45', quantity: '1' }],
    },
    MAINT: {
      notes: 'Routine service, all readings in range.',
      parts: [{ sku: 'PRT-FILTER-16', quantity: '2' }],
    },
    PLUMB: {
      notes:
        'Leak at the isolation valve under the sink: replaced the valve and 1 m of pipe, pressure tested.',
      parts: [
        { sku: 'PRT-VALVE-15', quantity: '1' },
        { sku: 'PRT-PIPE-15', quantity: '1' },
      ],
    },
    CLEAN: { notes: 'Full clean to the plan.', parts: [] },
  };

/** A photo that looks like one on a screen (a soft gradient with a subject), made on the spot: no assets to ship. */
const photo = (seed: number) =>
  sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${(seed * 47) % 360},40%,62%)"/><stop offset="1" stop-color="hsl(${(seed * 47 + 70) % 360},30%,32%)"/></linearGradient></defs><rect width="800" height="600" fill="url(#g)"/><rect x="250" y="170" width="300" height="260" rx="18" fill="#ffffff" fill-opacity="0.3"/><circle cx="400" cy="300" r="60" fill="#ffffff" fill-opacity="0.35"/></svg>`,
    ),
  )
    .jpeg({ quality: 70 })
    .toBuffer();

/** A signature drawn with a finger: a scribble on transparent ground. */
export const demoSignature = (seed: number) =>
  sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="140"><path d="M20 ${90 - (seed % 20)} C 60 20, 90 130, 130 70 S 200 ${30 + (seed % 30)}, 240 90 S 320 110, 380 50" fill="none" stroke="#1b2a4a" stroke-width="4" stroke-linecap="round"/></svg>`,
    ),
  )
    .png()
    .toBuffer();

type Role = 'complete' | 'missing_photo' | 'discount_approval' | 'not_synced';

/**
 * The demo's current week, made through the same use cases the API runs, each at its own moment: the jobs
 * finished in the last two days get their closeouts (photos, signature, checklist, parts), most become
 * invoices that were sent and some paid; a few sit in the exception lanes with the reason a person reads:
 * a closeout refused for a missing photo, a discount over the threshold awaiting approval, and the latest
 * job still waiting for the technician's phone to sync. Every screen then has something true to show.
 */
export const seedDemoWeek = async (deps: Deps, organizationId: string) => {
  const db = deps.database.db;
  const [org] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  if (!org) return 0;
  const realNow = deps.clock.now();
  let at = realNow;
  const past: Deps = {
    ...deps,
    clock: { now: () => (at < realNow ? at : new Date(realNow.getTime() - 60_000)) },
  };
  const rows = await db
    .select({ job: jobs, type: jobTypes, customer: customers })
    .from(jobs)
    .innerJoin(
      jobTypes,
      and(eq(jobTypes.organizationId, jobs.organizationId), eq(jobTypes.id, jobs.jobTypeId)),
    )
    .innerJoin(
      customers,
      and(eq(customers.organizationId, jobs.organizationId), eq(customers.id, jobs.customerId)),
    )
    .where(
      and(
        eq(jobs.organizationId, organizationId),
        eq(jobs.status, 'completed'),
        eq(jobs.billingStatus, 'needs_info'),
      ),
    )
    .orderBy(asc(jobs.windowEnd));
  if (rows.length === 0) return 0;
  const crew = await db
    .select({ jobId: jobAssignments.jobId, userId: jobAssignments.userId })
    .from(jobAssignments)
    .where(
      and(
        eq(jobAssignments.organizationId, organizationId),
        inArray(
          jobAssignments.jobId,
          rows.map((r) => r.job.id),
        ),
      ),
    );
  const people = await db.select().from(users).where(eq(users.organizationId, organizationId));
  const billing = people.find((p) => p.roles.includes('billing'));
  const owner = people.find((p) => p.roles.includes('owner'));
  if (!billing || !owner) return 0;
  const asUser = (u: { id: string }): Actor => ({ type: 'user', id: u.id });

  // The newest job waits for the phone; the next is refused for a photo; the one before asks for approval.
  const roleOf = (i: number): Role => {
    const fromEnd = rows.length - 1 - i;
    return fromEnd === 0
      ? 'not_synced'
      : fromEnd === 1
        ? 'missing_photo'
        : fromEnd === 2
          ? 'discount_approval'
          : 'complete';
  };
  let made = 0;
  for (const [i, { job, type, customer }] of rows.entries()) {
    const role = roleOf(i);
    if (role === 'not_synced') continue;
    const techId = crew.find((c) => c.jobId === job.id)?.userId;
    if (!techId || !job.windowEnd || !job.windowStart) continue;
    const end = job.windowEnd;
    const req = type.closeoutRequirements as CloseoutRequirements;
    if (role === 'discount_approval') {
      at = new Date(end.getTime() - 30 * 60_000);
      await updateJobFields(
        past,
        organizationId,
        job.id,
        {
          discountPercent: '15',
          reason: 'Loyalty discount promised on site; over the 10 % the office may give',
        },
        asUser(owner),
      );
    }
    at = new Date(end.getTime() + 5 * 60_000);
    // The photos the job type asks for; the refused one forgets its last category.
    const wanted = req.photos.flatMap((p) =>
      Array.from({ length: p.min }, () => p.category as PhotoCategory),
    );
    const lastCategory = req.photos.at(-1)?.category;
    const taken = role === 'missing_photo' ? wanted.filter((c) => c !== lastCategory) : wanted;
    const attachmentIds: string[] = [];
    for (const [k, category] of taken.entries()) {
      const { attachment } = await uploadAttachment(past, {
        organizationId,
        jobId: job.id,
        category,
        bytes: await photo(i * 7 + k),
        declaredType: 'image/jpeg',
        originalName: `${category}-${k + 1}.jpg`,
        actor: { type: 'user', id: techId },
      });
      attachmentIds.push(attachment.id);
    }
    const signer = customer.contacts[0]?.name ?? customer.name;
    const signed = req.signature
      ? (
          await uploadAttachment(past, {
            organizationId,
            jobId: job.id,
            category: 'signature',
            bytes: await demoSignature(i),
            declaredType: 'image/png',
            originalName: 'signature.png',
            actor: { type: 'user', id: techId },
          })
        ).attachment
      : null;
    const work = WORK[type.code] ?? { notes: 'Work done as booked.', parts: [] };
    const hours = Math.max(
      0.5,
      Math.round(((end.getTime() - job.windowStart.getTime()) / 3_600_000) * 4) / 4,
    );
    const body = CloseoutBody.parse({
      submissionId: deps.ids.uuid(),
      workPerformed: { checklist: req.checklist.map((item) => ({ item, done: true })), notes: work.notes },
      labor: [{ technicianId: techId, hours: String(hours) }],
      parts: work.parts.map((p, k) => ({
        sku: p.sku,
        quantity: p.quantity,
        serialNumbers: p.serial || (req.serialNumbers && k === 0) ? [`SN-${job.number}-${k + 1}`] : [],
      })),
      adjustments:
        type.trade === 'plumbing' || type.code === 'REPAIR' ? [{ kind: 'trip_charge', sku: 'FEE-TRIP' }] : [],
      attachmentIds,
      ...(signed
        ? {
            signature: {
              attachmentId: signed.id,
              signerName: signer,
              signedAt: new Date(end.getTime() + 2 * 60_000).toISOString(),
            },
          }
        : {}),
      deviceTime: at.toISOString(),
      gps: { latitude: 53.3438 + (i % 7) * 0.004, longitude: -6.2546 - (i % 5) * 0.006, accuracy: 12 },
    });
    const result = await submitCloseout(past, {
      organizationId,
      jobId: job.id,
      body,
      source: 'technician',
      actor: { type: 'user', id: techId },
      requestId: 'seed-week',
    });
    made++;
    if (role !== 'complete' || result.decision.approval || result.decision.outcome !== 'accepted') continue;
    // Invoiced within the hour of the closeout, sent the same afternoon; the oldest are paid already.
    at = new Date(at.getTime() + 20 * 60_000);
    await prepareJobInvoices(past, organizationId, job.id);
    const issued = await db
      .select()
      .from(invoices)
      .where(and(eq(invoices.organizationId, organizationId), eq(invoices.jobId, job.id)));
    for (const inv of issued.filter((x) => x.number && x.status === 'issued')) {
      at = new Date(at.getTime() + 40 * 60_000);
      await sendInvoice(past, organizationId, inv.id, asUser(billing));
      if (i % 3 === 0 && inv.kind === 'invoice') {
        at = new Date(at.getTime() + 20 * 3_600_000);
        if (at < realNow)
          await recordPayment(
            past,
            organizationId,
            {
              invoiceId: inv.id,
              amount: inv.payable,
              receivedOn: businessDate(at, org.timeZone),
              method: i % 2 ? 'card' : 'bank_transfer',
              reference: `DEMO-${inv.number}`,
            },
            asUser(billing),
          );
      }
    }
  }
  return made;
};
