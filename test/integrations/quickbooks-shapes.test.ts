import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickbooksConnector } from '../../src/adapters/accounting/quickbooks';
import type { AccountingInvoice, AccountingLine } from '../../src/app/accounting/port';
import type { Credentials } from '../../src/contracts/connectors';
import { type FakeAccounting, startFakeAccounting } from '../support/fake-accounting';

/**
 * What QuickBooks Online is sent for a US sales-tax company and for discounts, through the real adapter over
 * real HTTP to the loopback fake: TAX/NON per line and one transaction tax code, our tax stated, the discount
 * as QuickBooks' own discount line.
 */
describe('QuickBooks request shapes', () => {
  let fake: FakeAccounting;
  beforeAll(async () => {
    fake = await startFakeAccounting();
  });
  afterAll(async () => {
    await fake?.close();
  });

  const connector = (mappings: Record<string, unknown>) => {
    let creds: Credentials = {
      clientId: 'c',
      clientSecret: 's',
      accessToken: null,
      refreshToken: fake.refreshToken,
      expiresAt: 0,
    };
    return quickbooksConnector({
      http: fetch,
      realmId: '123',
      apiBaseUrl: `${fake.url}/qbo/`,
      tokenUrl: `${fake.url}/token`,
      credentials: creds,
      refreshGuard: async (_stale, refresh) => {
        creds = await refresh(creds);
        return creds;
      },
      mappings: { items: {}, taxTypes: {}, paymentAccounts: {}, ...mappings },
    });
  };
  const line = (over: Partial<AccountingLine>): AccountingLine => ({
    description: 'Service call',
    quantity: '1',
    unitPrice: '100.00',
    amount: '100.00',
    taxAmount: '0.00',
    sku: null,
    tax: { category: null, rate: '8.875', jurisdiction: 'NY-NYC' },
    kind: 'item',
    account: 'revenue',
    ...over,
  });
  const invoice = (lines: AccountingLine[], over: Partial<AccountingInvoice> = {}): AccountingInvoice => ({
    id: '00000000-0000-7000-8000-000000000001',
    kind: 'invoice',
    number: `INV-US-${Math.random().toString(36).slice(2, 7)}`,
    issueDate: '2026-11-20',
    dueDate: '2026-12-20',
    currency: 'USD',
    exchangeRate: null,
    reference: 'J-1001',
    contact: {
      customerId: '00000000-0000-7000-8000-0000000000aa',
      name: 'Acme',
      email: null,
      externalId: '1',
    },
    lines,
    salesTax: true,
    taxTotal: '8.88',
    total: '158.88',
    ...over,
  });

  it('sends a US invoice taxable and non-taxable lines as TAX and NON, with the one sales tax code', async () => {
    const qbo = connector({ defaultItem: '1', taxTypes: { 'NY-NYC:8.875': '5' } });
    const inv = invoice([
      line({}),
      line({
        description: 'Permit fee',
        amount: '50.00',
        unitPrice: '50.00',
        tax: { category: null, rate: '0', jurisdiction: 'NY-NYC' },
      }),
    ]);
    expect(qbo.preflight(inv)).toEqual([]);
    const made = await qbo.pushInvoice(inv, '1', 'k-us-1');
    expect(made.total).toBe('158.88');
    const sent = fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/invoice'))?.body as {
      Line: { SalesItemLineDetail: { TaxCodeRef: { value: string } } }[];
      TxnTaxDetail: { TxnTaxCodeRef: { value: string }; TotalTax: number };
      GlobalTaxCalculation: string;
    };
    expect(sent.Line.map((l) => l.SalesItemLineDetail.TaxCodeRef.value)).toEqual(['TAX', 'NON']);
    expect(sent.TxnTaxDetail).toEqual({ TxnTaxCodeRef: { value: '5' }, TotalTax: 8.88 });
    expect(sent.GlobalTaxCalculation).toBe('TaxExcluded');
  });

  it('refuses, before any call, a US invoice with two sales taxes or an unmapped one', () => {
    const qbo = connector({ defaultItem: '1', taxTypes: { 'NY-NYC:8.875': '5' } });
    const two = invoice([line({}), line({ tax: { category: null, rate: '4', jurisdiction: 'NY' } })]);
    expect(qbo.preflight(two).map((p) => p.field)).toEqual(['lines', 'mappings.taxTypes.NY:4']);
  });

  it('books a discount to the discount account as a discount line, when one is mapped', async () => {
    fake.requests.length = 0;
    const qbo = connector({ defaultItem: '1', discountAccount: '86', taxTypes: { 'S:23': '7' } });
    const vat = { category: 'S' as const, rate: '23', jurisdiction: null };
    const inv = invoice(
      [
        line({ tax: vat }),
        line({
          description: 'Discount 10 %',
          kind: 'allowance',
          quantity: '1',
          unitPrice: '-10.00',
          amount: '-10.00',
          tax: vat,
        }),
      ],
      { salesTax: false, currency: 'EUR', taxTotal: '20.70', total: '110.70' },
    );
    const made = await qbo.pushInvoice(inv, '1', 'k-disc-1');
    expect(made.total).toBe('110.7');
    const sent = fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/invoice'))?.body as {
      Line: { DetailType: string; Amount: number; DiscountLineDetail?: unknown }[];
    };
    expect(sent.Line[1]).toEqual({
      LineNum: 2,
      Description: 'Discount 10 %',
      Amount: 10,
      DetailType: 'DiscountLineDetail',
      DiscountLineDetail: { PercentBased: false, DiscountAccountRef: { value: '86' } },
    });
  });
});
