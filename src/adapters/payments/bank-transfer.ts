import type { TransferProvider } from '../../app/payments/port';
import { inFours, printRf, rfReference } from '../../core/bank-matching';
import { epcPayload } from '../../core/epc-qr';

/**
 * Bank transfer, the provider that only issues instructions: the organization's IBAN, the document's number
 * and its ISO 11649 creditor reference (what bank matching reads back from the statement), and for a euro
 * amount to a SEPA account the EPC QR code a banking app scans to fill in the transfer.
 */
export const BANK_TRANSFER: TransferProvider = {
  name: 'Bank transfer',
  instructions: (r) => {
    const creditorReference = printRf(rfReference(r.documentNumber));
    return {
      iban: inFours(r.iban),
      reference: r.documentNumber,
      creditorReference,
      qrPayload: epcPayload({
        beneficiary: r.beneficiary,
        iban: r.iban,
        amount: r.amount,
        currency: r.currency,
        creditorReference,
      }),
    };
  },
};
