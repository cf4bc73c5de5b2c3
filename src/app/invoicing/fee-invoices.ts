import type { TaxTreatment } from '../../core/invoice-calc';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import type { Deps } from '../ports';
import {
  assemble,
  type Built,
  documentOf,
  type InvoiceRow,
  type OrgRow,
  sellerOf,
} from './invoice-documents';
import { sendIn, upsertDraft } from './invoice-store';
import { issueInvoice } from './issue-invoice';

/**
 * A fee charged because of another invoice (a late fee, the convenience fee for paying it online) is an
 * invoice of its own: one line, the same customer, site and references, numbered, validated, e-mailed and
 * pushed to accounting like any other, so what the customer is asked for stays a legal document and the
 * invoice it is about never changes.
 */
export type FeeInvoice = {
  /** The invoice the fee is about: its customer, site, references and currency. */
  invoice: InvoiceRow;
  org: OrgRow;
  /** One fee per key: made once, whatever runs again. */
  billingKey: string;
  /** The fee's service date: the day it was charged. */
  on: string;
  description: string;
  memo: string;
  net: string;
  tax: TaxTreatment;
  paymentTermsDays: number;
  actor: Actor;
  /** What the invoice's history says about why it was sent. */
  sendMeta: Record<string, unknown>;
};

/** The fee invoice as a document, worked out by the calculator (not saved). */
export const buildFeeInvoice = (f: Omit<FeeInvoice, 'billingKey' | 'actor' | 'sendMeta'>): Built => {
  const { invoice, org } = f;
  const od = documentOf(invoice);
  return assemble(
    {
      // A payment request (a deposit asked for) carries no tax; the fee on it is a taxable supply or not.
      profile:
        od.profile === 'payment_request'
          ? org.taxScheme === 'vat'
            ? 'en16931'
            : 'us_sales_tax'
          : od.profile,
      seller: sellerOf(org),
      buyer: od.buyer,
      jobNumbers: od.jobNumbers,
      serviceDate: f.on,
      site: od.site,
      technicians: [],
      buyerReference: invoice.number ?? od.buyerReference,
      poNumber: od.poNumber,
      memo: f.memo,
      customFields: [],
      paymentTermsDays: f.paymentTermsDays,
      iban: org.iban,
      brand: { color: org.brandColor },
    },
    'invoice',
    {
      currency: invoice.currency,
      lines: [{ quantity: '1', unitPrice: f.net, tax: f.tax }],
      allowances: [],
      charges: [],
    },
    [
      {
        position: 1,
        description: f.description,
        sku: null,
        unitCode: 'C62',
        kind: 'fee',
        jobNumber: null,
        serviceDate: f.on,
      },
    ],
    {
      preceding:
        invoice.number && invoice.issueDate ? { number: invoice.number, issueDate: invoice.issueDate } : null,
      ...(od.exchange ? { exchange: od.exchange } : {}),
    },
  );
};

/**
 * In the caller's transaction: the fee invoice drafted, issued and sent to the customer (the send queued
 * once per version). Returns the sent invoice, or null when it could not be numbered (it waits for review).
 */
export const issueFeeInvoice = async (
  tx: Tx,
  deps: Deps,
  f: FeeInvoice,
  built: Built = buildFeeInvoice(f),
): Promise<InvoiceRow | null> => {
  const draft = await upsertDraft(tx, deps, {
    organizationId: f.invoice.organizationId,
    billingKey: f.billingKey,
    kind: 'invoice',
    jobId: null,
    customerId: f.invoice.customerId,
    built,
    holds: [],
    actor: f.actor,
  });
  if (!draft) throw new Error(`fee invoice ${f.billingKey} not drafted`);
  const issued = await issueInvoice(tx, deps, draft, f.actor, { org: f.org, jobIds: [] });
  if (!issued.number) return null;
  return sendIn(tx, deps, issued, f.actor, f.sendMeta);
};
