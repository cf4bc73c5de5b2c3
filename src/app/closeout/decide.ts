import Decimal from 'decimal.js';
import { z } from 'zod';
import type { CloseoutBody } from '../../contracts/closeout';
import { type ApprovalFacts, effectiveApprovalRules } from '../../core/approval-rules';
import type { ScopeLine } from '../../core/change-orders';
import {
  type CloseoutFacts,
  type CloseoutOverrides,
  effectiveRequirements,
  missingItems,
  type PhotoCategory,
} from '../../core/closeout-rules';
import { ApprovalRule, CloseoutRequirements } from '../../core/job-type-templates';
import type { catalogItems, jobTypes } from '../../db/schema';
import type { JobRow } from '../jobs/job-store';
import type { Line } from './price-lines';

/** What deciding a closeout reads: the job, its type and rules, and what resolving found. */
export type DecideInput = {
  job: JobRow;
  /** The agreed scope the estimate rules compare with: the estimate and the approved change orders. */
  agreed: ScopeLine[];
  body: CloseoutBody;
  jobType: typeof jobTypes.$inferSelect;
  overrides: Record<string, unknown>;
  defaultRules: unknown;
  bySku: Map<string, typeof catalogItems.$inferSelect>;
  lines: Line[];
  perTechDay: Map<string, Decimal>;
  photos: Partial<Record<PhotoCategory, number>>;
  values: Record<string, string | number>;
  missingCustomFields: { key: string; label: string }[];
};

/**
 * Decides a resolved closeout, without touching the database: what proof is missing by the job type's
 * requirements and the customer's overrides, why it is an exception, and the facts the approval rules read
 * (discount, prices against list, hours per technician and day, the estimate).
 */
export const decide = (d: DecideInput) => {
  const { job, body, jobType, bySku, lines, perTechDay, photos, values, missingCustomFields } = d;
  const requirements = effectiveRequirements(
    CloseoutRequirements.parse(jobType.closeoutRequirements),
    d.overrides as CloseoutOverrides,
  );
  const facts: CloseoutFacts = {
    checklistDone: body.workPerformed.checklist.filter((c) => c.done).map((c) => c.item),
    notes: body.workPerformed.notes,
    photos,
    serialNumbers: body.parts.reduce((n, p) => n + p.serialNumbers.length, 0),
    hasSignature: !!body.signature,
    hasSignatureException: !!body.signatureException,
    partLines: body.parts.map((p) => ({
      sku: p.sku,
      description: p.description,
      quantity: p.quantity,
      unitPrice: p.unitPrice ?? (p.sku ? bySku.get(p.sku)?.unitPrice : undefined),
    })),
    laborHours: lines.filter((l) => l.kind === 'labor').reduce((h, l) => h + Number(l.quantity), 0),
    missingCustomFields,
  };
  const missing = missingItems(requirements, jobType.billingMode, facts);
  const reasons = [
    body.signatureException && !body.signature
      ? `No signature (${body.signatureException.reasonCode.replace('_', ' ')}): ${body.signatureException.text}`
      : null,
    body.exceptionFlags.length > 0 ? `Flagged: ${body.exceptionFlags.join(', ').replaceAll('_', ' ')}` : null,
  ].filter((r): r is string => r !== null);
  const estimate =
    d.agreed.length === 0
      ? null
      : d.agreed.reduce(
          (acc, e) => {
            const amount = new Decimal(e.quantity).times(e.unitPrice);
            const isLabor = e.sku ? bySku.get(e.sku)?.kind === 'labor' : false;
            return {
              laborHours: isLabor ? acc.laborHours.plus(e.quantity) : acc.laborHours,
              partsTotal: isLabor ? acc.partsTotal : acc.partsTotal.plus(amount),
              total: acc.total.plus(amount),
            };
          },
          { laborHours: new Decimal(0), partsTotal: new Decimal(0), total: new Decimal(0) },
        );
  const approvalFacts: ApprovalFacts = {
    discountPercent: job.discountPercent,
    lines: lines.map((l) => ({
      kind: l.kind,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      listPrice: l.listPrice ?? null,
      billable: l.billable ?? true,
      technicianId: l.technicianId ?? null,
    })),
    laborHoursByTechDay: [...perTechDay].map(([key, hours]) => {
      const [technicianId = '', date = ''] = key.split('|');
      return { technicianId, date, hours: hours.toFixed(2) };
    }),
    estimate: estimate && {
      laborHours: estimate.laborHours.toFixed(),
      partsTotal: estimate.partsTotal.toFixed(),
      total: estimate.total.toFixed(),
    },
    exceptionFlags: body.exceptionFlags,
    signatureMissingWithReason: !!body.signatureException && !body.signature,
  };
  return {
    lines,
    missing,
    exceptionReason: reasons.length ? reasons.join('; ') : null,
    customFields: values,
    approvalRules: effectiveApprovalRules(
      z.array(ApprovalRule).parse(jobType.approvalRules),
      z.array(ApprovalRule).parse(d.defaultRules),
    ),
    approvalFacts,
    billingMode: jobType.billingMode,
  };
};
