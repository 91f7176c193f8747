import { buildAppConfig, parseRateLimit, resolveLogFormat } from './app.config';
import { parseEnvironment } from './environment';

describe('parseRateLimit', () => {
  it.each([
    ['5/second', 5, 1_000],
    ['10/minute', 10, 60_000],
    ['3/hour', 3, 3_600_000],
    ['100/day', 100, 86_400_000],
  ])('%s', (text, limit, ttlMs) => {
    expect(parseRateLimit(text)).toEqual({ limit, ttlMs, text });
  });

  it.each(['5 per hour', '5/fortnight', '/hour', 'five/hour', '5/Hour', '5/hour/extra', ''])('refuses %p instead of returning a broken limit', (text) => {
    expect(() => parseRateLimit(text)).toThrow(`Rate limit "${text}" must look like 5/hour`);
  });
});

describe('buildAppConfig', () => {
  const env = parseEnvironment(
    { APP_URL: 'https://market.example/', JWT_SECRET_KEY: 'dev', SECRET_KEY: 'dev', TRUST_PROXY: '2', LOGIN_RATE_LIMIT: '7/minute' },
    () => undefined,
  );

  it('derives the typed values from the environment', () => {
    const config = buildAppConfig(env, { databaseUrl: 'postgres://override/db' });
    expect(config.http.appUrl).toBe('https://market.example');
    // A hop count becomes a function trusting the N nearest hops (Fastify's own number fails closed).
    const trust = config.http.trustProxy as (address: string, hop: number) => boolean;
    expect([0, 1, 2].map((hop) => trust('10.0.0.1', hop))).toEqual([true, true, false]);
    expect(config.http.bodyLimitBytes).toBe(1024 * 1024);
    expect(config.database.url).toBe('postgres://override/db');
    expect(config.auth.accessTokenTtlSeconds).toBe(30 * 60);
    expect(config.auth.passwordResetTtlSeconds).toBe(60 * 60);
    expect(config.rateLimit.login).toEqual({ limit: 7, ttlMs: 60_000, text: '7/minute' });
    expect(config.rateLimit.passwordReset).toEqual({ limit: 3, ttlMs: 3_600_000, text: '3/hour' });
  });

  it.each([
    [undefined, false],
    ['false', false],
    ['true', true],
    ['10.0.0.1, 10.0.0.2', ['10.0.0.1', '10.0.0.2']],
  ])('TRUST_PROXY=%p', (value, expected) => {
    const config = buildAppConfig(parseEnvironment({ TRUST_PROXY: value, JWT_SECRET_KEY: 'dev', SECRET_KEY: 'dev' }, () => undefined));
    expect(config.http.trustProxy).toEqual(expected);
  });
});

describe('resolveLogFormat', () => {
  const quiet = () => undefined;
  const strong = 'a-production-secret-of-at-least-32-characters';

  it.each([
    ['development', true, 'pretty'],
    ['development', false, 'json'],
    ['test', true, 'json'],
    ['production', true, 'json'],
  ] as const)('unset, with NODE_ENV=%s and a terminal: %p -> %s', (nodeEnv, tty, expected) => {
    const env = parseEnvironment({ NODE_ENV: nodeEnv, JWT_SECRET_KEY: strong, SECRET_KEY: strong }, quiet);
    expect(resolveLogFormat(env, tty)).toBe(expected);
  });

  it.each(['json', 'pretty'] as const)('LOG_FORMAT=%s wins', (format) => {
    const env = parseEnvironment({ NODE_ENV: 'production', LOG_FORMAT: format, JWT_SECRET_KEY: strong, SECRET_KEY: strong }, quiet);
    expect(resolveLogFormat(env, true)).toBe(format);
    expect(resolveLogFormat(env, false)).toBe(format);
  });
});
