/**
 * The Peppol access-point port (#23): what the application asks of the service provider that carries its
 * e-invoices over the Peppol network (Storecove first), owned here and implemented in src/adapters/einvoice.
 * The document is our own UBL (Peppol BIS Billing 3.0), handed over as it is: the provider only routes it.
 */

/** The Peppol BIS Billing 3.0 process every invoice and credit note of ours belongs to. */
export const PEPPOL_BILLING_PROCESS = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';

/** The document type identifiers the receiver's capabilities (SMP) list, by our document's kind. */
export const PEPPOL_DOCUMENT_TYPES = {
  invoice:
    'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1',
  creditNote:
    'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1',
} as const;

/** A participant: the ISO 6523 scheme (0088, 0192, 9925…) and the identifier within it. */
export type Participant = { scheme: string; id: string };

export type PeppolDocument = {
  /** Ours, derived from our IDs: the provider answers a repeat with the same submission. */
  idempotencyKey: string;
  receiver: Participant;
  kind: keyof typeof PEPPOL_DOCUMENT_TYPES;
  ubl: Buffer;
};

export type PeppolDelivery =
  | { state: 'pending' }
  | { state: 'delivered' }
  | { state: 'failed'; reason: string };

/** The provider refused the document for good (not valid for the network, an unknown receiver, a bad key). */
export class PeppolRefused extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The provider asked us to slow down, failed on its side, or its answer was lost: the same key may go again. */
export class PeppolRetryLater extends Error {}

export type PeppolCredentials = { apiKey: string; senderAccount: string; apiBaseUrl: string | null };

export type AccessPoint = {
  /** Whether the receiver is on the network and takes this kind of document (the SML/SMP look-up). */
  canReceive(receiver: Participant, kind: PeppolDocument['kind']): Promise<boolean>;
  /** Hands the document over; the provider's ID for the submission. */
  submit(document: PeppolDocument): Promise<{ id: string }>;
  /** Whether the receiver's access point has confirmed it (the AS4 receipt). */
  delivery(id: string): Promise<PeppolDelivery>;
};

export type AccessPointProvider = {
  client(credentials: PeppolCredentials, fetch: typeof globalThis.fetch, timeoutMs: number): AccessPoint;
};

export type AccessPointProviders = { storecove: AccessPointProvider };
