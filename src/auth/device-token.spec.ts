import { DeviceTokens, DEVICE_TOKEN_TTL_SECONDS } from './device-token';

describe('DeviceTokens', () => {
  const tokens = new DeviceTokens('a-secret-long-enough-for-the-tests-0123456789');
  const account = '6f1c1b9e-0000-4000-8000-000000000001';

  it('accepts its own token for the account it was issued to, and names its nonce', () => {
    const token = tokens.issue(account);
    expect(tokens.verify(token, account)).toBe(token.split('.')[2]);
  });

  it('refuses another account, another secret, a changed token and an expired one', () => {
    const token = tokens.issue(account);
    expect(tokens.verify(token, '6f1c1b9e-0000-4000-8000-000000000002')).toBeNull();
    expect(new DeviceTokens('another-secret-long-enough-0123456789abcdef').verify(token, account)).toBeNull();
    const [id, issuedAt, nonce, signature] = token.split('.');
    expect(tokens.verify([id, Number(issuedAt) + 1, nonce, signature].join('.'), account)).toBeNull();
    expect(tokens.verify(token, account, Date.now() + (DEVICE_TOKEN_TTL_SECONDS + 60) * 1000)).toBeNull();
    expect(tokens.verify(undefined, account)).toBeNull();
    expect(tokens.verify('garbage', account)).toBeNull();
  });
});
