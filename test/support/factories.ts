import type { FastifyInstance } from 'fastify';
import { insertOrganization } from '../../src/app/directory/organizations';
import { insertUser } from '../../src/app/directory/users';
import type { Deps } from '../../src/app/ports';
import { nextNumber } from '../../src/app/system/sequences';
import { countryOf, starterTaxCodes } from '../../src/core/countries';
import { ROLES, type Role } from '../../src/core/roles';
import { catalogItems, customers, jobAssignments, jobs, sites } from '../../src/db/schema';
import { as, type Session, signIn } from './app';

export const PASSWORD = 'correct-horse-battery-9';

export type OrgFixture = {
  organizationId: string;
  slug: string;
  users: Record<Role, { id: string; email: string }>;
  /** A second technician, to show technicians see only their own jobs. */
  otherTechnician: { id: string; email: string };
  customerId: string;
  siteId: string;
  /** Job assigned to users.technician, and one assigned to otherTechnician. */
  jobId: string;
  otherJobId: string;
  jobTypeId: string;
  taxCodeId: string;
  catalogItemId: string;
};

const irish = countryOf('IE');
if (!irish) throw new Error('Ireland is missing from the country table');
const IRISH_RATES = starterTaxCodes(irish);

/** An organization with one user per role (password PASSWORD), a customer with a site, and two jobs. */
export const makeOrganization = async (
  deps: Deps,
  slug: string,
  opts: { currency?: string; country?: string } = {},
): Promise<OrgFixture> =>
  deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    const { org, jobTypes, taxCodes } = await insertOrganization(tx, deps, {
      slug,
      name: `${slug} Services`,
      legalName: `${slug} Services Ltd`,
      country: opts.country ?? 'IE',
      currency: opts.currency ?? 'EUR',
      timeZone: 'Europe/Dublin',
      taxScheme: 'vat',
      trades: ['hvac', 'plumbing', 'cleaning'],
      // One set of rates whatever the country: fixtures compare amounts at Irish VAT.
      taxCodes: IRISH_RATES,
    });
    const users = {} as Record<Role, { id: string; email: string }>;
    for (const role of ROLES) {
      const u = await insertUser(tx, deps, org.id, {
        email: `${role}@${slug}.test`,
        name: `${role} of ${slug}`,
        password: PASSWORD,
        roles: [role],
        ...(role === 'technician' ? { laborRole: 'HVAC technician', hourlyRate: '80.00' } : {}),
      });
      users[role] = { id: u.id, email: u.email };
    }
    const other = await insertUser(tx, deps, org.id, {
      email: `tech2@${slug}.test`,
      name: `second technician of ${slug}`,
      password: PASSWORD,
      roles: ['technician'],
    });
    const address = { line1: '1 Main Street', city: 'Dublin', postalCode: 'D01 X1Y1', country: 'IE' };
    const customerId = deps.ids.uuid();
    await tx.db.insert(customers).values({
      organizationId: org.id,
      id: customerId,
      name: `Customer of ${slug}`,
      normalizedName: `customer of ${slug}`,
      billingAddress: address,
      createdAt: now,
      updatedAt: now,
    });
    const siteId = deps.ids.uuid();
    await tx.db
      .insert(sites)
      .values({ organizationId: org.id, id: siteId, customerId, name: 'Home', address, createdAt: now });
    const jobType = jobTypes[0];
    const taxCode = taxCodes[0];
    if (!jobType || !taxCode) throw new Error('starter data missing');
    const catalogItemId = deps.ids.uuid();
    await tx.db.insert(catalogItems).values({
      organizationId: org.id,
      id: catalogItemId,
      sku: 'LAB-STD',
      name: 'Labour',
      kind: 'labor',
      unitCode: 'HUR',
      unitPrice: '80.00',
      taxCodeId: taxCode.id,
      createdAt: now,
    });
    const jobIds: string[] = [];
    for (const techId of [users.technician.id, other.id]) {
      const id = deps.ids.uuid();
      await tx.db.insert(jobs).values({
        organizationId: org.id,
        id,
        number: await nextNumber(tx, org.id, 'job', 1001),
        customerId,
        siteId,
        jobTypeId: jobType.id,
        scope: 'Annual service',
        windowStart: new Date(now.getTime() + 3_600_000),
        windowEnd: new Date(now.getTime() + 7_200_000),
        status: 'scheduled',
        billingStatus: 'not_ready',
        taxCodeId: taxCode.id,
        createdAt: now,
        updatedAt: now,
      });
      await tx.db
        .insert(jobAssignments)
        .values({ organizationId: org.id, jobId: id, userId: techId, assignedAt: now });
      jobIds.push(id);
    }
    return {
      organizationId: org.id,
      slug,
      users,
      otherTechnician: { id: other.id, email: other.email },
      customerId,
      siteId,
      jobId: jobIds[0] ?? '',
      otherJobId: jobIds[1] ?? '',
      jobTypeId: jobType.id,
      taxCodeId: taxCode.id,
      catalogItemId,
    };
  });

/** Closeout requirements asking for no proof at all, with the given exceptions: job types that isolate one rule. */
export const requirements = (overrides: { partNumbers?: boolean; notes?: boolean } = {}) => ({
  checklist: [],
  photos: [],
  signature: false,
  serialNumbers: false,
  partNumbers: false,
  notes: false,
  ...overrides,
});

/** A signed-in session for each role of a fixture organization. */
export const sessionsOf = async (app: FastifyInstance, org: OrgFixture): Promise<Record<Role, Session>> => {
  const out = {} as Record<Role, Session>;
  for (const role of ROLES) out[role] = await signIn(app, org.users[role].email, PASSWORD);
  return out;
};

/**
 * A visit booked through the API by an office user for the fixture's customer, its technician in the crew
 * (a boiler service in the given window): the job's ID. A refusal fails the test with the server's answer.
 */
export const bookVisit = async (
  app: FastifyInstance,
  who: Session,
  org: OrgFixture,
  windowStart: string,
  windowEnd: string,
): Promise<string> => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/jobs',
    headers: as(who, true),
    payload: {
      customerId: org.customerId,
      siteId: org.siteId,
      jobTypeId: org.jobTypeId,
      scope: 'Boiler service',
      windowStart,
      windowEnd,
      crew: [org.users.technician.id],
    },
  });
  if (res.statusCode !== 201) throw new Error(`booking refused: ${res.statusCode} ${res.body}`);
  return res.json().id as string;
};
