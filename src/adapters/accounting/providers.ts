import type { AccountingProviders } from '../../app/accounting/port';
import { QUICKBOOKS, quickbooksConnector } from './quickbooks';
import { XERO, xeroConnector } from './xero';

/** The accounting systems Closeout pushes to, as the application's port sees them. */
export const ACCOUNTING_PROVIDERS: AccountingProviders = {
  xero: { defaults: XERO, connect: (args) => xeroConnector(args) },
  quickbooks: {
    defaults: QUICKBOOKS,
    connect: ({ tenantId, ...args }) => quickbooksConnector({ ...args, realmId: tenantId }),
  },
};
