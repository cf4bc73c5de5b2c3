import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { instant, money } from './columns';
import { orgId } from './operations';

/**
 * An organization's link to an accounting system. Tokens and client secrets are sealed (AES-256-GCM);
 * the mappings say which item, account and tax type our SKUs and tax codes are over there.
 */
export const connectors = pgTable(
  'connectors',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    provider: text('provider', { enum: ['xero', 'quickbooks'] }).notNull(),
    status: text('status', { enum: ['active', 'disabled'] }).notNull(),
    /** Xero tenant ID or QuickBooks realm (company) ID. */
    tenantId: text('tenant_id').notNull(),
    apiBaseUrl: text('api_base_url').notNull(),
    tokenUrl: text('token_url').notNull(),
    /** Sealed JSON: client ID and secret, access token, rotated refresh token, expiry. */
    credentials: text('credentials').notNull(),
    mappings: jsonb('mappings').notNull(),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('connectors_provider_key').on(t.organizationId, t.provider),
  ],
);

/**
 * The exactly-once record of one thing written to one connector: an issued document, a payment or refund on
 * one, or a credit note's allocation to the invoice it corrects. The idempotency key derives from the subject
 * and never changes; the external ID is written when the provider confirmed it. A run holds a lease while it
 * calls the provider, so a second run of the same push (a queue expiry, the sweep, a second worker) waits.
 */
export const accountingPushes = pgTable(
  'accounting_pushes',
  {
    organizationId: orgId(),
    connectorId: uuid('connector_id').notNull(),
    /** A reversal removes a pushed payment (subject: the payment) that the customer's bank took back. */
    entity: text('entity', {
      enum: ['document', 'payment', 'allocation', 'attachment', 'report', 'reversal', 'write_off'],
    })
      .notNull()
      .default('document'),
    /** The document's, the payment's, or (an allocation) the credit note's ID; an attachment's is its document's. */
    subjectId: uuid('subject_id').notNull(),
    /** The document the subject belongs to: the document itself, the paid one, or the allocated credit note. */
    invoiceId: uuid('invoice_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    status: text('status', { enum: ['pending', 'done', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** An allocation's amount, fixed when the credit note was issued. */
    amount: money('amount'),
    externalId: text('external_id'),
    /** A document's number at the provider, when it numbered it itself (QuickBooks, custom numbers off). */
    externalNumber: text('external_number'),
    lastError: text('last_error'),
    /** Who is calling the provider for this push now, and until when (renewed while the call lasts). */
    leaseOwner: text('lease_owner'),
    leaseUntil: instant('lease_until'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
    doneAt: instant('done_at'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.connectorId, t.entity, t.subjectId] }),
    index('accounting_pushes_invoice_idx').on(t.organizationId, t.invoiceId),
    index('accounting_pushes_pending_idx').on(t.status, t.updatedAt).where(sql`${t.status} = 'pending'`),
  ],
);

/** The needs-review lane: what failed, the provider's code, attempts, first and last seen, and its resolution. */
export const integrationErrors = pgTable(
  'integration_errors',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    kind: text('kind', { enum: ['accounting_push', 'webhook', 'online_payment', 'peppol_send'] }).notNull(),
    connectorId: uuid('connector_id'),
    invoiceId: uuid('invoice_id'),
    jobId: uuid('job_id'),
    subject: text('subject').notNull(),
    providerCode: text('provider_code'),
    message: text('message').notNull(),
    attempts: integer('attempts').notNull(),
    firstSeenAt: instant('first_seen_at').notNull(),
    lastSeenAt: instant('last_seen_at').notNull(),
    status: text('status', { enum: ['open', 'resolved'] }).notNull(),
    resolvedById: text('resolved_by_id'),
    resolvedAt: instant('resolved_at'),
    resolution: text('resolution'),
    /**
     * What a person decides on, when the step needs a decision: a provider contact that may be the customer
     * (same name and e-mail), and what was decided (link it, or make a new one).
     */
    detail: jsonb('detail').$type<{
      contactMatch?: {
        customerId: string;
        id: string;
        name: string;
        email: string | null;
        decision?: 'link' | 'new';
      };
      /** Money paid online that did not fit its document: the checkout it came through, to refund or apply. */
      unplacedCheckoutId?: string;
    }>(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('integration_errors_status_idx').on(t.organizationId, t.status, t.lastSeenAt),
    // One open error per failing step: a repeat failure updates it (attempts, last seen).
    uniqueIndex('integration_errors_open_key')
      .on(t.organizationId, t.kind, t.subject)
      .where(sql`${t.status} = 'open'`),
  ],
);

export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    /** Sealed "whsec_…" signing secret (Standard Webhooks). */
    secret: text('secret').notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.id] })],
);

/** Every delivery of an event to a subscription, with its attempts: the per-subscription delivery log. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    subscriptionId: uuid('subscription_id').notNull(),
    /** The webhook-id header: the same for every attempt, so receivers can drop duplicates. */
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: text('payload').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdAt: instant('created_at').notNull(),
    lastAttemptAt: instant('last_attempt_at'),
    deliveredAt: instant('delivered_at'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('webhook_deliveries_subscription_idx').on(t.organizationId, t.subscriptionId, t.createdAt),
  ],
);

/**
 * One "Connect with Xero / QuickBooks" in progress: the OAuth 2.0 authorization-code flow's state (only its
 * hash is kept), the PKCE verifier and the client sealed, bound to the session that started it, for ten
 * minutes. After the provider's answer it holds the sealed tokens while the owner picks the organisation.
 */
export const oauthAttempts = pgTable(
  'oauth_attempts',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    provider: text('provider', { enum: ['xero', 'quickbooks'] }).notNull(),
    userId: uuid('user_id').notNull(),
    sessionTokenHash: text('session_token_hash').notNull(),
    stateHash: text('state_hash').notNull(),
    /** Sealed JSON: client ID and secret, PKCE verifier, and the tokens once exchanged. */
    secrets: text('secrets').notNull(),
    /** The endpoints used (the provider's, or those the owner named for a self-hosted gateway). */
    endpoints: jsonb('endpoints').$type<Record<string, string | undefined>>().notNull(),
    /** Re-authorizing this connector, or null for a new one. */
    connectorId: uuid('connector_id'),
    status: text('status', { enum: ['started', 'choose_tenant', 'connected', 'failed'] }).notNull(),
    tenants: jsonb('tenants').$type<{ id: string; name: string }[]>().notNull().default([]),
    message: text('message'),
    expiresAt: instant('expires_at').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('oauth_attempts_state_key').on(t.organizationId, t.stateHash),
  ],
);

/**
 * The organization's Peppol access point (#23): the service provider that carries its e-invoices over the
 * Peppol network to the customer's access point. The API key is sealed and never shown again.
 */
export const peppolConnections = pgTable('peppol_connections', {
  organizationId: orgId().primaryKey(),
  provider: text('provider', { enum: ['storecove'] }).notNull(),
  status: text('status', { enum: ['active', 'disabled'] }).notNull(),
  /** Sealed JSON: { apiKey }. */
  credentials: text('credentials').notNull(),
  /** The sender as the access point knows it (Storecove's legal entity). */
  senderAccount: text('sender_account').notNull(),
  /** A stand-in for the provider's API (a gateway, a test's fake); the provider's own when null. */
  apiBaseUrl: text('api_base_url'),
  keyHint: text('key_hint').notNull(),
  createdAt: instant('created_at').notNull(),
  updatedAt: instant('updated_at').notNull(),
  version: integer('version').notNull().default(1),
});

/**
 * One issued document handed to the access point, at most once in its life: its own ID is the idempotency
 * key the provider dedupes on, so a retry after a lost answer finds the same submission, never a second one.
 */
export const peppolTransmissions = pgTable(
  'peppol_transmissions',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    /** The receiver's participant ID as `scheme:id`. */
    receiver: text('receiver').notNull(),
    /**
     * sending: handed over or about to be (the answer may be lost); accepted: the access point took it;
     * delivered: the receiver's access point confirmed it; failed: refused for good (the lane says why);
     * unreachable: the receiver is not on the network for it, so it went by e-mail.
     */
    status: text('status', {
      enum: ['sending', 'accepted', 'delivered', 'failed', 'unreachable'],
    }).notNull(),
    /** The invoice's version when it was sent: the queue's retry of that send, not a new send. */
    sendVersion: integer('send_version').notNull(),
    providerId: text('provider_id'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('peppol_transmissions_invoice_key').on(t.organizationId, t.invoiceId),
  ],
);
