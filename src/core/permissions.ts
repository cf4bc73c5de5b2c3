import type { Role } from './roles';

/**
 * The one permission table (role × action). Every API route names one action from here
 * (or is explicitly public / open to any signed-in principal); a route that names none is
 * refused at registration, so nothing reachable escapes this table.
 */
export const PERMISSIONS = {
  'organization.read': ['owner', 'dispatcher', 'technician', 'approver', 'billing'],
  'organization.manage': ['owner'],
  'users.read': ['owner', 'dispatcher', 'approver', 'billing'],
  'users.manage': ['owner'],
  'api_keys.manage': ['owner'],
  'customers.read': ['owner', 'dispatcher', 'approver', 'billing'],
  'customers.manage': ['owner', 'dispatcher', 'billing'],
  /** Merging duplicates moves invoices and billing links: billing and the owner, never a dispatcher. */
  'customers.merge': ['owner', 'billing'],
  'price_book.read': ['owner', 'dispatcher', 'technician', 'approver', 'billing'],
  /** Prices and tax codes are billing facts: billing and the owner keep them, never a dispatcher. */
  'price_book.manage': ['owner', 'billing'],
  /** Importing customers and the price book from a file: the owner and billing, who keep both. */
  'imports.manage': ['owner', 'billing'],
  /** Job types carry the closeout requirements and approval rules: the owner's policy. */
  'job_types.manage': ['owner'],
  'jobs.read': ['owner', 'dispatcher', 'technician', 'approver', 'billing'],
  'jobs.create': ['owner', 'dispatcher'],
  /** Reschedule, assign, dispatch, cancel, no-show. */
  'jobs.schedule': ['owner', 'dispatcher'],
  /** Office corrections of a job (scope, custom fields) and of its closeout. */
  'jobs.update': ['owner', 'dispatcher', 'billing'],
  /**
   * Changing a job's billing facts after booking: deposit, discount, tax code, PO, billing owner and the
   * agreed price (estimate). A dispatcher schedules; it never changes what the customer is billed.
   */
  'jobs.billing': ['owner', 'billing'],
  /** Technicians on their own jobs only; the route checks the assignment. */
  'jobs.work': ['owner', 'dispatcher', 'technician'],
  /** Upload proof of work to a job (technicians to their own jobs). */
  'jobs.attach': ['owner', 'dispatcher', 'technician', 'billing'],
  'jobs.comment': ['owner', 'dispatcher', 'technician', 'approver', 'billing'],
  'jobs.request_info': ['owner', 'dispatcher', 'approver', 'billing'],
  /** Quotes: the office reads them; a dispatcher books the accepted ones. */
  'quotes.read': ['owner', 'dispatcher', 'approver', 'billing'],
  /** Drafting, sending, revising and withdrawing offers sets prices: billing and the owner. */
  'quotes.manage': ['owner', 'billing'],
  /**
   * A draft offer from a job's site (an assessment visit, more work found): technicians on their own jobs,
   * from the phone. It binds nothing: billing or the owner reviews and sends it.
   */
  'quotes.draft_on_site': ['owner', 'billing', 'technician'],
  /**
   * Change orders set prices but bind only once the customer signs: billing and the owner, and technicians
   * on their own jobs (drafted on site, signed on their phone). Not a dispatcher: it is a billing fact.
   */
  'change_orders.manage': ['owner', 'billing', 'technician'],
  'board.read': ['owner', 'dispatcher', 'approver', 'billing'],
  'series.read': ['owner', 'dispatcher', 'approver', 'billing'],
  'series.manage': ['owner', 'dispatcher'],
  /** Live changes over SSE: the office only. */
  'events.read': ['owner', 'dispatcher', 'approver', 'billing'],
  'calendar.feed': ['owner', 'dispatcher', 'technician'],
  'notifications.read': ['owner', 'dispatcher', 'technician', 'approver', 'billing'],
  'audit.verify': ['owner'],
  'approvals.read': ['owner', 'approver', 'billing'],
  'approvals.decide': ['owner', 'approver', 'billing'],
  /** Totals for any lines: the office and the technician app show them before anything is saved. */
  'invoices.preview': ['owner', 'dispatcher', 'technician', 'approver', 'billing'],
  'invoices.read': ['owner', 'approver', 'billing'],
  /** Issue, send, edit drafts, credit notes, reprocess. */
  'invoices.manage': ['owner', 'billing'],
  'payments.record': ['owner', 'billing'],
  /** Writing off a balance: billing up to the organization's limit; above it the request waits for the owner. */
  'write_offs.request': ['owner', 'billing'],
  'write_offs.approve': ['owner'],
  /** The needs-review lane and where each invoice stands in accounting. */
  'integrations.read': ['owner', 'billing'],
  /** Reprocess a failed push or webhook. */
  'integrations.manage': ['owner', 'billing'],
  /** Connect, map and disable accounting systems (they hold credentials). */
  'connectors.manage': ['owner'],
  'webhooks.manage': ['owner'],
  /** Cash-flow metrics and the jobs behind them. */
  'metrics.read': ['owner', 'billing'],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof PERMISSIONS;

/** What a route requires: an action from the table, any signed-in principal, or nobody (public). */
export type Access = Action | 'authenticated' | 'public';

export const isAction = (value: string): value is Action => Object.hasOwn(PERMISSIONS, value);

export const can = (roles: readonly Role[], action: Action): boolean => {
  const allowed: readonly Role[] = PERMISSIONS[action];
  return roles.some((role) => allowed.includes(role));
};

export const actionsFor = (roles: readonly Role[]): Action[] =>
  (Object.keys(PERMISSIONS) as Action[]).filter((action) => can(roles, action));
