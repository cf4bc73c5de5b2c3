import { describe, expect, it } from 'vitest';
import { type CloseoutFacts, effectiveRequirements, missingItems, outcomeOf } from './closeout-rules';
import { STARTER_JOB_TYPES } from './job-type-templates';

const install = STARTER_JOB_TYPES.find((t) => t.code === 'HVAC-INSTALL');
if (!install) throw new Error('starter HVAC-INSTALL missing');

const complete: CloseoutFacts = {
  checklistDone: [...install.closeoutRequirements.checklist],
  notes: 'Installed and commissioned',
  photos: { before: 1, after: 2, serial_plate: 1 },
  serialNumbers: 1,
  hasSignature: true,
  hasSignatureException: false,
  partLines: [{ sku: 'AC-12', quantity: '1', unitPrice: '1450.00' }],
  laborHours: 6,
};

const codes = (facts: Partial<CloseoutFacts>, mode: 'fixed' | 'time_and_materials' = 'fixed') =>
  missingItems(install.closeoutRequirements, mode, { ...complete, ...facts }).map(
    (m) => `${m.code}:${m.field}`,
  );

describe('closeout completeness', () => {
  it('finds nothing missing in a complete install', () => {
    expect(codes({})).toEqual([]);
  });

  it.each([
    [{ photos: { before: 1, after: 1, serial_plate: 1 } }, ['photos:attachments.after']],
    [{ photos: { before: 1, after: 2 } }, ['photos:attachments.serial_plate']],
    [{ serialNumbers: 0 }, ['serial_number:parts.serialNumbers']],
    [{ hasSignature: false }, ['signature:signature']],
    [{ hasSignature: false, hasSignatureException: true }, []],
    [{ notes: '  ' }, ['notes:workPerformed.notes']],
    [
      { checklistDone: ['Unit installed and levelled'] },
      ['checklist_item:workPerformed.checklist', 'checklist_item:workPerformed.checklist'],
    ],
    [{ partLines: [{ description: 'Copper', quantity: '2' }] }, ['part_line_incomplete:parts.0']],
    [{ missingCustomFields: [{ key: 'cert', label: 'Certificate' }] }, ['custom_field:customFields.cert']],
  ])('%j -> %j', (facts, expected) => {
    expect(codes(facts)).toEqual(expected);
  });

  it('says how many photos were required and found', () => {
    const [item] = missingItems(install.closeoutRequirements, 'fixed', {
      ...complete,
      photos: { before: 1, after: 1, serial_plate: 1 },
    });
    expect(item).toEqual({
      code: 'photos',
      field: 'attachments.after',
      message: '2 after photos required, 1 attached',
      required: 2,
      found: 1,
    });
  });

  it('asks time-and-materials work for labor hours', () => {
    expect(codes({ laborHours: 0 }, 'time_and_materials')).toEqual(['labor_hours:labor']);
    expect(codes({ laborHours: 0 }, 'fixed')).toEqual([]);
  });

  it('applies customer overrides on top of the job type', () => {
    const maint = STARTER_JOB_TYPES.find((t) => t.code === 'MAINT');
    if (!maint) throw new Error('MAINT missing');
    const req = effectiveRequirements(maint.closeoutRequirements, {
      signature: true,
      photos: [{ category: 'after', min: 3 }],
    });
    expect(req.signature).toBe(true);
    expect(req.photos).toEqual([{ category: 'after', min: 3 }]);
    // An override never lowers a minimum.
    expect(
      effectiveRequirements(install.closeoutRequirements, { photos: [{ category: 'after', min: 1 }] }).photos,
    ).toContainEqual({
      category: 'after',
      min: 2,
    });
  });

  it('decides the outcome', () => {
    expect(outcomeOf([], false)).toBe('accepted');
    expect(outcomeOf([], true)).toBe('exception');
    expect(outcomeOf([{ code: 'notes', field: 'x', message: 'x', required: true, found: false }], true)).toBe(
      'incomplete',
    );
  });
});

describe('approval rules with organization defaults', async () => {
  const { effectiveApprovalRules } = await import('./approval-rules');
  it('lets a job type override a default of the same code and inherit the rest', () => {
    const own = [
      {
        code: 'discount_above_percent' as const,
        threshold: '5',
        approverRole: 'owner' as const,
        slaHours: 4,
      },
    ];
    const defaults = [
      {
        code: 'discount_above_percent' as const,
        threshold: '10',
        approverRole: 'approver' as const,
        slaHours: 24,
      },
      {
        code: 'invoice_total_above' as const,
        threshold: '2000',
        approverRole: 'owner' as const,
        slaHours: 24,
      },
    ];
    expect(effectiveApprovalRules(own, defaults)).toEqual([own[0], defaults[1]]);
  });
});
