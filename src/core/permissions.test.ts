import { describe, expect, it } from 'vitest';
import { actionsFor, can, isAction, PERMISSIONS } from './permissions';
import { ROLES, seesAllJobs } from './roles';

describe('the permission table', () => {
  it('names only known roles', () => {
    for (const roles of Object.values(PERMISSIONS)) for (const r of roles) expect(ROLES).toContain(r);
  });

  it.each([
    [['technician'], 'users.manage', false],
    [['technician'], 'jobs.read', true],
    [['technician'], 'customers.read', false],
    [['billing'], 'api_keys.manage', false],
    [['owner'], 'api_keys.manage', true],
    [['technician', 'dispatcher'], 'customers.read', true],
    [[], 'jobs.read', false],
    [['technician'], 'invoices.read', false],
    [['dispatcher'], 'invoices.manage', false],
    [['billing'], 'payments.record', true],
  ] as const)('%j may %s: %s', (roles, action, expected) => {
    expect(can(roles, action)).toBe(expected);
  });

  it('lists what a role may do', () => {
    expect(actionsFor(['technician']).sort()).toEqual([
      'calendar.feed',
      'invoices.preview',
      'jobs.attach',
      'jobs.comment',
      'jobs.read',
      'jobs.work',
      'notifications.read',
      'organization.read',
      'price_book.read',
    ]);
  });

  it('does not take inherited object keys for actions', () => {
    expect(isAction('toString')).toBe(false);
    expect(isAction('jobs.read')).toBe(true);
  });

  it('lets only office roles see every job', () => {
    expect(seesAllJobs(['technician'])).toBe(false);
    expect(seesAllJobs(['technician', 'dispatcher'])).toBe(true);
  });
});
