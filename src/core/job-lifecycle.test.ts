import { describe, expect, it } from 'vitest';
import {
  BILLING_STATUSES,
  billingTransition,
  exceptionReason,
  isBillingException,
  OPERATIONAL_STATUSES,
  operationalTransition,
} from './job-lifecycle';

describe('the operational state machine', () => {
  it.each([
    ['scheduled', 'dispatch', 'dispatched'],
    ['scheduled', 'start', 'in_progress'],
    ['dispatched', 'reschedule', 'scheduled'],
    ['in_progress', 'complete', 'completed'],
    ['in_progress', 'cancel', 'canceled'],
    ['scheduled', 'no_show', 'no_show'],
  ] as const)('%s --%s--> %s', (from, action, to) => {
    expect(operationalTransition(from, action)).toEqual({ ok: true, from, to });
  });

  it.each([
    ['completed', 'cancel'],
    ['canceled', 'dispatch'],
    ['no_show', 'start'],
    ['in_progress', 'reschedule'],
    ['in_progress', 'no_show'],
    ['scheduled', 'complete'],
  ] as const)('refuses %s --%s-->', (from, action) => {
    const t = operationalTransition(from, action);
    expect(t.ok).toBe(false);
  });

  it('closes for good: nothing leaves completed, canceled or no-show', () => {
    for (const closed of ['completed', 'canceled', 'no_show'] as const) {
      for (const action of [
        'dispatch',
        'start',
        'complete',
        'cancel',
        'no_show',
        'reschedule',
        'assign',
      ] as const) {
        expect(operationalTransition(closed, action).ok).toBe(false);
      }
    }
    expect(OPERATIONAL_STATUSES).toHaveLength(6);
  });
});

describe('the billing state machine', () => {
  it.each([
    ['not_ready', 'closeout_valid', 'invoice_ready'],
    ['not_ready', 'closeout_incomplete', 'needs_info'],
    ['needs_info', 'closeout_needs_approval', 'needs_approval'],
    ['needs_approval', 'approve', 'invoice_ready'],
    ['needs_approval', 'reject', 'needs_info'],
    ['not_ready', 'close_with_fee', 'invoice_ready'],
    ['not_ready', 'close_not_billable', 'not_billable'],
    ['invoice_ready', 'invoice', 'invoiced'],
    ['invoiced', 'pay', 'paid'],
    ['invoiced', 'fail', 'needs_review'],
  ] as const)('%s --%s--> %s', (from, action, to) => {
    expect(billingTransition(from, action)).toEqual({ ok: true, from, to });
  });

  it('never bills twice or reopens what is paid or not billable', () => {
    expect(billingTransition('invoiced', 'invoice').ok).toBe(false);
    expect(billingTransition('paid', 'invoice').ok).toBe(false);
    expect(billingTransition('not_billable', 'closeout_valid').ok).toBe(false);
    expect(billingTransition('not_ready', 'approve').ok).toBe(false);
    expect(BILLING_STATUSES).toHaveLength(8);
  });
});

describe('the exception queue', () => {
  it.each([
    ['completed', 'not_ready', true],
    ['completed', 'needs_info', true],
    ['completed', 'needs_approval', true],
    ['completed', 'invoice_ready', false],
    ['completed', 'invoiced', false],
    ['in_progress', 'not_ready', false],
    // A refused closeout: the technician left without the proof, and the job still reads in progress.
    ['in_progress', 'needs_info', true],
    ['scheduled', 'needs_review', true],
    ['no_show', 'invoice_ready', false],
  ] as const)('%s + %s is an exception: %s', (op, billing, expected) => {
    expect(isBillingException(op, billing)).toBe(expected);
    expect(exceptionReason(op, billing) !== null).toBe(expected);
  });
});
