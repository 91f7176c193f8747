import { EnvironmentVariables, RATE_LIMIT_PATTERN } from './environment';

export interface RateLimit {
  limit: number;
  ttlMs: number;
  /** The original `N/unit` text, for the `RateLimit-Policy` header. */
  text: string;
}

const UNIT_MS = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

export function parseRateLimit(text: string): RateLimit {
  // A malformed limit would become NaN or an undefined window: refuse it rather than throttle wrongly.
  if (!RATE_LIMIT_PATTERN.test(text)) throw new Error(`Rate limit "${text}" must look like 5/hour (N/second|minute|hour|day)`);
  const [count, unit] = text.split('/') as [string, keyof typeof UNIT_MS];
  return { limit: Number(count), ttlMs: UNIT_MS[unit], text };
}

export type TrustProxy = boolean | string[] | ((address: string, hop: number) => boolean);

/**
 * `TRUST_PROXY` as Fastify's `trustProxy`: the proxies' addresses or CIDRs (or proxy-addr's `loopback`,
 * `linklocal`, `uniquelocal`), comma-separated, whose `X-Forwarded-For` is believed; a number N trusts the
 * N nearest hops whoever they are (only for an app reachable solely through its proxies); `true` trusts
 * every hop. Unset, the client address is the socket's and forwarded headers are ignored.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  if (!value || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address: string, hop: number) => hop < hops;
  }
  return value.split(',').map((item) => item.trim());
}

/**
 * LOG_FORMAT, or when it is unset: readable lines when a person runs the service in a terminal (development
 * on a TTY), one JSON object per line everywhere else (production, tests, a pipe to a log collector).
 */
export function resolveLogFormat(env: EnvironmentVariables, stdoutIsTty = Boolean(process.stdout.isTTY)): 'json' | 'pretty' {
  return env.LOG_FORMAT ?? (env.NODE_ENV === 'development' && stdoutIsTty ? 'pretty' : 'json');
}

/** APP_URL without a trailing slash; unset, this process's own address (`http://localhost:<PORT>`). */
function appUrlOf(env: EnvironmentVariables): string {
  return (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
}

/** The typed configuration, one namespace per concern. Read it through `ConfigService<AppConfig, true>`. */
export function buildAppConfig(env: EnvironmentVariables, overrides: { databaseUrl?: string } = {}) {
  return {
    http: {
      nodeEnv: env.NODE_ENV,
      port: env.PORT,
      appUrl: appUrlOf(env),
      /** FRONTEND_URL without a trailing slash; unset: the API serves the pages e-mail links open. */
      frontendUrl: env.FRONTEND_URL?.replace(/\/+$/, '') ?? null,
      corsOrigins: env.CORS_ORIGINS,
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      bodyLimitBytes: 1024 * 1024,
      /** /docs, /redoc and /docs-json (parseEnvironment settles the default: off in production). */
      apiDocsEnabled: env.API_DOCS_ENABLED ?? env.NODE_ENV !== 'production',
    },
    database: {
      url: overrides.databaseUrl ?? env.DATABASE_URL ?? '',
    },
    redis: {
      url: env.REDIS_URL,
    },
    auth: {
      jwtSecret: env.JWT_SECRET_KEY as string,
      jwtAlgorithm: 'HS256' as const,
      accessTokenTtlSeconds: env.JWT_ACCESS_TOKEN_EXPIRE_MINUTES * 60,
      /** A session's absolute lifetime (JWT_REFRESH_TOKEN_EXPIRE_DAYS), in whole seconds (at least one). */
      sessionTtlSeconds: Math.max(1, Math.round(env.JWT_REFRESH_TOKEN_EXPIRE_DAYS * 86_400)),
      bcryptRounds: env.BCRYPT_ROUNDS,
      passwordResetTtlSeconds: env.PASSWORD_RESET_TOKEN_EXPIRE_MINUTES * 60,
      requireVerifiedEmail: env.REQUIRE_VERIFIED_EMAIL,
      secretKey: env.SECRET_KEY as string,
    },
    mail: {
      outputDir: env.EMAIL_OUTPUT_DIR,
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM,
    },
    bookableTime: {
      slotIntervalMinutes: env.SLOT_INTERVAL_MINUTES,
      minNoticeMinutes: env.MIN_BOOKING_NOTICE_MINUTES,
      horizonDays: env.BOOKING_HORIZON_DAYS,
    },
    bookings: {
      fullRefundHours: env.CANCELLATION_FULL_REFUND_HOURS,
      rescheduleMinNoticeHours: env.RESCHEDULE_MIN_NOTICE_HOURS ?? env.CANCELLATION_FULL_REFUND_HOURS,
      /** 0: no auto-completion. */
      autoCompleteAfterMs: Math.round(env.BOOKING_AUTO_COMPLETE_HOURS * 3_600_000),
      /** 0: no reminders. */
      reminderBeforeMs: Math.round(env.BOOKING_REMINDER_HOURS * 3_600_000),
      timedPassIntervalMs: Math.round(env.BOOKING_TIMED_PASS_SECONDS * 1000),
      holdTtlSeconds: env.BOOKING_HOLD_TTL_SECONDS,
      maxActiveHoldsPerCustomer: env.MAX_ACTIVE_HOLDS_PER_CUSTOMER,
      /** How long a provider has to answer a booking request (BOOKING_REQUEST_EXPIRY_HOURS), in milliseconds. */
      requestExpiryMs: Math.round(env.BOOKING_REQUEST_EXPIRY_HOURS * 3_600_000),
    },
    payments: {
      failureRate: env.PAYMENT_FAILURE_RATE,
      gatewayLatencyMs: env.PAYMENT_GATEWAY_LATENCY_MS,
      reconcileAfterMs: env.PAYMENT_RECONCILE_AFTER_SECONDS * 1000,
    },
    rateLimit: {
      enabled: env.RATE_LIMIT_ENABLED,
      login: parseRateLimit(env.LOGIN_RATE_LIMIT),
      loginAccount: parseRateLimit(env.LOGIN_ACCOUNT_RATE_LIMIT),
      booking: parseRateLimit(env.BOOKING_RATE_LIMIT),
      browse: parseRateLimit(env.BROWSE_RATE_LIMIT),
      passwordReset: parseRateLimit(env.PASSWORD_RESET_RATE_LIMIT),
      verificationEmail: parseRateLimit(env.VERIFICATION_EMAIL_RATE_LIMIT),
    },
    notifications: {
      sseHeartbeatSeconds: env.SSE_HEARTBEAT_SECONDS,
      mailRetryIntervalMs: env.MAIL_RETRY_INTERVAL_MS,
      mailRetryMaxDelayMs: env.MAIL_RETRY_MAX_DELAY_MS,
    },
    jobs: {
      concurrency: env.JOB_CONCURRENCY,
      pollIntervalMs: env.JOB_POLL_INTERVAL_MS,
      shutdownTimeoutMs: env.JOB_SHUTDOWN_TIMEOUT_MS,
      schema: env.JOBS_SCHEMA,
    },
    log: {
      level: env.LOG_LEVEL,
      format: resolveLogFormat(env),
      /** Unset: stdout only. Set: app, access, error and security logs there too (logger.config.ts). */
      dir: env.LOG_DIR,
      fileMaxSize: env.LOG_FILE_MAX_SIZE,
      fileKeep: env.LOG_FILE_KEEP,
    },
  };
}

export type AppConfig = ReturnType<typeof buildAppConfig>;
