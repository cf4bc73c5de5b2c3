import { describe, expect, it } from 'vitest';
import { type ApprovalFacts, firedRules, repeatedLines } from './approval-rules';
import type { ApprovalRule } from './job-type-templates';

const rule = (code: ApprovalRule['code'], threshold: string | null): ApprovalRule => ({
  code,
  threshold,
  approverRole: 'approver',
  slaHours: 24,
});
const facts = (over: Partial<ApprovalFacts> = {}): ApprovalFacts => ({
  discountPercent: null,
  lines: [
    { kind: 'labor', quantity: '2', unitPrice: '80', listPrice: '80', billable: true, technicianId: 't' },
    { kind: 'part', quantity: '1', unitPrice: '100', listPrice: '100', billable: true, technicianId: null },
  ],
  laborHoursByTechDay: [{ technicianId: 't', date: '2026-11-18', hours: '2' }],
  estimate: { laborHours: '2', partsTotal: '100', total: '260' },
  exceptionFlags: [],
  signatureMissingWithReason: false,
  ...over,
});
const fires = (r: ApprovalRule, f: ApprovalFacts) => firedRules([r], f).length === 1;
/** A billable line of the closeout (labour belongs to technician t). */
const line = (
  kind: 'labor' | 'part',
  quantity: string,
  unitPrice: string,
  listPrice: string | null = null,
) => ({
  kind,
  quantity,
  unitPrice,
  listPrice,
  billable: true,
  technicianId: kind === 'labor' ? 't' : null,
});

describe('approval rules fire at their threshold and above, not below', () => {
  it.each([
    // [rule, facts below, facts at, facts above]
    [
      'discount_above_percent',
      '10',
      { discountPercent: '9.99' },
      { discountPercent: '10' },
      { discountPercent: '25' },
    ],
    [
      'labor_hours_over_estimate',
      '1',
      {
        laborHoursByTechDay: [],
        lines: [line('labor', '2.99', '80')],
      },
      {
        lines: [line('labor', '3', '80')],
      },
      {
        lines: [line('labor', '5', '80')],
      },
    ],
    [
      'overtime_hours_above',
      '2',
      { laborHoursByTechDay: [{ technicianId: 't', date: 'd', hours: '9.99' }] },
      { laborHoursByTechDay: [{ technicianId: 't', date: 'd', hours: '10' }] },
      { laborHoursByTechDay: [{ technicianId: 't', date: 'd', hours: '12' }] },
    ],
    [
      'parts_over_estimate_percent',
      '20',
      {
        lines: [line('part', '1', '119.99')],
      },
      {
        lines: [line('part', '1', '120')],
      },
      {
        lines: [line('part', '1', '200')],
      },
    ],
    [
      'invoice_total_above',
      '500',
      {
        lines: [line('part', '1', '499.99')],
      },
      {
        lines: [line('part', '1', '500')],
      },
      {
        lines: [line('part', '2', '500')],
      },
    ],
  ] as const)('%s at %s', (code, threshold, below, at, above) => {
    const r = rule(code, threshold);
    expect(fires(r, facts(below as Partial<ApprovalFacts>))).toBe(false);
    expect(fires(r, facts(at as Partial<ApprovalFacts>))).toBe(true);
    expect(fires(r, facts(above as Partial<ApprovalFacts>))).toBe(true);
  });

  it('prices below the price book, and missing signatures, fire on the fact itself', () => {
    expect(fires(rule('price_below_price_book', null), facts())).toBe(false);
    const cheap = facts({
      lines: [line('part', '1', '99.99', '100')],
    });
    expect(fires(rule('price_below_price_book', null), cheap)).toBe(true);
    expect(fires(rule('missing_signature', null), facts())).toBe(false);
    expect(fires(rule('missing_signature', null), facts({ signatureMissingWithReason: true }))).toBe(true);
  });
});

describe('a revision repeating the original', () => {
  const line = (over: Partial<Parameters<typeof repeatedLines>[0][number]> = {}) => ({
    kind: 'part',
    sku: null,
    description: 'Circulator pump',
    quantity: '1',
    unitPrice: '189.99',
    serialNumbers: [],
    ...over,
  });
  it.each([
    ['the same item, quantity and price', line(), true],
    ['the same SKU and quantity at another price', line({ sku: 'P-1', unitPrice: '150' }), true],
    [
      'a serial number already billed',
      line({ description: 'Pump', quantity: '2', serialNumbers: ['SN1'] }),
      true,
    ],
    ['the same item in another quantity', line({ quantity: '2' }), false],
    ['another item', line({ description: 'Valve' }), false],
    ['labour against a part', line({ kind: 'labor' }), false],
  ])('%s: %s', (_what, revision, repeated) => {
    const original = [line({ sku: 'P-1', serialNumbers: ['SN1'] }), line()];
    expect(repeatedLines([revision], original).length > 0).toBe(repeated);
  });
});
