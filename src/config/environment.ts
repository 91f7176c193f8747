import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsPositive, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { Transform } from 'class-transformer';

/** `N/second|minute|hour|day`, e.g. `5/hour`. */
export const RATE_LIMIT_PATTERN = /^\d+\/(second|minute|hour|day)$/;
const DB_URL_PATTERN = /^postgres(ql)?:\/\/.+/;
const REDIS_URL_PATTERN = /^rediss?:\/\/.+/;
const MIN_PRODUCTION_SECRET_LENGTH = 32;

const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'off'];
/** Any other word is left as it is, so the validator names the variable instead of reading a typo as false. */
const toBoolean = ({ value }: { value: unknown }) => {
  const word = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (word === undefined) return value;
  return TRUE_WORDS.includes(word) ? true : FALSE_WORDS.includes(word) ? false : value;
};
const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : value;

/** Every variable the service reads, declared once. Defaults live here and in `.env.example`. */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8000;

  /** The API's public base URL (`Link` headers, and e-mail links without FRONTEND_URL). Unset: http://localhost:<PORT>. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'APP_URL must be an http(s) URL' })
  APP_URL?: string;

  /**
   * The web app's base URL: when set, every link in e-mails points there (`/reset-password`, `/verify-email`,
   * `/confirm-email-change`, `/revert-email-change`); unset, the API serves those pages itself.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'FRONTEND_URL must be an http(s) URL' })
  FRONTEND_URL?: string;

  /** Refuse booking and offering services (403 EMAIL_NOT_VERIFIED) until the account's address is verified. */
  @Transform(toBoolean)
  @IsBoolean()
  REQUIRE_VERIFIED_EMAIL = false;

  @IsOptional()
  @Matches(DB_URL_PATTERN, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @Matches(DB_URL_PATTERN, { message: 'TEST_DATABASE_URL must be a postgres:// URL' })
  TEST_DATABASE_URL?: string;

  @IsOptional()
  @Matches(REDIS_URL_PATTERN, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  JWT_SECRET_KEY?: string;

  @IsIn(['HS256'], { message: 'JWT_ALGORITHM must be HS256 (the only algorithm this service signs or accepts)' })
  JWT_ALGORITHM = 'HS256';

  @IsInt()
  @Min(1)
  @Max(24 * 60)
  JWT_ACCESS_TOKEN_EXPIRE_MINUTES = 30;

  /** The absolute lifetime of a session (its refresh tokens), in days from the sign-in; decimals allowed (0.5: 12 hours). */
  @IsNumber()
  @IsPositive()
  @Max(3650)
  JWT_REFRESH_TOKEN_EXPIRE_DAYS = 30;

  @IsOptional()
  @IsString()
  @MinLength(1)
  SECRET_KEY?: string;

  @IsInt()
  @Min(1)
  @Max(24 * 60)
  PASSWORD_RESET_TOKEN_EXPIRE_MINUTES = 60;

  @IsInt()
  @Min(4)
  @Max(15)
  BCRYPT_ROUNDS = 12;

  @IsNumber()
  @Min(0)
  @Max(1)
  PAYMENT_FAILURE_RATE = 0.1;

  /** Simulated payment gateway round trip, to mimic a real processor in demos and benchmarks. */
  @IsInt()
  @Min(0)
  @Max(60_000)
  PAYMENT_GATEWAY_LATENCY_MS = 0;

  /**
   * A checkout whose payment is still PENDING after this many seconds is taken as abandoned (its request
   * died): the reconciler cancels its charge key at the gateway and settles it by what the gateway knows.
   */
  @IsInt()
  @Min(1)
  @Max(24 * 3600)
  PAYMENT_RECONCILE_AFTER_SECONDS = 120;

  /** A slot starts every N minutes inside an availability window (or every duration, if shorter). */
  @IsInt()
  @Min(5)
  @Max(1440)
  SLOT_INTERVAL_MINUTES = 30;

  /** How far ahead of its start a booking must be made. */
  @IsInt()
  @Min(0)
  @Max(60 * 24 * 365)
  MIN_BOOKING_NOTICE_MINUTES = 0;

  /** A customer cancelling at least this many hours before the start gets a full refund; later, none. */
  @IsNumber()
  @Min(0)
  @Max(24 * 365)
  CANCELLATION_FULL_REFUND_HOURS = 24;

  /** A customer may reschedule only at least this many hours before the start; unset, CANCELLATION_FULL_REFUND_HOURS. */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(24 * 365)
  RESCHEDULE_MIN_NOTICE_HOURS?: number;

  /** A CONFIRMED booking nobody completed becomes COMPLETED (by the system) this many hours after its end (0: never). */
  @IsNumber()
  @Min(0)
  @Max(24 * 365)
  BOOKING_AUTO_COMPLETE_HOURS = 24;

  /** Both parties get a `booking_reminder` this many hours before a CONFIRMED booking starts (0: no reminders). */
  @IsNumber()
  @Min(0)
  @Max(24 * 365)
  BOOKING_REMINDER_HOURS = 24;

  /** How often, in seconds, the reminder and auto-completion passes look for due bookings (fractions allowed). */
  @IsNumber()
  @Min(0.5)
  @Max(3600)
  BOOKING_TIMED_PASS_SECONDS = 60;

  /** How many days ahead a booking may start, at most. */
  @IsInt()
  @Min(1)
  @Max(3650)
  BOOKING_HORIZON_DAYS = 365;

  /** How long a slot hold (POST /bookings/holds) keeps the time for its customer, in seconds. */
  @IsInt()
  @Min(1)
  @Max(86_400)
  BOOKING_HOLD_TTL_SECONDS = 600;

  /** How many unexpired slot holds one customer may have at once (more: 409 TOO_MANY_HOLDS). */
  @IsInt()
  @Min(1)
  @Max(100)
  MAX_ACTIVE_HOLDS_PER_CUSTOMER = 3;
  /**
   * A booking request (a service with instantBooking false) the provider has not answered after this many
   * hours (or by its start, if sooner) is declined and its authorization voided. Decimals allowed (0.001 is
   * 3.6 seconds, for tests).
   */
  @IsNumber()
  @Min(0.0001)
  @Max(24 * 365)
  BOOKING_REQUEST_EXPIRY_HOURS = 24;

  @Transform(toBoolean)
  @IsBoolean()
  RATE_LIMIT_ENABLED = true;

  @Matches(RATE_LIMIT_PATTERN, { message: 'LOGIN_RATE_LIMIT must look like 5/hour' })
  LOGIN_RATE_LIMIT = '5/hour';

  @Matches(RATE_LIMIT_PATTERN, { message: 'LOGIN_ACCOUNT_RATE_LIMIT must look like 10/hour' })
  LOGIN_ACCOUNT_RATE_LIMIT = '10/hour';

  @Matches(RATE_LIMIT_PATTERN, { message: 'BOOKING_RATE_LIMIT must look like 20/hour' })
  BOOKING_RATE_LIMIT = '20/hour';

  @Matches(RATE_LIMIT_PATTERN, { message: 'BROWSE_RATE_LIMIT must look like 100/hour' })
  BROWSE_RATE_LIMIT = '100/hour';

  @Matches(RATE_LIMIT_PATTERN, { message: 'PASSWORD_RESET_RATE_LIMIT must look like 3/hour' })
  PASSWORD_RESET_RATE_LIMIT = '3/hour';

  @Matches(RATE_LIMIT_PATTERN, { message: 'VERIFICATION_EMAIL_RATE_LIMIT must look like 3/hour' })
  VERIFICATION_EMAIL_RATE_LIMIT = '3/hour';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Unset: `pretty` when the output is a terminal outside production, else `json` (resolveLogFormat in app.config.ts). */
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  /**
   * A directory where the service also writes app.log, access.log, error.log and security.log (each only its
   * own lines, rotated). Unset: stdout only.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  LOG_DIR?: string;

  /** A log file in LOG_DIR is rotated once it reaches this size (`10M`; B, K, M or G). */
  @Matches(/^[1-9]\d*[BKMG]$/, { message: 'LOG_FILE_MAX_SIZE must look like 10M (a size in B, K, M or G)' })
  LOG_FILE_MAX_SIZE = '10M';

  /** How many rotated files of each log (`app.log.1` ...) are kept beside the current one. */
  @IsInt()
  @Min(1)
  @Max(1000)
  LOG_FILE_KEEP = 10;

  /** `npm run create-admin` only: the new admin's password, so it never appears on a command line. Unset: it asks. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  ADMIN_PASSWORD?: string;

  @IsString()
  @MinLength(1)
  EMAIL_OUTPUT_DIR = './email_notifications';

  @IsOptional()
  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsString()
  MAIL_FROM = 'Service Marketplace <no-reply@marketplace.local>';

  /** The first retry's delay, in milliseconds, for an e-mail not sent (doubling after); also how often a down server is probed. */
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  MAIL_RETRY_INTERVAL_MS = 10_000;

  /** The longest wait, in milliseconds, between two attempts at one e-mail (the delay doubles up to this). */
  @IsInt()
  @Min(10)
  @Max(86_400_000)
  MAIL_RETRY_MAX_DELAY_MS = 3_600_000;

  /** Jobs of one queue (e.g. e-mails) one instance works on at the same time. */
  @IsInt()
  @Min(1)
  @Max(100)
  JOB_CONCURRENCY = 5;

  /** How often, in milliseconds, an idle instance asks the job engine for new work (pg-boss polls; at least 500). */
  @IsInt()
  @Min(500)
  @Max(60_000)
  JOB_POLL_INTERVAL_MS = 1000;

  /** On SIGTERM/SIGINT, how long (ms) running jobs may take to finish before they are left to another instance. */
  @IsInt()
  @Min(1000)
  @Max(600_000)
  JOB_SHUTDOWN_TIMEOUT_MS = 10_000;

  /** The PostgreSQL schema of the job engine's tables (pg-boss); instances that share it share their jobs. */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'JOBS_SCHEMA must be a lower-case SQL identifier' })
  JOBS_SCHEMA = 'pgboss';

  /** Seconds between the comment lines that keep an idle notification stream (and the proxies on its way) open. */
  @IsInt()
  @Min(1)
  @Max(3600)
  SSE_HEARTBEAT_SECONDS = 15;

  @Transform(toList)
  @IsString({ each: true })
  CORS_ORIGINS: string[] = [];

  /** Number of proxy hops in front of the app, `true`, or a comma-separated list of proxy addresses. */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  /**
   * Seed sample accounts (and catalog) into an empty database at start. Unset: on, except with
   * NODE_ENV=production, where it is off and `true` is refused (the sample passwords are published).
   */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  SEED_SAMPLE_DATA?: boolean;

  /** Serve the API docs (/docs, /redoc, /docs-json). Unset: on, except with NODE_ENV=production. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  API_DOCS_ENABLED?: boolean;

  @IsString()
  EMBEDDED_POSTGRES_DIR = './.data/postgres';

  @IsInt()
  @Min(1)
  @Max(65535)
  EMBEDDED_POSTGRES_PORT = 54329;
}

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigurationError';
  }
}

type Warn = (message: string) => void;

const NUMERIC_KEYS = new Set([
  'PORT',
  'JWT_ACCESS_TOKEN_EXPIRE_MINUTES',
  'JWT_REFRESH_TOKEN_EXPIRE_DAYS',
  'PASSWORD_RESET_TOKEN_EXPIRE_MINUTES',
  'BCRYPT_ROUNDS',
  'PAYMENT_FAILURE_RATE',
  'SLOT_INTERVAL_MINUTES',
  'PAYMENT_GATEWAY_LATENCY_MS',
  'PAYMENT_RECONCILE_AFTER_SECONDS',
  'MIN_BOOKING_NOTICE_MINUTES',
  'CANCELLATION_FULL_REFUND_HOURS',
  'RESCHEDULE_MIN_NOTICE_HOURS',
  'BOOKING_HORIZON_DAYS',
  'BOOKING_AUTO_COMPLETE_HOURS',
  'BOOKING_REMINDER_HOURS',
  'BOOKING_TIMED_PASS_SECONDS',
  'BOOKING_HOLD_TTL_SECONDS',
  'MAX_ACTIVE_HOLDS_PER_CUSTOMER',
  'BOOKING_REQUEST_EXPIRY_HOURS',
  'EMBEDDED_POSTGRES_PORT',
  'MAIL_RETRY_INTERVAL_MS',
  'MAIL_RETRY_MAX_DELAY_MS',
  'SSE_HEARTBEAT_SECONDS',
  'LOG_FILE_KEEP',
  'JOB_CONCURRENCY',
  'JOB_POLL_INTERVAL_MS',
  'JOB_SHUTDOWN_TIMEOUT_MS',
]);

/** Reads `.env` (when present) into the process environment, without overriding what is already set. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/**
 * Validates the raw environment and returns typed values. A missing or malformed variable throws a
 * ConfigurationError naming it. A missing development secret is generated (with a warning); production
 * refuses to start without a strong one.
 */
export function parseEnvironment(raw: NodeJS.ProcessEnv = process.env, warn: Warn = console.warn): EnvironmentVariables {
  const known = new EnvironmentVariables();
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(known).concat([
    'APP_URL',
    'FRONTEND_URL',
    'DATABASE_URL',
    'TEST_DATABASE_URL',
    'REDIS_URL',
    'JWT_SECRET_KEY',
    'SECRET_KEY',
    'SMTP_URL',
    'TRUST_PROXY',
    'LOG_FORMAT',
    'LOG_DIR',
    'ADMIN_PASSWORD',
    'SEED_SAMPLE_DATA',
    'API_DOCS_ENABLED',
    'RESCHEDULE_MIN_NOTICE_HOURS',
  ])) {
    const value = raw[key];
    if (value === undefined || value === '') continue;
    input[key] = NUMERIC_KEYS.has(key) && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  }
  const env = plainToInstance(EnvironmentVariables, input);
  const problems = validateSync(env, { forbidUnknownValues: false }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => (message.startsWith(error.property) ? message : `${error.property}: ${message}`)),
  );
  if (problems.length) throw new ConfigurationError(problems);

  const production = env.NODE_ENV === 'production';
  if (production && env.SEED_SAMPLE_DATA) {
    throw new ConfigurationError([
      'SEED_SAMPLE_DATA=true is refused when NODE_ENV=production: the sample accounts have published passwords. ' +
        'Unset it, and create the first admin with `npm run create-admin -- --email E` (it asks for the password)',
    ]);
  }
  env.SEED_SAMPLE_DATA ??= !production;
  env.API_DOCS_ENABLED ??= !production;
  // The port this process serves, not a fixed 8000: with PORT=8600 the links say 8600.
  env.APP_URL ??= `http://localhost:${env.PORT}`;

  for (const key of ['JWT_SECRET_KEY', 'SECRET_KEY'] as const) {
    const secret = env[key];
    if (env.NODE_ENV === 'production') {
      if (!secret || secret.length < MIN_PRODUCTION_SECRET_LENGTH) {
        throw new ConfigurationError([`${key} must be set to at least ${MIN_PRODUCTION_SECRET_LENGTH} characters when NODE_ENV=production`]);
      }
    } else if (!secret) {
      env[key] = randomBytes(48).toString('base64url');
      warn(`${key} is not set: generated a random one for this process (tokens will not survive a restart). Set it in .env.`);
    }
  }
  return env;
}
