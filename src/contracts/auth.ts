import { z } from 'zod';
import { countryOf } from '../core/countries';
import { LANGUAGES } from '../core/i18n/languages';
import { ApprovalRule, TRADES } from '../core/job-type-templates';
import { ROLES } from '../core/roles';
import { SETUP_STEPS } from '../core/setup';
import { isValidTimeZone } from '../core/time';
import { Instant } from './common';

export const Role = z.enum(ROLES);

export const LoginBody = z.strictObject({
  email: z.email().max(254),
  password: z.string().min(1).max(256),
  /** A technician's phone that should stay signed in (30 days without use) rather than a shared office screen. */
  device: z.boolean().optional(),
  /** The six-digit code from the authenticator app, or a recovery code, once the answer asked for it. */
  code: z.string().trim().min(1).max(32).optional(),
});

export const Organization = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    legalName: z.string(),
    country: z.string(),
    currency: z.string(),
    timeZone: z.string(),
    /** The language customers read their documents in unless a customer has their own (BCP 47). */
    language: z.enum(LANGUAGES),
    taxScheme: z.enum(['vat', 'us_sales_tax']),
    vatId: z.string().nullable(),
    /** Where customers' replies to the business's e-mails go. */
    replyToEmail: z.string().nullable(),
    paymentTermsDays: z.number().int(),
    peppolEndpoint: z.string().nullable(),
    companyId: z.string().nullable(),
    iban: z.string().nullable(),
    address: z
      .object({
        line1: z.string(),
        line2: z.string().optional(),
        city: z.string(),
        region: z.string().optional(),
        postalCode: z.string(),
        country: z.string(),
      })
      .nullable(),
    invoiceAutoIssue: z.boolean(),
    invoiceAutoSend: z.enum(['off', 'at_once', 'at_hour']),
    invoiceAutoSendHour: z.number().int(),
    quoteFollowUpDays: z.number().int().nullable(),
    remindersEnabled: z.boolean(),
    reminderHour: z.number().int(),
    /** Billing writes off up to this much itself; above it the owner approves. Null: the owner approves every one. */
    writeOffApprovalAbove: z.string().nullable(),
    depositModel: z.enum(['advance_invoice', 'payment_request']),
    laborPricing: z.enum(['price_book', 'technician_rate']),
    payableRoundingIncrement: z.string().nullable(),
    brandColor: z.string(),
    hasLogo: z.boolean(),
    /** Owners and billing must sign in with a second factor. */
    twoFactorRequired: z.boolean(),
    /** Rules every job type follows unless it has its own rule of the same kind. */
    defaultApprovalRules: z.array(ApprovalRule),
    /** The invoice e-mail the customers get (the default when the organization wrote none). */
    invoiceEmail: z.object({ subject: z.string(), body: z.string(), custom: z.boolean() }),
  })
  .meta({ id: 'Organization' });

export const User = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    roles: z.array(Role),
    laborRole: z.string().nullable(),
    hourlyRate: z.string().nullable(),
    active: z.boolean(),
    createdAt: Instant,
    /** Signs in with a code from an authenticator app as well as the password. */
    secondFactor: z.boolean(),
  })
  .meta({ id: 'User' });

export const Me = z
  .object({
    principal: z.enum(['user', 'api_key']),
    user: User.nullable(),
    organization: Organization,
    roles: z.array(Role),
    permissions: z.array(z.string()),
    /** Send back as X-CSRF-Token on every cookie-authenticated write. */
    csrfToken: z.string().nullable(),
    /** The organization requires a second factor of this person and they have none: only /me routes are open. */
    secondFactorSetupNeeded: z.boolean(),
    /** Every organization the person may work in, this one included (empty for an API key). */
    organizations: z.array(z.object({ id: z.uuid(), name: z.string(), current: z.boolean() })),
  })
  .meta({ id: 'Me' });

/** Move the signed-in person to another organization they belong to. */
export const SwitchOrganizationBody = z.strictObject({ organizationId: z.uuid() });

export const UpdateUserBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  roles: z.array(Role).min(1).max(5).optional(),
  /** false: the user can no longer sign in (their sessions stop at once); their records stay. */
  active: z.boolean().optional(),
  laborRole: z.string().trim().min(1).max(100).nullable().optional(),
  hourlyRate: z
    .string()
    .regex(/^\d{1,10}(\.\d{1,4})?$/, 'must be a decimal string like "85.00"')
    .nullable()
    .optional(),
});

export const CreateUserBody = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
  password: z.string().min(1).max(256),
  roles: z.array(Role).min(1).max(5),
  laborRole: z.string().trim().min(1).max(100).optional(),
  hourlyRate: z
    .string()
    .regex(/^\d{1,10}(\.\d{1,4})?$/)
    .optional(),
});

export const ApiKey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: Role,
    prefix: z.string(),
    createdAt: Instant,
    lastUsedAt: Instant.nullable(),
    revokedAt: Instant.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const CreateApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: Role,
});

export const CreatedApiKey = z.object({
  apiKey: ApiKey,
  /** Shown once. Only its hash is stored. */
  key: z.string(),
});

export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: z.string().min(1).max(256),
});

export const PasswordResetRequestBody = z.strictObject({ email: z.email().max(254) });

export const PasswordResetCompleteBody = z.strictObject({
  token: z.string().min(16).max(128),
  password: z.string().min(1).max(256),
});

export const PasswordBody = z.strictObject({ password: z.string().min(1).max(256) });
export const CodeBody = z.strictObject({ code: z.string().trim().min(1).max(32) });

export const SecondFactorStatus = z
  .object({
    enabled: z.boolean(),
    enabledAt: Instant.nullable(),
    recoveryCodesLeft: z.number().int(),
    /** The organization requires it for this person's role: it cannot be turned off. */
    required: z.boolean(),
  })
  .meta({ id: 'SecondFactorStatus' });

export const SecondFactorSetup = z
  .object({
    /** The secret in groups of four, for typing into an app that cannot scan. */
    secret: z.string(),
    uri: z.string(),
    /** The otpauth URI as a QR code (an SVG data URL) to scan. */
    qrCode: z.string(),
  })
  .meta({ id: 'SecondFactorSetup' });

export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()) }).meta({ id: 'RecoveryCodes' });

export const MySession = z
  .object({
    id: z.uuid(),
    /** The session making this request. */
    current: z.boolean(),
    /** A technician's phone (stays signed in longer). */
    device: z.boolean(),
    deviceWords: z.string(),
    ip: z.string().nullable(),
    createdAt: Instant,
    lastSeenAt: Instant,
  })
  .meta({ id: 'MySession' });

export const SignIn = z
  .object({
    id: z.string(),
    at: Instant,
    userId: z.uuid(),
    name: z.string(),
    ip: z.string(),
    deviceWords: z.string(),
    outcome: z.enum(['signed_in', 'wrong_password', 'code_needed', 'wrong_code']),
  })
  .meta({ id: 'SignIn' });

export const SecuritySettingsBody = z.strictObject({ twoFactorRequired: z.boolean() });

export const InviteUserBody = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
  roles: z.array(Role).min(1).max(5),
  laborRole: z.string().trim().min(1).max(100).optional(),
  hourlyRate: z
    .string()
    .regex(/^\d{1,10}(\.\d{1,4})?$/, 'must be a decimal string like "85.00"')
    .optional(),
});

export const Invitation = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    roles: z.array(Role),
    /** pending (the link works), expired (send it again), accepted, withdrawn. */
    status: z.enum(['pending', 'expired', 'accepted', 'withdrawn']),
    sentAt: Instant,
    expiresAt: Instant,
  })
  .meta({ id: 'Invitation' });

/** What the invitation page shows before accepting. */
export const InvitationPreview = z
  .object({
    organizationName: z.string(),
    email: z.string(),
    name: z.string(),
    roles: z.array(Role),
    /** The address has a Closeout account already: the person signs in to accept, keeping their password. */
    hasAccount: z.boolean(),
  })
  .meta({ id: 'InvitationPreview' });

export const AcceptInvitationBody = z.strictObject({
  password: z.string().min(1).max(256),
  /** The name as the person wants it shown, if the invitation spelled it wrong. */
  name: z.string().trim().min(1).max(200).optional(),
});

export const InvitationTokenParams = z.strictObject({ token: z.string().min(16).max(128) });

/** Opening an organization: the owner's address is proved by a link before anything is created. */
export const SignupBody = z.strictObject({
  businessName: z.string().trim().min(1).max(200),
  /** ISO 3166-1 alpha-2: decides the currency, time zone and starter tax rates (GET /public/countries). */
  country: z
    .string()
    .trim()
    .length(2)
    .transform((c) => c.toUpperCase())
    .refine((c) => countryOf(c) !== undefined, 'not a country Closeout has tax rates for'),
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254),
});

/** A signed-in person opens another organization with the account they have. */
export const OpenOrganizationBody = SignupBody.pick({ businessName: true, country: true }).strict();

export const SignupPreview = z.object({
  email: z.string(),
  name: z.string(),
  businessName: z.string(),
  country: z.string(),
});

export const CompleteSignupBody = AcceptInvitationBody;

export const Country = z.object({
  code: z.string(),
  name: z.string(),
  currency: z.string(),
  timeZone: z.string(),
  taxScheme: z.enum(['vat', 'us_sales_tax']),
  /** Percent, decimal strings: the standard rate and the reduced ones; none under US sales tax. */
  vatRates: z.array(z.string()),
});

export const SetupStep = z.enum(SETUP_STEPS);
export const SetupChecklist = z.object({
  steps: z.array(z.object({ step: SetupStep, status: z.enum(['done', 'skipped', 'todo']) })),
  complete: z.boolean(),
});
export const SetupStepBody = z.strictObject({ step: SetupStep, status: z.enum(['done', 'skipped']) });
export const InstallTradesBody = z.strictObject({ trades: z.array(z.enum(TRADES)).min(1).max(6) });
export const InstalledTrades = z.object({ jobTypes: z.number().int(), priceBookItems: z.number().int() });

export const BusinessDetailsBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  /** Where customers' replies to the business's e-mails go (null: nowhere but the sending address). */
  replyToEmail: z.email().max(254).nullable().optional(),
  legalName: z.string().trim().min(1).max(200).optional(),
  timeZone: z
    .string()
    .max(64)
    .refine(isValidTimeZone, 'not an IANA time zone, e.g. Europe/Dublin')
    .optional(),
  /** The language customers read their documents in, unless a customer has their own. */
  language: z.enum(LANGUAGES).optional(),
});
