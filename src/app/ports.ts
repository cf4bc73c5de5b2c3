import type { QueueJob } from '../contracts/queue';
import type { Database, Tx } from '../db/client';
import type { jobs } from '../db/schema';
import type { AccountingProviders } from './accounting/port';
import type { DocumentRenderers } from './documents-port';
import type { AccessPointProviders } from './invoicing/peppol-port';
import type { SmsProviders } from './messages/sms-port';
import type { PaymentProviders } from './payments/port';

export type Clock = { now(): Date };
export type Ids = { uuid(): string };

/** Enqueue inside the caller's transaction: a rolled-back transaction never leaves a job behind. */
export type Queue = {
  enqueue(tx: Tx, job: QueueJob, options?: { key?: string; startAfterSeconds?: number }): Promise<void>;
};

/** Where attachment bytes live: a local directory or S3-compatible storage. Keys never come from clients. */
export type Storage = {
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
};

export type MailAttachment = { filename: string; content: Buffer; contentType: string };
export type Mailer = {
  send(message: {
    to: string[];
    subject: string;
    text: string;
    attachments?: MailAttachment[];
    /** Whose message it is, as the recipient's mail program shows it (the business); the address stays ours. */
    fromName?: string | undefined;
    /** Where the recipient's reply goes: the business's address, not ours. */
    replyTo?: string | undefined;
  }): Promise<void>;
};

/** Encrypts secrets stored in the database (connector tokens, webhook secrets). */
export type SecretBox = {
  seal(plain: string): string;
  open(sealed: string): string;
  /** An HMAC-SHA256 (hex) under a key derived from the secret key: signs what the database must not forge. */
  mac(text: string): string;
  /** Whether a signature was made by the current key (or, unless currentOnly, a previous one still configured). */
  verifyMac(text: string, mac: string, currentOnly?: boolean): boolean;
  /** Whether a sealed value opens with the current key (false: a previous key sealed it). */
  isCurrent(sealed: string): boolean;
};

/** Outbound HTTP (accounting APIs, webhooks): fetch, replaceable so a test can point it at a fake. */
export type Http = typeof fetch;

/**
 * Calls to URLs people typed (webhooks, accounting endpoints): a fetch that refuses private and reserved
 * targets at every connection, and the same judgement of a URL when it is saved (a problem, or null).
 */
export type Outbound = { fetch: Http; targetProblem(url: string): Promise<string | null> };

/** A job's change as its one writer made it: the row before and after, and the audited action. */
export type JobChange = { before: typeof jobs.$inferSelect; after: typeof jobs.$inferSelect; action: string };
/**
 * What follows a job's change in the same transaction (its webhooks, the invoices' outbox). The jobs module
 * calls these without knowing them; app/reactions.ts lists them.
 */
export type JobSubscriber = (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids' | 'queue'>,
  change: JobChange,
) => Promise<void>;
export type Reactions = { jobChanged: readonly JobSubscriber[] };

export type Deps = {
  database: Database;
  /** Outbound calls to typed URLs (src/adapters/http/outbound.ts). */
  outbound: Outbound;
  /** The accounting systems connectors push to (src/adapters/accounting/providers.ts). */
  accounting: AccountingProviders;
  /** The online payment providers organizations connect and the bank transfer instructions (src/adapters/payments/providers.ts). */
  payments: PaymentProviders;
  /** The text-message providers organizations connect (src/adapters/sms/twilio.ts). */
  sms: SmsProviders;
  /** The Peppol access points organizations connect (src/adapters/einvoice/storecove.ts). */
  accessPoints: AccessPointProviders;
  /** Renders the PDF and UBL of documents (src/adapters/documents.ts); loaded on first use. */
  renderers: () => Promise<DocumentRenderers>;
  clock: Clock;
  ids: Ids;
  queue: Queue;
  /** Subscribers of aggregate changes (app/reactions.ts). */
  reactions: Reactions;
  storage: Storage;
  mailer: Mailer;
  secrets: SecretBox;
  /** How long an accounting API call may take before its outcome counts as unknown (default 15 s). */
  accountingTimeoutMs?: number;
  sessionTtlHours: number;
  attachmentMaxBytes: number;
  /** Days an attachment no accepted closeout references is kept before it is archived. */
  attachmentRetentionDays: number;
  /** This installation's address as customers reach it (PUBLIC_URL): links in e-mails point here. */
  publicUrl: string;
  /**
   * Who may open an organization (SIGNUP): anyone with an e-mail address (open, the default), or only the
   * operator of the installation with `closeout organizations invite` (operator).
   */
  signup?: 'open' | 'operator';
};
