import path from 'node:path';
import { z } from 'zod';

const boolish = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** json: one JSON line per event; pretty: lines a person reads; auto: pretty on a terminal, JSON otherwise. */
    LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
    PUBLIC_URL: z.url().optional(),
    /** Set behind HTTPS: session cookies then carry Secure. Defaults to true when PUBLIC_URL is https. */
    COOKIE_SECURE: boolish.optional(),
    /** How long an office session lasts without use (a technician's device session: 30 days). */
    SESSION_TTL_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(12),
    SEED_DEMO: boolish.default(true),
    /** open: anyone may sign up an organization; operator: only `closeout organizations invite` opens one. */
    SIGNUP: z.enum(['open', 'operator']).default('open'),
    /**
     * Let webhooks and accounting connectors call private and loopback addresses over http (a self-hosted
     * instance calling its own network). Off: https to public hosts only, checked on save and on connect.
     */
    ALLOW_PRIVATE_TARGETS: boolish.default(false),
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    ATTACHMENT_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(500 * 1024 * 1024)
      .default(20 * 1024 * 1024),
    ATTACHMENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional(),
    MAIL_FROM: z.string().min(3).default('Closeout <no-reply@closeout.invalid>'),
    /** 32 random bytes, base64: encrypts connector tokens and webhook secrets. A key file in DATA_DIR otherwise. */
    SECRET_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
      .optional(),
    /**
     * While rotating SECRET_KEY: the old key(s), comma-separated base64. Values they sealed still open and
     * their signatures still verify until `closeout secrets rotate` has sealed everything again.
     */
    SECRET_KEY_PREVIOUS: z
      .string()
      .refine(
        (v) => v.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32),
        'must be 32-byte base64 keys, comma-separated',
      )
      .optional(),
    STORAGE: z.enum(['local', 's3']).default('local'),
    S3_BUCKET: z.string().min(3).optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_ENDPOINT: z.url().optional(),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .optional(),
  })
  .refine((e) => e.STORAGE !== 's3' || !!e.S3_BUCKET, {
    path: ['S3_BUCKET'],
    message: 'required when STORAGE=s3',
  });

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  logFormat: 'json' | 'pretty';
  publicUrl: string | undefined;
  cookieSecure: boolean;
  sessionTtlHours: number;
  seedDemo: boolean;
  signup: 'open' | 'operator';
  allowPrivateTargets: boolean;
  bodyLimitBytes: number;
  attachmentMaxBytes: number;
  attachmentRetentionDays: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  secretKey: string | undefined;
  /** Keys being rotated out, base64. */
  previousSecretKeys: string[];
  storage:
    | { kind: 'local'; root: string }
    | {
        kind: 's3';
        bucket: string;
        region: string;
        endpoint: string | undefined;
        accessKeyId: string | undefined;
        secretAccessKey: string | undefined;
        prefix: string | undefined;
      };
};

export class ConfigError extends Error {}

/** Parses the environment once at boot. An invalid value stops the process with the variable's name. */
export const loadConfig = (
  env: Record<string, string | undefined> = process.env,
  terminal: boolean = process.stdout.isTTY === true,
): Config => {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT === 'auto' ? (terminal ? 'pretty' : 'json') : e.LOG_FORMAT,
    publicUrl: e.PUBLIC_URL,
    cookieSecure: e.COOKIE_SECURE ?? e.PUBLIC_URL?.startsWith('https://') ?? false,
    sessionTtlHours: e.SESSION_TTL_HOURS,
    seedDemo: e.SEED_DEMO,
    signup: e.SIGNUP,
    allowPrivateTargets: e.ALLOW_PRIVATE_TARGETS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    attachmentMaxBytes: e.ATTACHMENT_MAX_BYTES,
    attachmentRetentionDays: e.ATTACHMENT_RETENTION_DAYS,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    secretKey: e.SECRET_KEY,
    previousSecretKeys: (e.SECRET_KEY_PREVIOUS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    storage:
      e.STORAGE === 's3'
        ? {
            kind: 's3',
            bucket: e.S3_BUCKET ?? '',
            region: e.S3_REGION,
            endpoint: e.S3_ENDPOINT,
            accessKeyId: e.S3_ACCESS_KEY_ID,
            secretAccessKey: e.S3_SECRET_ACCESS_KEY,
            prefix: e.S3_PREFIX,
          }
        : { kind: 'local', root: path.join(path.resolve(e.DATA_DIR), 'attachments') },
  };
};
