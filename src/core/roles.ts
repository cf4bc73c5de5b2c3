export const ROLES = ['owner', 'dispatcher', 'technician', 'approver', 'billing'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that work in the office. A principal holding none of them sees only the jobs assigned to it. */
export const OFFICE_ROLES: readonly Role[] = ['owner', 'dispatcher', 'approver', 'billing'];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

export const seesAllJobs = (roles: readonly Role[]): boolean => roles.some((r) => OFFICE_ROLES.includes(r));

/** A role as the office names it. */
export const ROLE_WORDS: Record<Role, string> = {
  owner: 'Owner',
  dispatcher: 'Dispatcher',
  technician: 'Technician',
  approver: 'Approver',
  billing: 'Billing',
};
