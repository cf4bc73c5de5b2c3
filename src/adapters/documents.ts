import type { DocumentRenderers } from '../app/documents-port';

/**
 * The renderers behind the documents port, loaded on first use: a process that never renders (an API-only
 * server) starts without pdfkit and its fonts.
 */
export const loadRenderers = async (): Promise<DocumentRenderers> => {
  const [pdf, quote, statement, ubl] = await Promise.all([
    import('./pdf/invoice-pdf'),
    import('./pdf/quote-pdf'),
    import('./pdf/statement-pdf'),
    import('./einvoice/ubl'),
  ]);
  return {
    invoicePdf: pdf.renderInvoicePdf,
    serviceReportPdf: pdf.renderServiceReportPdf,
    signedQuotePdf: quote.renderSignedQuotePdf,
    statementPdf: statement.renderStatementPdf,
    ubl: ubl.renderUbl,
  };
};
