import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { MessageSettings } from '../../core/customer-messages';
import { instant } from './columns';

/** The tenant. Every tenant table carries organization_id as the first column of its primary key. */
export const organizations = pgTable('organizations', {
  id: uuid('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  legalName: text('legal_name').notNull(),
  country: text('country').notNull(),
  currency: text('currency').notNull(),
  timeZone: text('time_zone').notNull(),
  /** The language its customers read their documents in unless a customer has their own (src/core/i18n). */
  language: text('language').notNull().default('en'),
  taxScheme: text('tax_scheme', { enum: ['vat', 'us_sales_tax'] }).notNull(),
  vatId: text('vat_id'),
  /** Where customers' replies to the business's e-mails go (Reply-To); null: no reply address is given. */
  replyToEmail: text('reply_to_email'),
  peppolEndpoint: text('peppol_endpoint'),
  paymentTermsDays: integer('payment_terms_days').notNull().default(30),
  /** Billing is reminded of a sent quote with no answer after this many days; null: no reminders. */
  quoteFollowUpDays: integer('quote_follow_up_days').default(3),
  /** Approval rules for every job type; a job type's own rule with the same code takes precedence. */
  defaultApprovalRules: jsonb('default_approval_rules').notNull().default([]),
  /** Seller postal address (BG-5) printed on invoices and in the UBL. */
  address: jsonb('address').$type<{
    line1: string;
    line2?: string | undefined;
    city: string;
    region?: string | undefined;
    postalCode: string;
    country: string;
  }>(),
  /** Seller legal registration (BT-30), e.g. a company number. */
  companyId: text('company_id'),
  /** Where customers pay by credit transfer (BT-84); printed and sent as payment means 58. */
  iban: text('iban'),
  /**
   * How a deposit is billed. advance_invoice (EU VAT): a tax invoice for the advance, deducted from the final
   * invoice as a negative line at its VAT rate. payment_request (US sales tax, or chosen): a request with no
   * tax, and the final invoice taxes everything and deducts what was paid as prepaid (BT-113).
   */
  depositModel: text('deposit_model', { enum: ['advance_invoice', 'payment_request'] })
    .notNull()
    .default('advance_invoice'),
  /**
   * Labour is billed at the job type's labour item in the price book (price_book), or at each technician's
   * own rate (technician_rate), where the organization chooses it.
   */
  laborPricing: text('labor_pricing', { enum: ['price_book', 'technician_rate'] })
    .notNull()
    .default('price_book'),
  /** Cash rounding of the amount due (BT-114), e.g. 0.05 for CHF; none when null. */
  payableRoundingIncrement: numeric('payable_rounding_increment', { precision: 9, scale: 4 }),
  /** Standard jobs are issued as soon as they are invoice-ready; off, drafts wait in the billing queue. */
  invoiceAutoIssue: boolean('invoice_auto_issue').notNull().default(true),
  /**
   * Issued invoices are sent by themselves (#23): at once, or at the local hour below (the organization's time
   * zone), through the customer's channel; off, they wait for someone to click Send.
   */
  invoiceAutoSend: text('invoice_auto_send', { enum: ['off', 'at_once', 'at_hour'] })
    .notNull()
    .default('off'),
  invoiceAutoSendHour: integer('invoice_auto_send_hour').notNull().default(8),
  /** Branding on the PDFs: accent color (#rrggbb) and a PNG/JPEG logo in storage. */
  brandColor: text('brand_color').notNull().default('#1f6feb'),
  logoKey: text('logo_key'),
  /** The invoice e-mail the organization wrote (placeholders like {{number}}); null: Closeout's default. */
  invoiceEmailSubject: text('invoice_email_subject'),
  invoiceEmailBody: text('invoice_email_body'),
  /** Overdue invoices are followed up by the reminder schedules (#24); off until the organization turns it on. */
  remindersEnabled: boolean('reminders_enabled').notNull().default(false),
  /** The local hour (organization's time zone) from which the day's reminders go out. */
  reminderHour: integer('reminder_hour').notNull().default(9),
  /**
   * A write-off of more than this (in the organization's currency) waits for the owner's approval; billing
   * writes off smaller balances itself. Null: every write-off needs the owner.
   */
  writeOffApprovalAbove: numeric('write_off_approval_above', { precision: 18, scale: 4 }).default('25'),
  /** Owners and billing must sign in with a second factor (they set one up before anything else). */
  twoFactorRequired: boolean('two_factor_required').notNull().default(false),
  /**
   * The setup wizard's steps the owner finished or skipped, with when: {"trade": {"status": "done", "at": …}}.
   * What the data shows (a logo, a connector, an invitation) counts as done without it.
   */
  /** Customer messages (#25): per kind, on or off and the organization's own words; absent: the default, on. */
  customerMessages: jsonb('customer_messages').$type<MessageSettings>().notNull().default({}),
  setupSteps: jsonb('setup_steps')
    .$type<Record<string, { status: 'done' | 'skipped'; at: string }>>()
    .notNull()
    .default({}),
  createdAt: instant('created_at').notNull(),
});

/**
 * A person who signs in: one e-mail, one password, one second factor, whatever organizations they belong
 * to. Identity tables (people, sessions, login_attempts, recovery_codes, password_resets) are looked up
 * before the organization is known, so in a sharded deployment they stay on the coordinator; everything
 * else is distributed by organization_id.
 */
export const people = pgTable(
  'people',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    passwordChangedAt: instant('password_changed_at'),
    /** The TOTP secret (RFC 6238), sealed with the secret box; set once the person confirmed a first code. */
    totpSecret: text('totp_secret'),
    /** A secret being set up, sealed, until the person confirms a code from it. */
    totpPendingSecret: text('totp_pending_secret'),
    totpEnabledAt: instant('totp_enabled_at'),
    /** The last 30-second step a code was accepted for: a code is good once (RFC 6238 §5.2). */
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    /** Where the person worked last: signing in opens it. */
    lastOrganizationId: uuid('last_organization_id'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [uniqueIndex('people_email_key').on(sql`lower(${t.email})`)],
);

/**
 * A person's membership of one organization: their name there, roles, labour rate, and whether it is
 * active. Everything the organization records about "a user" (jobs, audit, approvals) points here.
 */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id),
    /** The person's sign-in address, kept beside the membership for the organization's lists. */
    email: text('email').notNull(),
    name: text('name').notNull(),
    roles: text('roles').array().notNull(),
    laborRole: text('labor_role'),
    hourlyRate: numeric('hourly_rate', { precision: 18, scale: 4 }),
    active: boolean('active').notNull().default(true),
    createdAt: instant('created_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    // One membership per person per organization.
    uniqueIndex('users_org_person_key').on(t.organizationId, t.personId),
    index('users_person_idx').on(t.personId),
    index('users_org_idx').on(t.organizationId, t.id),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    /** SHA-256 of the cookie value; the value itself is never stored. */
    tokenHash: text('token_hash').primaryKey(),
    /** How a person names this session to end it (the token hash never leaves the server). */
    id: uuid('id').notNull().defaultRandom().unique(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    csrfToken: text('csrf_token').notNull(),
    createdAt: instant('created_at').notNull(),
    lastSeenAt: instant('last_seen_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    revokedAt: instant('revoked_at'),
    /** A technician's phone: stays signed in for DEVICE_SESSION_TTL_HOURS of inactivity instead of the web's hours. */
    device: boolean('device').notNull().default(false),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    role: text('role').notNull(),
    /** The public part of the key, shown in lists so a person can tell keys apart. */
    prefix: text('prefix').notNull().unique(),
    secretHash: text('secret_hash').notNull(),
    createdBy: uuid('created_by'),
    createdAt: instant('created_at').notNull(),
    lastUsedAt: instant('last_used_at'),
    revokedAt: instant('revoked_at'),
  },
  (t) => [index('api_keys_org_idx').on(t.organizationId, t.id)],
);

export const loginAttempts = pgTable(
  'login_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    email: text('email').notNull(),
    ip: text('ip').notNull(),
    succeeded: boolean('succeeded').notNull(),
    at: instant('at').notNull(),
    userAgent: text('user_agent'),
    /** signed_in, wrong_password, code_needed, wrong_code; null while the attempt is in flight (counted as failed). */
    outcome: text('outcome'),
  },
  (t) => [index('login_attempts_email_idx').on(t.email, t.at), index('login_attempts_ip_idx').on(t.ip, t.at)],
);

/** Single-use codes for signing in without the authenticator app; only their hashes are kept. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: uuid('id').primaryKey(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id),
    codeHash: text('code_hash').notNull(),
    createdAt: instant('created_at').notNull(),
    usedAt: instant('used_at'),
  },
  (t) => [index('recovery_codes_person_idx').on(t.personId)],
);

/**
 * "Forgot password" requests. A row is written for every request, known e-mail or not, so the limits per
 * address count alike and the answer reveals nothing; only a known, active user's row has a token.
 */
export const passwordResets = pgTable(
  'password_resets',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull(),
    personId: uuid('person_id').references(() => people.id),
    tokenHash: text('token_hash').unique(),
    ip: text('ip').notNull(),
    createdAt: instant('created_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    usedAt: instant('used_at'),
  },
  (t) => [
    index('password_resets_email_idx').on(t.email, t.createdAt),
    index('password_resets_ip_idx').on(t.ip, t.createdAt),
  ],
);

/**
 * A member of staff asked to join by e-mail: they choose their own password from the link, so nobody
 * else ever knows it. Pending until accepted, withdrawn, or past its time; sending it again replaces the link.
 */
export const invitations = pgTable(
  'invitations',
  {
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    id: uuid('id').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    roles: text('roles').array().notNull(),
    laborRole: text('labor_role'),
    hourlyRate: numeric('hourly_rate', { precision: 18, scale: 4 }),
    tokenHash: text('token_hash').notNull().unique(),
    invitedBy: uuid('invited_by'),
    createdAt: instant('created_at').notNull(),
    sentAt: instant('sent_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    acceptedAt: instant('accepted_at'),
    userId: uuid('user_id').references(() => users.id),
    withdrawnAt: instant('withdrawn_at'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    // One open invitation per address per organization: sending again reuses it.
    uniqueIndex('invitations_open_email_key')
      .on(t.organizationId, sql`lower(${t.email})`)
      .where(sql`${t.acceptedAt} IS NULL AND ${t.withdrawnAt} IS NULL`),
  ],
);

/**
 * Someone asked to open an organization: nothing exists until they prove the e-mail address by the link,
 * where they choose the password. Read before any organization is known, like the identity tables.
 */
export const signups = pgTable(
  'signups',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    businessName: text('business_name').notNull(),
    country: text('country').notNull(),
    /** Null when no link was sent (the address already has an account: that person is told instead). */
    tokenHash: text('token_hash').unique(),
    ip: text('ip').notNull(),
    createdAt: instant('created_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    completedAt: instant('completed_at'),
    organizationId: uuid('organization_id').references(() => organizations.id),
  },
  (t) => [index('signups_ip_idx').on(t.ip, t.createdAt), index('signups_email_idx').on(t.email, t.createdAt)],
);

/** Gapless per-organization counters (job numbers, invoice numbers): taken under a row lock in the caller's transaction. */
export const orgSequences = pgTable(
  'org_sequences',
  {
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    nextValue: integer('next_value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.name] })],
);

/**
 * Append-only audit trail, hash-chained per aggregate so unrelated writes never wait on each other:
 * hash = SHA-256(prev_hash || canonical JSON of the event).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    id: uuid('id').notNull(),
    aggregateType: text('aggregate_type').notNull(),
    aggregateId: uuid('aggregate_id').notNull(),
    seq: integer('seq').notNull(),
    action: text('action').notNull(),
    actorType: text('actor_type', { enum: ['user', 'api_key', 'system'] }).notNull(),
    actorId: text('actor_id'),
    at: instant('at').notNull(),
    changes: text('changes').notNull(),
    reason: text('reason'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('audit_events_chain_key').on(t.organizationId, t.aggregateType, t.aggregateId, t.seq),
    // Metrics count actions (office edits) in a period.
    index('audit_events_action_idx').on(t.organizationId, t.action, t.at),
    // The checkpoint every minute reads only what was written since the last one.
    index('audit_events_at_idx').on(t.organizationId, t.at),
  ],
);

/** Per-organization record of every chain's head at a moment: a deleted tail shows against it. */
export const auditCheckpoints = pgTable(
  'audit_checkpoints',
  {
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    id: uuid('id').notNull(),
    at: instant('at').notNull(),
    /** Canonical JSON: { "type:id": [seq, hash] } for every chain. */
    heads: text('heads').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    /** 1, 2, 3… per organization: a checkpoint deleted from the middle leaves a gap. Null before keying. */
    seq: integer('seq'),
    /**
     * HMAC-SHA256 of the checkpoint under a key derived from SECRET_KEY, which the database does not hold:
     * whoever rewrites the events and recomputes every hash cannot sign checkpoints to match.
     */
    mac: text('mac'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('audit_checkpoints_at_idx').on(t.organizationId, t.at),
    uniqueIndex('audit_checkpoints_seq_key').on(t.organizationId, t.seq),
  ],
);
