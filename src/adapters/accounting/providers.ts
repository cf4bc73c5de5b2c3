import type { AccountingProviders } from '../../app/accounting/port';
import { exchangeCode, revokeToken, xeroTenants } from './oauth';
import { QUICKBOOKS, quickbooksConnector } from './quickbooks';
import { XERO, xeroConnector } from './xero';

/** The accounting systems Closeout pushes to, as the application's port sees them. */
export const ACCOUNTING_PROVIDERS: AccountingProviders = {
  xero: {
    defaults: XERO,
    oauth: {
      defaults: {
        authorizeUrl: 'https://login.xero.com/identity/connect/authorize',
        tokenUrl: XERO.tokenUrl,
        apiBaseUrl: XERO.apiBaseUrl,
        revokeUrl: 'https://identity.xero.com/connect/revocation',
        connectionsUrl: 'https://api.xero.com/connections',
      },
      scopes: [
        'openid',
        'offline_access',
        'accounting.transactions',
        'accounting.contacts',
        'accounting.settings.read',
        'accounting.attachments',
      ],
      pkce: true,
      exchangeCode,
      tenants: (args) => xeroTenants(args),
      revoke: revokeToken,
    },
    connect: (args) => xeroConnector(args),
  },
  quickbooks: {
    defaults: QUICKBOOKS,
    oauth: {
      defaults: {
        authorizeUrl: 'https://appcenter.intuit.com/connect/oauth2',
        tokenUrl: QUICKBOOKS.tokenUrl,
        apiBaseUrl: QUICKBOOKS.apiBaseUrl,
        revokeUrl: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
      },
      scopes: ['com.intuit.quickbooks.accounting'],
      // Intuit documents no PKCE for QuickBooks Online: the state and the client secret guard the code.
      pkce: false,
      exchangeCode,
      // The company the user picked comes back in the redirect as realmId.
      tenants: async ({ realmId }) =>
        realmId ? [{ id: realmId, name: `QuickBooks company ${realmId}` }] : [],
      revoke: revokeToken,
    },
    connect: ({ tenantId, ...args }) => quickbooksConnector({ ...args, realmId: tenantId }),
  },
};
