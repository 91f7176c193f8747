import { ConfigurationError, EnvironmentVariables, parseEnvironment } from './environment';

const STRONG_SECRET = 'a-production-secret-of-at-least-32-characters';
const quiet = () => undefined;

/** The ConfigurationError parseEnvironment throws for `raw`, or fails the test when it does not throw. */
function problemsOf(raw: NodeJS.ProcessEnv): string[] {
  try {
    parseEnvironment(raw, quiet);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  throw new Error(`parseEnvironment accepted ${JSON.stringify(raw)}`);
}

describe('parseEnvironment', () => {
  describe('names the variable that is malformed', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '80.5'],
      ['PORT', '70000'],
      ['JWT_ACCESS_TOKEN_EXPIRE_MINUTES', '0'],
      ['PASSWORD_RESET_TOKEN_EXPIRE_MINUTES', 'soon'],
      ['BCRYPT_ROUNDS', '3'],
      ['PAYMENT_FAILURE_RATE', '1.5'],
      ['REDIS_URL', 'http://x'],
      ['DATABASE_URL', 'mysql://localhost/db'],
      ['SMTP_URL', 'localhost:25'],
      ['APP_URL', 'localhost:8000'],
      ['LOGIN_RATE_LIMIT', '5 per hour'],
      ['BOOKING_RATE_LIMIT', '20/fortnight'],
      ['JWT_ALGORITHM', 'HS512'],
      ['NODE_ENV', 'staging'],
      ['LOG_LEVEL', 'verbose'],
      ['RATE_LIMIT_ENABLED', 'maybe'],
      ['SEED_SAMPLE_DATA', 'sometimes'],
      ['API_DOCS_ENABLED', 'perhaps'],
      ['LOG_FORMAT', 'text'],
    ])('%s=%s', (name, value) => {
      const problems = problemsOf({ [name]: value });
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem.startsWith(name)).toBe(true);
    });

    it('and says what is expected', () => {
      expect(problemsOf({ REDIS_URL: 'http://x' })).toEqual(['REDIS_URL must be a redis:// or rediss:// URL']);
      expect(problemsOf({ LOGIN_RATE_LIMIT: '5 per hour' })).toEqual(['LOGIN_RATE_LIMIT must look like 5/hour']);
      expect(problemsOf({ JWT_ALGORITHM: 'HS512' })[0]).toMatch(/^JWT_ALGORITHM must be HS256/);
      expect(problemsOf({ JWT_ACCESS_TOKEN_EXPIRE_MINUTES: '0' })).toEqual(['JWT_ACCESS_TOKEN_EXPIRE_MINUTES must not be less than 1']);
    });

    it('reports every bad variable at once, in the error message too', () => {
      let message = '';
      try {
        parseEnvironment({ PORT: 'abc', REDIS_URL: 'http://x' }, quiet);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^Invalid configuration:/);
      expect(message).toContain('PORT');
      expect(message).toContain('REDIS_URL');
    });
  });

  it('applies the documented defaults', () => {
    const env = parseEnvironment({ JWT_SECRET_KEY: 'dev', SECRET_KEY: 'dev' }, quiet);
    expect(env).toBeInstanceOf(EnvironmentVariables);
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 8000,
      APP_URL: 'http://localhost:8000',
      JWT_ALGORITHM: 'HS256',
      JWT_ACCESS_TOKEN_EXPIRE_MINUTES: 30,
      PASSWORD_RESET_TOKEN_EXPIRE_MINUTES: 60,
      BCRYPT_ROUNDS: 12,
      EMAIL_OUTPUT_DIR: './email_notifications',
      PAYMENT_FAILURE_RATE: 0.1,
      RATE_LIMIT_ENABLED: true,
      LOGIN_RATE_LIMIT: '5/hour',
      LOGIN_ACCOUNT_RATE_LIMIT: '10/hour',
      BOOKING_RATE_LIMIT: '20/hour',
      BROWSE_RATE_LIMIT: '100/hour',
      PASSWORD_RESET_RATE_LIMIT: '3/hour',
      LOG_LEVEL: 'info',
      CORS_ORIGINS: [],
      SEED_SAMPLE_DATA: true,
      API_DOCS_ENABLED: true,
    });
    // Unset: the format is settled by whether a person is reading (resolveLogFormat in app.config.ts).
    expect(env.LOG_FORMAT).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('treats an empty value as unset', () => {
    const env = parseEnvironment({ PORT: '', REDIS_URL: '', JWT_SECRET_KEY: 'dev', SECRET_KEY: 'dev' }, quiet);
    expect(env.PORT).toBe(8000);
    expect(env.REDIS_URL).toBeUndefined();
  });

  it('converts numbers, booleans and lists', () => {
    const env = parseEnvironment(
      {
        PORT: ' 9000 ',
        PAYMENT_FAILURE_RATE: '0.25',
        RATE_LIMIT_ENABLED: 'false',
        SEED_SAMPLE_DATA: 'no',
        CORS_ORIGINS: 'https://a.example, https://b.example,',
        JWT_SECRET_KEY: 'dev',
        SECRET_KEY: 'dev',
      },
      quiet,
    );
    expect(env.PORT).toBe(9000);
    expect(env.PAYMENT_FAILURE_RATE).toBe(0.25);
    expect(env.RATE_LIMIT_ENABLED).toBe(false);
    expect(env.SEED_SAMPLE_DATA).toBe(false);
    expect(env.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(parseEnvironment({ RATE_LIMIT_ENABLED: 'TRUE', JWT_SECRET_KEY: 'dev', SECRET_KEY: 'dev' }, quiet).RATE_LIMIT_ENABLED).toBe(true);
  });

  describe('secrets', () => {
    it('in development, generates a missing JWT_SECRET_KEY and warns about it', () => {
      const warnings: string[] = [];
      const env = parseEnvironment({ SECRET_KEY: 'dev' }, (message) => warnings.push(message));
      expect(env.JWT_SECRET_KEY).toMatch(/^[A-Za-z0-9_-]{64}$/);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^JWT_SECRET_KEY is not set/);
    });

    it('generates a different secret each time (never a fixed fallback)', () => {
      const first = parseEnvironment({}, quiet);
      const second = parseEnvironment({}, quiet);
      expect(first.JWT_SECRET_KEY).not.toBe(second.JWT_SECRET_KEY);
      expect(first.SECRET_KEY).not.toBe(first.JWT_SECRET_KEY);
    });

    it('keeps a given secret and does not warn', () => {
      const warn = jest.fn();
      const env = parseEnvironment({ JWT_SECRET_KEY: 'short-is-fine-in-dev', SECRET_KEY: 'dev' }, warn);
      expect(env.JWT_SECRET_KEY).toBe('short-is-fine-in-dev');
      expect(warn).not.toHaveBeenCalled();
    });

    it.each([
      ['missing', undefined],
      ['short', 'x'.repeat(31)],
    ])('with NODE_ENV=production, a %s JWT_SECRET_KEY throws', (_, secret) => {
      const warn = jest.fn();
      expect(() => parseEnvironment({ NODE_ENV: 'production', JWT_SECRET_KEY: secret, SECRET_KEY: STRONG_SECRET }, warn)).toThrow(
        /JWT_SECRET_KEY must be set to at least 32 characters when NODE_ENV=production/,
      );
      expect(warn).not.toHaveBeenCalled();
    });

    it('with NODE_ENV=production, a short SECRET_KEY throws too', () => {
      expect(() => parseEnvironment({ NODE_ENV: 'production', JWT_SECRET_KEY: STRONG_SECRET, SECRET_KEY: 'short' }, quiet)).toThrow(/SECRET_KEY/);
    });

    it('with NODE_ENV=production, accepts 32-character secrets', () => {
      const secret = 'y'.repeat(32);
      const env = parseEnvironment({ NODE_ENV: 'production', JWT_SECRET_KEY: secret, SECRET_KEY: STRONG_SECRET }, quiet);
      expect(env.JWT_SECRET_KEY).toBe(secret);
      expect(env.NODE_ENV).toBe('production');
    });
  });

  describe('production defaults', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET_KEY: STRONG_SECRET, SECRET_KEY: STRONG_SECRET };

    it('seeds no sample data and serves no API docs unless asked', () => {
      const env = parseEnvironment(production, quiet);
      expect(env.SEED_SAMPLE_DATA).toBe(false);
      expect(env.API_DOCS_ENABLED).toBe(false);
    });

    it('serves the API docs with API_DOCS_ENABLED=true', () => {
      expect(parseEnvironment({ ...production, API_DOCS_ENABLED: 'true' }, quiet).API_DOCS_ENABLED).toBe(true);
    });

    it.each(['true', '1', 'yes'])('refuses SEED_SAMPLE_DATA=%s, naming the variable', (value) => {
      expect(problemsOf({ ...production, SEED_SAMPLE_DATA: value })).toEqual([
        expect.stringMatching(/^SEED_SAMPLE_DATA=true is refused when NODE_ENV=production/),
      ]);
    });

    it('accepts SEED_SAMPLE_DATA=false', () => {
      expect(parseEnvironment({ ...production, SEED_SAMPLE_DATA: 'false' }, quiet).SEED_SAMPLE_DATA).toBe(false);
    });

    it.each(['development', 'test'])('with NODE_ENV=%s, both stay on unless turned off', (nodeEnv) => {
      expect(parseEnvironment({ NODE_ENV: nodeEnv }, quiet)).toMatchObject({ SEED_SAMPLE_DATA: true, API_DOCS_ENABLED: true });
      expect(parseEnvironment({ NODE_ENV: nodeEnv, SEED_SAMPLE_DATA: 'off', API_DOCS_ENABLED: 'off' }, quiet)).toMatchObject({
        SEED_SAMPLE_DATA: false,
        API_DOCS_ENABLED: false,
      });
    });
  });
});
