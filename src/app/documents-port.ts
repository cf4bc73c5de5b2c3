import type { Language } from '../core/i18n';
import type { Address, InvoiceDocument, IssuedHeader } from '../core/invoice-document';
import type { Statement } from '../core/statement';

/**
 * The documents port: the PDF and UBL renderers the application asks for (src/adapters/documents.ts
 * implements it with pdfkit and xmlbuilder2). The application never imports an adapter.
 */

/** What the proof pages show: photos by category, the signature, time and place, and the approval log. */
export type Proof = {
  photos: { category: string; image: Buffer; capturedAt: string | null }[];
  signature: { image: Buffer | null; signerName: string; signedAt: string } | null;
  signatureException: string | null;
  completion: { at: string | null; latitude: number | null; longitude: number | null } | null;
  workPerformed: { checklist: string[]; notes: string } | null;
  approvals: { at: string; by: string; decision: string; comment: string | null; rules: string[] }[];
  /** The organization's zone: every time on a customer's document is printed in it. */
  timeZone: string;
};

export const EMPTY_PROOF: Proof = {
  photos: [],
  signature: null,
  signatureException: null,
  completion: null,
  workPerformed: null,
  approvals: [],
  timeZone: 'UTC',
};

/** The work-completed report of a job, billed or not. */
export type ServiceReport = {
  /** The customer's language: every word of the report is in it. */
  language: Language;
  seller: { name: string; color: string };
  customer: string;
  jobNumber: string;
  scope: string;
  site: { name: string; address: Address };
  technicians: string[];
  lines: { description: string; quantity: string; unitCode: string; serialNumbers: string[] }[];
  createdAt: Date;
};

/** An accepted quote as signed: the chosen lines, the totals, the terms and the signature block. */
export type SignedQuote = {
  /** The customer's language: every word of the copy is in it. */
  language: Language;
  seller: { name: string; color: string };
  number: string;
  version: number;
  title: string;
  customer: string;
  site: string;
  currency: string;
  lines: { description: string; quantity: string; unitPrice: string; taxRate: string; net: string }[];
  totals: { net: string; tax: string; payable: string; deposit: string | null };
  terms: string | null;
  message: string | null;
  validUntil: string;
  signature: {
    image: Buffer | null;
    name: string;
    signedAt: string;
    ip: string;
    userAgent: string;
  };
  timeZone: string;
  createdAt: Date;
};

/** A customer's statement of account, ready to print: the seller, the customer, and the statement itself. */
export type StatementPrint = {
  /** The customer's language: every word of the statement is in it. */
  language: Language;
  seller: { name: string; color: string; address: Address | null; iban: string | null };
  customer: { name: string; address: Address };
  currency: string;
  statement: Statement;
  /** The business date it was made on. */
  madeOn: string;
};

export type DocumentRenderers = {
  /** A customer's statement of account (open items, activity, aging). */
  statementPdf(print: StatementPrint, logo: Buffer | null): Promise<Buffer>;
  /** The invoice or credit note PDF, with the proof pages after it. */
  invoicePdf(
    doc: InvoiceDocument,
    header: IssuedHeader & { issuedAt: Date },
    proof: Proof,
    logo: Buffer | null,
    /**
     * How to pay it, each with its QR code: the pay link where the organization takes payments online, and
     * the bank transfer's EPC code (the text a banking app scans) where the transfer allows one.
     */
    pay: { url: string | null; transferQr: string | null } | null,
  ): Promise<Buffer>;
  serviceReportPdf(report: ServiceReport, proof: Proof): Promise<Buffer>;
  /** The accepted version of a quote with the customer's signature block: what they agreed to. */
  signedQuotePdf(quote: SignedQuote): Promise<Buffer>;
  /**
   * The EN 16931 / Peppol BIS 3 UBL of an issued document; `onlinePayment`: the organization takes payment
   * online (the payment means where it gives no IBAN: payment means must share one code, UBL-SR-47).
   */
  ubl(doc: InvoiceDocument, header: IssuedHeader, opts?: { onlinePayment?: boolean }): string;
};
