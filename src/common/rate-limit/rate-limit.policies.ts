import { AppConfig, RateLimit } from '../../config/app.config';

/** The named limits of `RATE_LIMIT_*`, each counted per one key. */
/**
 * `login`: failed logins per client address; `loginDevice`: failed logins per device token (the same
 * quota, for a client the account knows); `loginAccount`: failed logins on one account from clients it does
 * not know; `currentPassword`: wrong current passwords given to change one's own e-mail or password, per account
 * (the same quota as `login`: a stolen access token must not become a way to guess the password).
 */
export type RateLimitPolicyName = 'login' | 'loginDevice' | 'loginAccount' | 'currentPassword' | 'booking' | 'browse' | 'passwordReset' | 'verificationEmail';

/** How a request is keyed: its client address, its signed-in user, or the e-mail in its body. */
export type RateLimitKey = 'ip' | 'user' | 'email';

export interface RateLimitPolicy extends RateLimit {
  name: RateLimitPolicyName;
}

export function policiesFrom(config: AppConfig['rateLimit']): Record<RateLimitPolicyName, RateLimitPolicy> {
  return {
    login: { name: 'login', ...config.login },
    loginDevice: { name: 'loginDevice', ...config.login },
    loginAccount: { name: 'loginAccount', ...config.loginAccount },
    currentPassword: { name: 'currentPassword', ...config.login },
    booking: { name: 'booking', ...config.booking },
    browse: { name: 'browse', ...config.browse },
    passwordReset: { name: 'passwordReset', ...config.passwordReset },
    verificationEmail: { name: 'verificationEmail', ...config.verificationEmail },
  };
}

/** IETF `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): `"login";q=5;w=3600`. */
export function policyHeader(policy: RateLimitPolicy): string {
  return `"${policy.name}";q=${policy.limit};w=${Math.round(policy.ttlMs / 1000)}`;
}

/** IETF `RateLimit`: remaining quota and seconds until the window resets, `"login";r=4;t=3599`. */
export function stateHeader(policy: RateLimitPolicy, remaining: number, resetSeconds: number): string {
  return `"${policy.name}";r=${Math.max(0, remaining)};t=${Math.max(0, Math.ceil(resetSeconds))}`;
}

/** The `RateLimit-Policy` and `RateLimit` header values for the limits that counted a request. */
export function rateLimitHeaders(outcomes: Array<{ policy: RateLimitPolicy; remaining: number; resetSeconds: number }>): Record<string, string> {
  return {
    'ratelimit-policy': outcomes.map(({ policy }) => policyHeader(policy)).join(', '),
    ratelimit: outcomes.map(({ policy, remaining, resetSeconds }) => stateHeader(policy, remaining, resetSeconds)).join(', '),
  };
}
