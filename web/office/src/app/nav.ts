/** Each role sees the screens its permissions open, nothing more. */
export const NAV = [
  { to: '/board', label: 'Board', permission: 'board.read' },
  { to: '/today', label: 'End of day', permission: 'board.read' },
  { to: '/exceptions', label: 'Exceptions', permission: 'board.read' },
  { to: '/approvals', label: 'Approvals', permission: 'approvals.read' },
  { to: '/customers', label: 'Customers', permission: 'customers.read' },
  { to: '/quotes', label: 'Quotes', permission: 'quotes.read' },
  { to: '/series', label: 'Recurring', permission: 'series.read' },
  { to: '/billing', label: 'Billing', permission: 'invoices.manage' },
  { to: '/invoices', label: 'Invoices', permission: 'invoices.read' },
  { to: '/bank', label: 'Bank', permission: 'payments.record' },
  { to: '/metrics', label: 'Metrics', permission: 'metrics.read' },
  { to: '/settings', label: 'Settings', permission: 'organization.manage' },
] as const;
