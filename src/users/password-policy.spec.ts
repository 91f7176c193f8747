import { passwordPolicyViolation } from './password-policy';

describe('password policy', () => {
  it.each(['Test123!', 'SecurePass123!', 'abcDEF12', 'abc def 12', 'ÄÖÜäöü12'])('accepts %p', (password) => {
    expect(passwordPolicyViolation(password)).toBeNull();
  });

  it('rejects short passwords', () => {
    expect(passwordPolicyViolation('abc')).toMatch(/at least 8 bytes/);
    expect(passwordPolicyViolation('Ab1!')).toMatch(/at least 8 bytes/);
  });

  it('counts bytes, not characters, against the 72-byte bcrypt limit', () => {
    expect(passwordPolicyViolation('Aa1!' + 'x'.repeat(68))).toBeNull();
    expect(passwordPolicyViolation('Aa1!' + 'x'.repeat(69))).toMatch(/at most 72 bytes/);
    // '€' is three bytes: 2 + 23 * 3 = 71 bytes fit, 2 + 24 * 3 = 74 do not.
    expect(passwordPolicyViolation('A1' + '€'.repeat(23))).toBeNull();
    expect(passwordPolicyViolation('A1' + '€'.repeat(24))).toMatch(/at most 72 bytes/);
  });

  it('requires three character classes', () => {
    expect(passwordPolicyViolation('abcdefgh')).toMatch(/three of/);
    expect(passwordPolicyViolation('abcdefg1')).toMatch(/three of/);
    expect(passwordPolicyViolation('ABCDEFG!')).toMatch(/three of/);
    expect(passwordPolicyViolation('abcdEFGH')).toMatch(/three of/);
  });

  it('rejects non-strings', () => {
    expect(passwordPolicyViolation(12345678)).toBe('must be a string');
    expect(passwordPolicyViolation(undefined)).toBe('must be a string');
  });
});
