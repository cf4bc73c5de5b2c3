import { z } from 'zod';
import { Day, Instant } from './common';
import { ConnectorMappings } from './connectors';

/** Events a webhook subscription can ask for. */
export const WEBHOOK_EVENTS = [
  'job.completed',
  'job.invoice_ready',
  'approval.requested',
  'invoice.issued',
  'invoice.sent',
  'invoice.paid',
  'invoice.credited',
  'invoice.written_off',
  'payment.recorded',
  'payment.reversed',
  'integration.failed',
  'quote.sent',
  'quote.accepted',
  'quote.declined',
  'change_order.approved',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const Connector = z
  .object({
    id: z.uuid(),
    provider: z.enum(['xero', 'quickbooks']),
    status: z.enum(['active', 'disabled']),
    tenantId: z.string(),
    apiBaseUrl: z.string(),
    mappings: ConnectorMappings,
    /** False once disconnected (its tokens revoked): re-authorize to push again. */
    authorized: z.boolean(),
    createdAt: Instant,
    version: z.number().int(),
  })
  .meta({ id: 'Connector' });
export type Connector = z.infer<typeof Connector>;

export const NewConnector = z.strictObject({
  provider: z.enum(['xero', 'quickbooks']),
  tenantId: z.string().trim().min(1).max(100),
  clientId: z.string().min(1).max(200),
  clientSecret: z.string().min(1).max(500),
  refreshToken: z.string().min(1).max(4000),
  accessToken: z.string().min(1).max(4000).optional(),
  apiBaseUrl: z.url().optional(),
  tokenUrl: z.url().optional(),
  mappings: ConnectorMappings,
});

/** "Connect with Xero / QuickBooks": the app's OAuth client, and optionally the connector to re-authorize. */
export const OAuthStart = z.strictObject({
  provider: z.enum(['xero', 'quickbooks']),
  /** The app registered with the provider; re-authorizing a connector may leave them out to reuse its own. */
  clientId: z.string().trim().min(1).max(200).optional(),
  clientSecret: z.string().min(1).max(500).optional(),
  connectorId: z.uuid().optional(),
  /** A gateway standing in for the provider (or a test's loopback server); the provider's own by default. */
  endpoints: z
    .strictObject({
      authorizeUrl: z.url().optional(),
      tokenUrl: z.url().optional(),
      apiBaseUrl: z.url().optional(),
      revokeUrl: z.url().optional(),
      connectionsUrl: z.url().optional(),
    })
    .optional(),
});

/** The provider's redirect back (RFC 6749 §4.1.2); QuickBooks adds the company it granted. */
export const OAuthCallbackQuery = z.object({
  state: z.string().min(1).max(200),
  code: z.string().min(1).max(4000).optional(),
  realmId: z.string().min(1).max(100).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

export const OAuthAttempt = z
  .object({
    id: z.uuid(),
    provider: z.enum(['xero', 'quickbooks']),
    status: z.enum(['started', 'choose_tenant', 'connected', 'failed']),
    tenants: z.array(z.object({ id: z.string(), name: z.string() })),
    connectorId: z.uuid().nullable(),
    /** Why it failed, in words. */
    message: z.string().nullable(),
  })
  .meta({ id: 'OAuthAttempt' });

export const OAuthFinish = z.strictObject({ tenantId: z.string().min(1).max(100) });

/** Push what was issued before the connector existed: everything since a day; a dry run by default. */
export const BackfillBody = z.strictObject({ since: Day, dryRun: z.boolean().default(true) });
export const BackfillResult = z
  .object({
    since: Day,
    /** The documents that go (or would go), oldest first. */
    documents: z.array(
      z.object({
        id: z.uuid(),
        number: z.string(),
        kind: z.enum(['invoice', 'deposit_invoice', 'credit_note']),
        issueDate: Day,
      }),
    ),
    payments: z.number().int(),
    allocations: z.number().int(),
  })
  .meta({ id: 'Backfill' });

export const ConnectorPatch = z.strictObject({
  status: z.enum(['active', 'disabled']).optional(),
  mappings: ConnectorMappings.optional(),
});

export const IntegrationError = z
  .object({
    id: z.uuid(),
    kind: z.enum(['accounting_push', 'webhook', 'online_payment', 'peppol_send']),
    connectorId: z.uuid().nullable(),
    invoiceId: z.uuid().nullable(),
    jobId: z.uuid().nullable(),
    providerCode: z.string().nullable(),
    message: z.string(),
    attempts: z.number().int(),
    firstSeenAt: Instant,
    lastSeenAt: Instant,
    status: z.enum(['open', 'resolved']),
    resolvedBy: z.string().nullable(),
    resolvedAt: Instant.nullable(),
    resolution: z.string().nullable(),
    /** Why reprocessing cannot run now (the accounting system is disconnected), in words; null when it can. */
    reprocessBlockedBy: z.string().nullable(),
    /**
     * The provider's contact that may be this customer (same name and e-mail): link to it, or make a new
     * one (`POST /integration-errors/{id}/contact-match`). Null when the entry asks no such decision.
     */
    contactMatch: z
      .object({
        name: z.string(),
        email: z.string().nullable(),
        decision: z.enum(['link', 'new']).nullable(),
      })
      .nullable(),
    /**
     * Money paid online that did not fit its document: its ID at `GET /unplaced-payments/{id}`, to refund it
     * or apply what fits (`POST /unplaced-payments/{id}/place`). Null for any other entry.
     */
    unplacedPaymentId: z.uuid().nullable(),
  })
  .meta({ id: 'IntegrationError' });
export type IntegrationError = z.infer<typeof IntegrationError>;

export const IntegrationErrorQuery = z.strictObject({
  status: z.enum(['open', 'resolved']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ReprocessNote = z.strictObject({ note: z.string().trim().max(1000).optional() });

export const ContactMatchDecision = z.strictObject({
  /** Link the customer to the provider's contact, or give it a new contact of its own. */
  decision: z.enum(['link', 'new']),
});

/** Where an invoice stands in each accounting system. */
export const AccountingPushes = z.object({
  items: z.array(
    z.object({
      connectorId: z.uuid(),
      /** What was written: the document itself, a payment or refund on it, or (a credit note) its allocation. */
      entity: z.enum(['document', 'payment', 'allocation', 'attachment', 'report', 'reversal', 'write_off']),
      /** The document's, the payment's or the credit note's ID. */
      subjectId: z.uuid(),
      status: z.enum(['pending', 'done', 'failed']),
      attempts: z.number().int(),
      externalId: z.string().nullable(),
      /** The document's number at the provider where it numbered it itself; null where it keeps ours. */
      externalNumber: z.string().nullable(),
      idempotencyKey: z.string(),
      lastError: z.string().nullable(),
    }),
  ),
});

export const Subscription = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(z.string()),
    active: z.boolean(),
    createdAt: Instant,
  })
  .meta({ id: 'WebhookSubscription' });
export type Subscription = z.infer<typeof Subscription>;

export const SubscriptionCreated = Subscription.extend({ secret: z.string() });

export const NewSubscription = z.strictObject({
  url: z.url().refine((u) => /^https?:\/\//.test(u), 'http or https'),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
});

/** A connector or subscription test: ok says whether it worked, either way with a 200. */
export const TestResult = z.object({
  ok: z.boolean(),
  message: z.string(),
  durationMs: z.number().int(),
  account: z.string().nullable().optional(),
  providerCode: z.string().nullable().optional(),
  retryable: z.boolean().optional(),
  statusCode: z.number().int().nullable().optional(),
  eventId: z.string().optional(),
});
export type TestResult = z.infer<typeof TestResult>;

export const DeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** A subscription's delivery log. */
export const WebhookDeliveries = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      eventId: z.uuid(),
      eventType: z.string(),
      status: z.enum(['pending', 'delivered', 'failed']),
      attempts: z.number().int(),
      lastStatusCode: z.number().int().nullable(),
      lastError: z.string().nullable(),
      createdAt: Instant,
      lastAttemptAt: Instant.nullable(),
      deliveredAt: Instant.nullable(),
    }),
  ),
});

export const InvoicesCsvQuery = z.strictObject({
  format: z.enum(['xero', 'quickbooks']),
  from: Day,
  to: Day,
});
