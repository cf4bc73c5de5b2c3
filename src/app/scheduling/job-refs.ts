import { and, eq, inArray } from 'drizzle-orm';
import { type CustomFieldValues, customFieldProblems } from '../../core/custom-fields';
import { type FieldProblem, invalidAll } from '../../core/errors';
import type { Tx } from '../../db/client';
import { customers, jobTypes, sites, taxCodes, users } from '../../db/schema';
import { customFieldsOf } from '../jobs/job-store';

/** A job's references checked inside the organization: customer, site, job type, crew, tax code, custom fields. */

export type JobRefs = {
  customerId: string;
  siteId: string;
  jobTypeId: string;
  crew: string[];
  billingOwnerId?: string | null | undefined;
  taxCodeId?: string | null | undefined;
  /** The agreed price's lines: a line's own tax code must be the organization's too. */
  estimateLines?: readonly { taxCodeId?: string | null | undefined }[] | undefined;
};

/** Every referenced record must exist in the caller's organization; each miss names its field. */
export const checkJobRefs = async (tx: Tx, organizationId: string, refs: JobRefs, prefix = 'body') => {
  const problems: FieldProblem[] = [];
  const [customer] = await tx.db
    .select({ id: customers.id, mergedIntoId: customers.mergedIntoId })
    .from(customers)
    .where(and(eq(customers.organizationId, organizationId), eq(customers.id, refs.customerId)));
  if (!customer) problems.push({ field: `${prefix}.customerId`, message: 'no such customer' });
  else if (customer.mergedIntoId)
    problems.push({
      field: `${prefix}.customerId`,
      message: 'was merged into another customer: book the work for that one',
    });
  const [site] = await tx.db
    .select({ customerId: sites.customerId })
    .from(sites)
    .where(and(eq(sites.organizationId, organizationId), eq(sites.id, refs.siteId)));
  if (!site) problems.push({ field: `${prefix}.siteId`, message: 'no such site' });
  else if (customer && site.customerId !== refs.customerId)
    problems.push({ field: `${prefix}.siteId`, message: 'the site belongs to another customer' });
  const [jobType] = await tx.db
    .select()
    .from(jobTypes)
    .where(and(eq(jobTypes.organizationId, organizationId), eq(jobTypes.id, refs.jobTypeId)));
  if (!jobType) problems.push({ field: `${prefix}.jobTypeId`, message: 'no such job type' });
  if (refs.crew.length > 0) {
    const found = await tx.db
      .select({ id: users.id, roles: users.roles, active: users.active })
      .from(users)
      .where(and(eq(users.organizationId, organizationId), inArray(users.id, refs.crew)));
    refs.crew.forEach((id, i) => {
      const u = found.find((f) => f.id === id);
      if (!u) problems.push({ field: `${prefix}.crew.${i}`, message: 'no such technician' });
      else if (!u.roles.includes('technician') || !u.active)
        problems.push({ field: `${prefix}.crew.${i}`, message: 'not an active technician' });
    });
  }
  if (refs.billingOwnerId) {
    const [owner] = await tx.db
      .select({ roles: users.roles })
      .from(users)
      .where(and(eq(users.organizationId, organizationId), eq(users.id, refs.billingOwnerId)));
    if (!owner) problems.push({ field: `${prefix}.billingOwnerId`, message: 'no such user' });
  }
  if (refs.taxCodeId) {
    const [tc] = await tx.db
      .select({ id: taxCodes.id })
      .from(taxCodes)
      .where(and(eq(taxCodes.organizationId, organizationId), eq(taxCodes.id, refs.taxCodeId)));
    if (!tc) problems.push({ field: `${prefix}.taxCodeId`, message: 'no such tax code' });
  }
  const lineCodes = [
    ...new Set((refs.estimateLines ?? []).flatMap((l) => (l.taxCodeId ? [l.taxCodeId] : []))),
  ];
  if (lineCodes.length > 0) {
    const known = new Set(
      (
        await tx.db
          .select({ id: taxCodes.id })
          .from(taxCodes)
          .where(and(eq(taxCodes.organizationId, organizationId), inArray(taxCodes.id, lineCodes)))
      ).map((t) => t.id),
    );
    (refs.estimateLines ?? []).forEach((l, i) => {
      if (l.taxCodeId && !known.has(l.taxCodeId))
        problems.push({ field: `${prefix}.estimateLines.${i}.taxCodeId`, message: 'no such tax code' });
    });
  }
  if (problems.length > 0) throw invalidAll(problems);
  if (!jobType) throw new Error('unreachable');
  return { jobType };
};

export const checkCustomFields = (
  jobType: typeof jobTypes.$inferSelect,
  values: CustomFieldValues,
  stage: 'booking' | 'closeout',
) => {
  const problems = customFieldProblems(customFieldsOf(jobType), values, stage);
  if (problems.length > 0) throw invalidAll(problems);
};
