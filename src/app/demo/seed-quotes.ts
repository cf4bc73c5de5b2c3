import { and, eq } from 'drizzle-orm';
import { SYSTEM_ACTOR } from '../../core/principal';
import { addDays, businessDate, zonedToInstant } from '../../core/time';
import { customers, jobTypes, organizations, sites, users } from '../../db/schema';
import { approveInPerson } from '../change-orders/approve-change-order';
import { createChangeOrder } from '../change-orders/create-change-order';
import { sendChangeOrder } from '../change-orders/send-change-order';
import { billProgress } from '../invoicing/progress-billing';
import type { Deps } from '../ports';
import { acceptQuote, declineQuote, openQuoteLink } from '../quotes/answer-quote';
import { createQuote } from '../quotes/draft-quote';
import { sendQuote } from '../quotes/send-quote';
import { assignCrew } from '../scheduling/schedule-job';
import { demoSignature } from './seed-week';

const CUSTOMER_BROWSER = {
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)',
};

/**
 * Quotes through their life, made by the same use cases the API runs: one being drafted (with options), one
 * the customer has opened and not answered, one declined with the customer's reason, and one accepted whose
 * job (on Ana's board in three days) already has a change signed in person and another waiting online.
 */
export const seedDemoQuotes = async (deps: Deps, organizationId: string) => {
  const db = deps.database.db;
  const [org] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  if (!org) return;
  const types = await db.select().from(jobTypes).where(eq(jobTypes.organizationId, organizationId));
  const install = types.find((t) => t.code === 'HVAC-INSTALL');
  const repair = types.find((t) => t.code === 'REPAIR') ?? install;
  const [ana] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.organizationId, organizationId), eq(users.name, 'Ana Kowalska')));
  const all = await db
    .select({ customer: customers, site: sites })
    .from(customers)
    .innerJoin(
      sites,
      and(eq(sites.organizationId, customers.organizationId), eq(sites.customerId, customers.id)),
    )
    .where(eq(customers.organizationId, organizationId));
  const at = (name: string) => {
    const row = all.find((r) => r.customer.name === name);
    if (!row) throw new Error(`demo customer ${name} missing`);
    return { customerId: row.customer.id, siteId: row.site.id };
  };
  if (!install || !repair || !ana) return;
  const today = businessDate(deps.clock.now(), org.timeZone);
  const validUntil = addDays(today, 30);
  const signature = `data:image/png;base64,${(await demoSignature(11)).toString('base64')}`;
  const tokenOf = (link: string) => link.slice(link.lastIndexOf('/') + 1);

  // Being drafted: good / better, and an extra to tick.
  await createQuote(
    deps,
    organizationId,
    {
      ...at('Tom & Sinead Farrell'),
      jobTypeId: install.id,
      title: 'Heat pump for the new extension',
      lines: [
        { description: 'Survey, heat-loss calculation and design', quantity: '1', unitPrice: '350.00' },
        {
          description: 'Air-to-water heat pump 7 kW, fitted',
          quantity: '1',
          unitPrice: '6900.00',
          option: { group: 'Heat pump', key: 'Standard' },
        },
        {
          description: 'Air-to-water heat pump 9 kW, quiet model, fitted',
          quantity: '1',
          unitPrice: '8400.00',
          option: { group: 'Heat pump', key: 'Quiet' },
        },
        {
          description: 'Smart controls with weather compensation',
          quantity: '1',
          unitPrice: '420.00',
          optional: true,
        },
      ],
      discountPercent: '5',
      deposit: { percent: '20' },
      validUntil,
      message:
        'Thank you for showing us the extension. Two choices of heat pump below; both qualify for the grant.',
      terms: 'Balance due within 14 days of commissioning.',
      internalNotes: 'Grant paperwork: Sinead prefers e-mail.',
    },
    SYSTEM_ACTOR,
  );

  // Sent and opened, not answered yet.
  const viewed = await createQuote(
    deps,
    organizationId,
    {
      ...at('Liffey Dental Clinic'),
      jobTypeId: repair.id,
      title: 'Replace the hot-water cylinder',
      lines: [
        { description: 'Unvented cylinder 210 l, supplied and fitted', quantity: '1', unitPrice: '1650.00' },
        { description: 'Labour, two fitters', quantity: '6', unitPrice: '85.00' },
      ],
      validUntil,
      message: 'As discussed on the phone: the old cylinder is past repair.',
    },
    SYSTEM_ACTOR,
  );
  const viewedLink = await sendQuote(deps, organizationId, viewed.quote.id, {}, SYSTEM_ACTOR);
  await openQuoteLink(deps, tokenOf(viewedLink.link), CUSTOMER_BROWSER);

  // Declined, with the customer's reason.
  const declined = await createQuote(
    deps,
    organizationId,
    {
      ...at('Harbour View Apartments'),
      jobTypeId: repair.id,
      title: 'New circulation pumps for the plant room',
      lines: [
        {
          description: 'Twin-head circulation pump, supplied and fitted',
          quantity: '2',
          unitPrice: '1890.00',
        },
      ],
      validUntil,
    },
    SYSTEM_ACTOR,
  );
  const declinedLink = await sendQuote(deps, organizationId, declined.quote.id, {}, SYSTEM_ACTOR);
  await declineQuote(
    deps,
    tokenOf(declinedLink.link),
    { version: 1, reason: 'The management company is taking it to tender next quarter.' },
    CUSTOMER_BROWSER,
  );

  // Accepted: the job is booked over two days from three days on (fitting, then commissioning once the
  // wall has cured, never on a weekend); one change signed on site, one waiting for the customer.
  const visit = zonedToInstant(addDays(today, 3), '09:00', org.timeZone);
  // Two working days later (a weekend day moves to the Monday).
  const later = addDays(today, 5);
  const weekday = new Date(`${later}T12:00:00Z`).getUTCDay();
  const commissioning = zonedToInstant(
    addDays(later, weekday === 6 ? 2 : weekday === 0 ? 1 : 0),
    '09:00',
    org.timeZone,
  );
  const accepted = await createQuote(
    deps,
    organizationId,
    {
      ...at('Mary Doyle'),
      jobTypeId: install.id,
      title: 'Air conditioning for the home office',
      lines: [
        {
          description: 'Supply and install a 2.5 kW wall-mounted split unit',
          quantity: '1',
          unitPrice: '1980.00',
        },
        { description: 'Wall bracket for the outdoor unit', quantity: '1', unitPrice: '95.00' },
      ],
      validUntil,
      visitStart: visit.toISOString(),
      visitEnd: new Date(visit.getTime() + 6 * 3_600_000).toISOString(),
      laterVisits: [
        {
          start: commissioning.toISOString(),
          end: new Date(commissioning.getTime() + 3 * 3_600_000).toISOString(),
        },
      ],
    },
    SYSTEM_ACTOR,
  );
  const acceptedLink = await sendQuote(deps, organizationId, accepted.quote.id, {}, SYSTEM_ACTOR);
  const { jobId } = await acceptQuote(
    deps,
    tokenOf(acceptedLink.link),
    { version: 1, choice: { options: {}, addOns: [] }, signerName: 'Mary Doyle', signature },
    CUSTOMER_BROWSER,
  );
  if (!jobId) return;
  await assignCrew(deps, organizationId, jobId, { add: [ana.id], remove: [] }, SYSTEM_ACTOR);
  const pump = await createChangeOrder(
    deps,
    organizationId,
    jobId,
    {
      reason: 'No drain near the indoor unit: a condensate pump is needed',
      lines: [{ change: 'add', description: 'Condensate pump, fitted', quantity: '1', unitPrice: '145.00' }],
    },
    { type: 'user', id: ana.id },
  );
  await approveInPerson(
    deps,
    organizationId,
    pump.order.id,
    { signerName: 'Mary Doyle', signature },
    CUSTOMER_BROWSER,
    { type: 'user', id: ana.id },
  );
  // The equipment is ordered: the first step of the agreed price is billed before the visit.
  await billProgress(
    deps,
    organizationId,
    jobId,
    { percent: '30', milestone: 'Equipment ordered' },
    SYSTEM_ACTOR,
  );
  const roof = await createChangeOrder(
    deps,
    organizationId,
    jobId,
    {
      reason:
        'Outdoor unit on the flat roof instead of the wall, as you asked: a roof stand replaces the bracket',
      lines: [
        {
          change: 'remove',
          description: 'Wall bracket for the outdoor unit',
          quantity: '1',
          unitPrice: '95.00',
        },
        { change: 'add', description: 'Anti-vibration roof stand', quantity: '1', unitPrice: '160.00' },
        { change: 'add', description: 'Extra pipe run, per metre', quantity: '4', unitPrice: '28.00' },
      ],
    },
    SYSTEM_ACTOR,
  );
  await sendChangeOrder(deps, organizationId, roof.order.id, {}, SYSTEM_ACTOR);
};
