import { and, eq } from 'drizzle-orm';
import type { Role } from '../../core/roles';
import { addDays, businessDate, mondayOf, zonedToInstant } from '../../core/time';

const isSunday = (date: string): boolean => mondayOf(date) === addDays(date, -6);

import { SETUP_STEPS } from '../../core/setup';
import {
  catalogItems,
  customers,
  jobAssignments,
  jobs,
  jobTypes as jobTypesTable,
  organizations,
  sites,
  users,
} from '../../db/schema/index';
import type { PostalAddress } from '../../db/schema/operations';
import { appendAudit } from '../audit/audit';
import { insertOrganization } from '../directory/organizations';
import { insertUser } from '../directory/users';
import type { Deps } from '../ports';
import { createSeries } from '../series/create-series';
import { nextNumber } from '../system/sequences';
import { seedDemoAccounting } from './seed-accounting';
import { seedDemoBank } from './seed-bank';
import { seedDemoHistory } from './seed-history';
import { seedDemoPortal } from './seed-portal';
import { seedDemoQuotes } from './seed-quotes';
import { seedDemoReminders } from './seed-reminders';
import { seedDemoWeek } from './seed-week';
import { seedDemoWriteOffs } from './seed-write-offs';

export const DEMO_SLUG = 'demo';
export const DEMO_PASSWORD = 'closeout-demo-2026';

export const DEMO_USERS: {
  email: string;
  name: string;
  roles: Role[];
  laborRole?: string;
  hourlyRate?: string;
}[] = [
  { email: 'owner@demo.closeout.test', name: 'Orla Byrne', roles: ['owner'] },
  { email: 'dispatch@demo.closeout.test', name: 'Declan Walsh', roles: ['dispatcher'] },
  {
    email: 'ana@demo.closeout.test',
    name: 'Ana Kowalska',
    roles: ['technician'],
    laborRole: 'Senior HVAC technician',
    hourlyRate: '85.00',
  },
  {
    email: 'ben@demo.closeout.test',
    name: 'Ben Okafor',
    roles: ['technician'],
    laborRole: 'Plumber',
    hourlyRate: '70.00',
  },
  { email: 'approver@demo.closeout.test', name: 'Aoife Kelly', roles: ['approver'] },
  { email: 'billing@demo.closeout.test', name: 'Brian Murphy', roles: ['billing'] },
];

const address = (line1: string, city: string, postalCode: string): PostalAddress => ({
  line1,
  city,
  postalCode,
  country: 'IE',
});

const DEMO_CUSTOMERS = [
  {
    name: 'Harbour View Apartments',
    email: 'accounts@harbourview.example',
    taxId: 'IE6388047V',
    site: 'Block A plant room',
  },
  { name: 'Liffey Dental Clinic', email: 'practice@liffeydental.example', taxId: null, site: 'Clinic' },
  { name: 'Mary Doyle', email: 'mary.doyle@example.com', taxId: null, site: 'Home' },
  {
    name: 'Greenfield Primary School',
    email: 'office@greenfield.example',
    taxId: null,
    site: 'Main building',
  },
  {
    name: 'Quayside Coffee Ltd',
    email: 'finance@quayside.example',
    taxId: 'IE3668997OH',
    site: 'Quay Street shop',
  },
  { name: 'Tom & Sinead Farrell', email: 'farrells@example.com', taxId: null, site: 'Home' },
];

const SLOTS = ['08:00', '10:30', '13:30', '15:30'] as const;

/**
 * Seeds the demo organization once: an owner, dispatcher, two technicians, an approver and a billing
 * user, customers with sites, a price book, tax codes, job types and jobs from two days ago to four days ahead.
 * Returns false when it already exists.
 */
export const seedDemo = async (deps: Deps): Promise<boolean> => {
  const existing = await deps.database.db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.slug, DEMO_SLUG));
  if (existing.length > 0) return false;

  await deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    const { org, taxCodes, jobTypes } = await insertOrganization(tx, deps, {
      slug: DEMO_SLUG,
      name: 'Brightwater Heating & Plumbing',
      legalName: 'Brightwater Heating & Plumbing Ltd',
      country: 'IE',
      currency: 'EUR',
      timeZone: 'Europe/Dublin',
      taxScheme: 'vat',
      vatId: 'IE9700053D',
      peppolEndpoint: '0088:5391234567892',
      paymentTermsDays: 14,
      address: {
        line1: 'Unit 4, Docklands Business Park',
        city: 'Dublin',
        postalCode: 'D01 K7W2',
        country: 'IE',
      },
      companyId: '612345',
      iban: 'IE29 AIBK 9311 5212 3456 78',
      replyToEmail: 'office@brightwater.example',
      trades: ['hvac', 'plumbing', 'cleaning'],
    });
    // Brightwater set itself up long ago: its wizard is behind it.
    await tx.db
      .update(organizations)
      .set({
        setupSteps: Object.fromEntries(
          SETUP_STEPS.map((step) => [step, { status: 'done' as const, at: now.toISOString() }]),
        ),
      })
      .where(eq(organizations.id, org.id));
    const people = [];
    for (const u of DEMO_USERS)
      people.push(await insertUser(tx, deps, org.id, { ...u, password: DEMO_PASSWORD }));
    const technicians = people.filter((p) => p.roles.includes('technician'));
    const billingOwner = people.find((p) => p.roles.includes('billing'));

    const std = taxCodes.find((t) => t.code === 'S-STD');
    const reduced = taxCodes.find((t) => t.code === 'S-RED');
    if (!std || !reduced) throw new Error('starter tax codes missing');
    const item = (
      sku: string,
      name: string,
      kind: 'labor' | 'part' | 'fee',
      unitCode: string,
      unitPrice: string,
    ) => ({
      organizationId: org.id,
      id: deps.ids.uuid(),
      sku,
      name,
      kind,
      unitCode,
      unitPrice,
      taxCodeId: kind === 'labor' ? reduced.id : std.id,
      glAccount: kind === 'labor' ? '4000' : kind === 'part' ? '4100' : '4200',
      createdAt: now,
    });
    await tx.db
      .insert(catalogItems)
      .values([
        item('LAB-TECH', 'Technician labour', 'labor', 'HUR', '85.00'),
        item('LAB-PLUMB', 'Plumber labour', 'labor', 'HUR', '70.00'),
        item('LAB-OT', 'Overtime labour', 'labor', 'HUR', '127.50'),
        item('PRT-FILTER-16', 'Air filter 16x25x1', 'part', 'C62', '14.90'),
        item('PRT-CAP-45', 'Run capacitor 45/5 µF', 'part', 'C62', '38.50'),
        item('PRT-VALVE-15', 'Isolation valve 15 mm', 'part', 'C62', '12.75'),
        item('PRT-PIPE-15', 'Copper pipe 15 mm', 'part', 'MTR', '6.40'),
        item('FEE-TRIP', 'Trip charge', 'fee', 'C62', '45.00'),
        item('FEE-DISPOSAL', 'Disposal fee', 'fee', 'C62', '25.00'),
      ]);

    // Labour is billed at the price book's labour item for the work: plumbers' rate for plumbing, the
    // technicians' rate for the rest.
    for (const jt of jobTypes) {
      await tx.db
        .update(jobTypesTable)
        .set({ laborSku: jt.trade === 'plumbing' ? 'LAB-PLUMB' : 'LAB-TECH' })
        .where(and(eq(jobTypesTable.organizationId, org.id), eq(jobTypesTable.id, jt.id)));
    }

    const customerRows = [];
    for (const [i, c] of DEMO_CUSTOMERS.entries()) {
      const addr = address(
        `${10 + i * 7} ${['Quay', 'Main', 'Church', 'Mill', 'Bridge', 'Park'][i]} Street`,
        'Dublin',
        `D0${i + 1} X${i}Y${i}`,
      );
      const [customer] = await tx.db
        .insert(customers)
        .values({
          organizationId: org.id,
          id: deps.ids.uuid(),
          name: c.name,
          normalizedName: c.name
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, ' ')
            .trim(),
          email: c.email,
          billingAddress: addr,
          taxId: c.taxId,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      const [site] = await tx.db
        .insert(sites)
        .values({
          organizationId: org.id,
          id: deps.ids.uuid(),
          customerId: customer?.id ?? '',
          name: c.site,
          address: addr,
          createdAt: now,
        })
        .returning();
      if (!customer || !site) throw new Error('demo customer insert returned nothing');
      customerRows.push({ customer, site });
    }

    // Two days back to four ahead: whatever the weekday, the demo has finished, running and upcoming work.
    // Sundays are days off, except today: a demo opened on a Sunday still shows a working board.
    const today = businessDate(now, org.timeZone);
    let n = 0;
    // Installs are sold at an agreed price (the estimate); the first finished one was booked without it, so
    // its invoice waits in the needs-review lane saying so, as a forgotten price would in real life.
    let unpriced = false;
    // The week's slots, two days back to four ahead, with gaps so the board looks like a real week.
    const plan: {
      date: string;
      tech: (typeof technicians)[number];
      slot: string;
      jobType: (typeof jobTypes)[number];
    }[] = [];
    for (let day = 0; day < 7; day++) {
      const date = addDays(today, day - 2);
      if (isSunday(date) && date !== today) continue;
      for (const [t, tech] of technicians.entries())
        for (const [s, slot] of SLOTS.entries()) {
          const jobType = jobTypes[(day + s + t) % jobTypes.length];
          if ((day + s + t) % 3 !== 2 && jobType) plan.push({ date, tech, slot, jobType });
        }
    }
    // Whatever the weekday, one finished job is that install: when the rotation puts none in the finished
    // days (a Tuesday's only finished day is Monday), the first job that would be finished as one is made it.
    const installType = jobTypes.find((jt) => jt.code === 'HVAC-INSTALL');
    if (installType) {
      const endsAsInstall = (p: (typeof plan)[number]) =>
        zonedToInstant(p.date, p.slot, org.timeZone).getTime() +
        Math.min(installType.defaultDurationMinutes, 120) * 60_000;
      const finished = plan.filter((p) => endsAsInstall(p) < now.getTime());
      const first = finished[0];
      if (first && !finished.some((p) => p.jobType.code === 'HVAC-INSTALL')) first.jobType = installType;
    }
    for (const { date, tech, slot, jobType } of plan) {
      const { customer, site } = customerRows[n % customerRows.length] ?? {};
      if (!customer || !site) continue;
      n++;
      const start = zonedToInstant(date, slot, org.timeZone);
      const end = new Date(start.getTime() + Math.min(jobType.defaultDurationMinutes, 120) * 60_000);
      const past = end < now;
      const running = start <= now && !past;
      const status = past
        ? 'completed'
        : running
          ? 'in_progress'
          : date === today
            ? 'dispatched'
            : 'scheduled';
      const install = jobType.code === 'HVAC-INSTALL';
      const priced = install && !(past && !unpriced);
      if (install && past && !unpriced) unpriced = true;
      const id = deps.ids.uuid();
      const number = await nextNumber(tx, org.id, 'job', 1001);
      await tx.db.insert(jobs).values({
        organizationId: org.id,
        id,
        number,
        customerId: customer.id,
        siteId: site.id,
        jobTypeId: jobType.id,
        scope: `${jobType.name} at ${customer.name}`,
        windowStart: start,
        windowEnd: end,
        status,
        // Completed jobs wait for their closeout: the exception queue shows them until it arrives.
        billingStatus: past ? 'needs_info' : 'not_ready',
        billingOwnerId: billingOwner?.id ?? null,
        estimateLines: priced
          ? [
              {
                sku: null,
                description: 'Supply and install a 3.5 kW wall-mounted split air-conditioning unit',
                quantity: '1',
                unitPrice: '2450.00',
              },
            ]
          : [],
        depositRequired: jobType.code === 'HVAC-INSTALL',
        depositAmount: jobType.code === 'HVAC-INSTALL' ? '500.00' : null,
        discountPercent: n % 5 === 0 ? '5' : null,
        taxCodeId: reduced.id,
        scheduledAt: now,
        startedAt: past || running ? start : null,
        completedAt: past ? end : null,
        createdAt: now,
        updatedAt: now,
      });
      await tx.db
        .insert(jobAssignments)
        .values({ organizationId: org.id, jobId: id, userId: tech.id, assignedAt: now });
      await appendAudit(tx, deps, {
        organizationId: org.id,
        aggregateType: 'job',
        aggregateId: id,
        action: 'job.created',
        actor: { type: 'system', id: null },
        changes: { number: `J-${number}`, status, windowStart: start.toISOString(), crew: [tech.id] },
        reason: 'demo seed',
      });
    }
  });
  const [demo] = await deps.database.db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.slug, DEMO_SLUG));
  if (demo) {
    await seedDemoHistory(deps, demo.id);
    await seedDemoWeek(deps, demo.id);
    await seedDemoSeries(deps, demo.id);
    await seedDemoQuotes(deps, demo.id);
    await seedDemoAccounting(deps, demo.id);
    await seedDemoReminders(deps, demo.id);
    await seedDemoPortal(deps, demo.id);
    await seedDemoWriteOffs(deps, demo.id);
    await seedDemoBank(deps, demo.id);
  }
  return true;
};

/**
 * Two service contracts, so the recurring screens show real work: the café's twice-weekly clean, invoiced
 * once a month, and the school's monthly plant check on the first Tuesday, invoiced per visit. Both start
 * tomorrow: their visits are on the board from then on.
 */
const seedDemoSeries = async (deps: Deps, organizationId: string) => {
  const db = deps.database.db;
  const [org] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  const types = await db.select().from(jobTypesTable).where(eq(jobTypesTable.organizationId, organizationId));
  const all = await db.select().from(customers).where(eq(customers.organizationId, organizationId));
  const siteRows = await db.select().from(sites).where(eq(sites.organizationId, organizationId));
  const ben = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.organizationId, organizationId), eq(users.name, 'Ben Okafor')));
  if (!org) return;
  const start = addDays(businessDate(deps.clock.now(), org.timeZone), 1);
  const contracts = [
    {
      customer: 'Quayside Coffee Ltd',
      type: 'CLEAN',
      rrule: 'FREQ=WEEKLY;BYDAY=MO,TH',
      startTime: '07:00',
      scope: 'Kitchen extraction and front-of-house deep clean before opening',
      billingRule: 'per_cycle' as const,
      billingCycle: 'monthly' as const,
    },
    {
      customer: 'Greenfield Primary School',
      type: 'MAINT',
      rrule: 'FREQ=MONTHLY;BYDAY=1TU',
      startTime: '09:00',
      scope: 'Monthly boiler-room and air-handling check under the maintenance contract',
      billingRule: 'per_visit' as const,
      billingCycle: null,
    },
  ];
  for (const c of contracts) {
    const customer = all.find((x) => x.name === c.customer);
    const site = siteRows.find((x) => x.customerId === customer?.id);
    const jobType = types.find((t) => t.code === c.type);
    if (!customer || !site || !jobType) continue;
    await createSeries(
      deps,
      organizationId,
      org.timeZone,
      {
        customerId: customer.id,
        siteId: site.id,
        jobTypeId: jobType.id,
        rrule: c.rrule,
        startDate: start,
        startTime: c.startTime,
        crew: ben.map((b) => b.id),
        scope: c.scope,
        billingRule: c.billingRule,
        billingCycle: c.billingCycle,
        // Four weeks of visits: the daily extension books the rest as time passes. Each generated visit
        // costs a job insert with its audit chain; the full 90-day horizon added 14 s to a first start.
        horizonDays: 28,
      },
      { type: 'system', id: null },
    );
  }
};
