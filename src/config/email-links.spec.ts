import { buildAppConfig } from './app.config';
import { emailLink } from './email-links';
import { parseEnvironment } from './environment';

const configOf = (raw: Record<string, string>) => buildAppConfig(parseEnvironment({ JWT_SECRET_KEY: 'dev', SECRET_KEY: 'dev', ...raw }, () => undefined)).http;

describe('links in e-mails', () => {
  it('start with FRONTEND_URL when it is set (without its trailing slash)', () => {
    const http = configOf({ APP_URL: 'https://api.example', FRONTEND_URL: 'https://app.example/' });
    expect(emailLink(http, '/reset-password', 'abc_-1')).toBe('https://app.example/reset-password?token=abc_-1');
    expect(emailLink(http, '/revert-email-change', 'x')).toBe('https://app.example/revert-email-change?token=x');
  });

  it('start with APP_URL otherwise, which defaults to the port served', () => {
    expect(emailLink(configOf({ APP_URL: 'https://api.example/' }), '/verify-email', 't')).toBe('https://api.example/verify-email?token=t');
    expect(configOf({ PORT: '8600' }).appUrl).toBe('http://localhost:8600');
    expect(configOf({}).appUrl).toBe('http://localhost:8000');
    expect(configOf({}).frontendUrl).toBeNull();
  });

  it('refuse a FRONTEND_URL that is not an http(s) URL, naming it', () => {
    expect(() => configOf({ FRONTEND_URL: 'app.example' })).toThrow(/FRONTEND_URL must be an http\(s\) URL/);
  });
});
