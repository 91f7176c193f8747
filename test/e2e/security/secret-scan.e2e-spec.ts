import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../../src/common/auth/role.enum';
import { createUser } from '../../factories/user.factory';
import { resetTokenOf, waitForMail } from '../../helpers/mail';
import { Exchange, SecretScanner, secretScan } from '../../helpers/secret-scan';
import { createTestApp, TEST_JWT_SECRET, TestApp } from '../../helpers/test-app';

const token = (claims: object): string => `Bearer e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
const ALICE = { id: 'a11ce000-0000-4000-8000-000000000001', email: 'alice-scan@example.com' };
const BOB = { id: 'b0b00000-0000-4000-8000-000000000002', email: 'bob-scan@example.com' };
const RESET_TOKEN = randomBytes(32).toString('base64url');

function answer(body: unknown, overrides: Partial<Exchange> = {}): Exchange {
  return { method: 'GET', url: '/x', status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, text: JSON.stringify(body), ...overrides };
}

describe('the secret scan', () => {
  describe('SecretScanner', () => {
    let scanner: SecretScanner;

    beforeEach(() => {
      scanner = new SecretScanner();
      scanner.registerSecret(TEST_JWT_SECRET);
      scanner.registerUser(ALICE.id, ALICE.email);
      scanner.registerUser(BOB.id, BOB.email);
    });

    it.each([
      ['the JWT secret in a body', answer({ detail: `secret ${TEST_JWT_SECRET}` }), /a signing secret in the body/],
      ['the JWT secret in a header', answer({}, { headers: { 'x-debug': TEST_JWT_SECRET } }), /a signing secret in the x-debug header/],
      ['a bcrypt hash', answer({ passwordHash: '$2b$04$' + 'a'.repeat(53) }), /a bcrypt hash/],
      [
        "another user's e-mail to a customer",
        answer({ email: BOB.email }, { authorization: token({ sub: ALICE.id, role: Role.CUSTOMER }) }),
        /e-mail address of user b0b0/,
      ],
      ["a user's e-mail to an anonymous caller", answer({ owner: ALICE.email.toUpperCase() }), /e-mail address of user a11ce.* to an anonymous caller/],
    ])('records %s', (_, exchange, hit) => {
      scanner.inspect(exchange);
      expect(scanner.collect()).toEqual([expect.stringMatching(hit)]);
    });

    it.each([
      ['the caller’s own e-mail', answer({ email: ALICE.email }, { authorization: token({ sub: ALICE.id, role: Role.CUSTOMER }) })],
      ['any e-mail to an admin', answer({ email: BOB.email }, { authorization: token({ sub: ALICE.id, role: Role.ADMIN }) })],
      ['an e-mail the caller sent', answer({ detail: `no account ${BOB.email}` }, { requestBody: { email: BOB.email } })],
      ['an address nobody has', answer({ email: 'ada@example.com' })],
      ['an e-mail in a page that is not JSON', answer(BOB.email, { headers: { 'content-type': 'text/html' } })],
    ])('lets %s through', (_, exchange) => {
      scanner.inspect(exchange);
      expect(scanner.collect()).toEqual([]);
    });

    it('learns accounts from answers that describe one', () => {
      scanner.inspect(
        answer(
          { id: 'c0000000-0000-4000-8000-000000000003', email: 'carol-scan@example.com', role: Role.CUSTOMER },
          { requestBody: { email: 'carol-scan@example.com' } },
        ),
      );
      scanner.inspect(answer({ email: 'carol-scan@example.com' }, { authorization: token({ sub: ALICE.id, role: Role.PROVIDER }) }));
      expect(scanner.collect()).toEqual([expect.stringMatching(/e-mail address of user c0000000/)]);
    });

    it('takes the role an answer last gave an account over the one in its token', () => {
      const carol = { id: 'c0000000-0000-4000-8000-000000000003', email: 'carol-scan@example.com' };
      scanner.inspect(answer({ ...carol, role: Role.ADMIN }, { method: 'PUT', authorization: token({ sub: 'an-admin', role: Role.ADMIN }) }));
      scanner.inspect(answer({ email: BOB.email }, { authorization: token({ sub: carol.id, role: Role.CUSTOMER }) }));
      expect(scanner.collect()).toEqual([]);
      scanner.inspect(answer({ ...carol, role: Role.CUSTOMER }, { method: 'PUT', authorization: token({ sub: 'an-admin', role: Role.ADMIN }) }));
      scanner.inspect(answer({ email: BOB.email }, { authorization: token({ sub: carol.id, role: Role.ADMIN }) }));
      expect(scanner.collect()).toEqual([expect.stringMatching(/e-mail address of user b0b0.* to user c0000000/)]);
    });

    it('catches a reset token answered before, or after, its e-mail was read', () => {
      scanner.inspect(answer({ message: `token=${RESET_TOKEN}` }, { url: '/early' }));
      expect(scanner.collect()).toEqual([]);
      scanner.registerResetToken(RESET_TOKEN);
      scanner.inspect(answer({ token: RESET_TOKEN }, { url: '/late' }));
      expect(scanner.collect()).toEqual([
        expect.stringMatching(/\/early .*a password reset token/),
        expect.stringMatching(/\/late .*a password reset token in the body/),
      ]);
    });

    it('reads reset tokens from the password_reset e-mails of the mail directories it knows', () => {
      const dir = mkdtempSync(join(tmpdir(), 'scan-mail-'));
      writeFileSync(join(dir, 'password_reset_1.txt'), `To: ${ALICE.email}\n\nhttp://localhost:8000/reset-password?token=${RESET_TOKEN}\n`);
      scanner.registerMailDir(dir);
      scanner.inspect(answer({ debug: RESET_TOKEN }));
      expect(scanner.collect()).toEqual([expect.stringMatching(/a password reset token/)]);
    });
  });

  describe("the test app's agent", () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.close());
    afterEach(() => secretScan.clearHits());

    it('passes every answer, headers and body, to the scanner', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      // Stand-ins for secrets the app really answers with, to see them flow through the agent.
      const marker = `marker-${'x'.repeat(20)}`;
      secretScan.registerSecret(marker);
      await t.http.get('/health').set('X-Request-Id', marker).expect(200);
      secretScan.registerSecret(user.id);
      await t.http.get('/users/me').set(user.auth).expect(200);
      expect(secretScan.collect()).toEqual([
        'GET /health -> 200: a signing secret in the x-request-id header',
        'GET /users/me -> 200: a signing secret in the body',
      ]);
    });

    it('finds nothing in what the app really answers: sign-up, sign-in, profile, reset', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      const other = await createUser(t, Role.PROVIDER);
      await t.http.get(`/users/${other.id}`).set(user.auth).expect(403);
      await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
      const resetToken = resetTokenOf((await waitForMail(t.mailDir, 'password_reset', user.email))[0].body);
      await t.http.post('/password-reset/confirm').send({ token: resetToken, newPassword: 'Scan-Reset-1' }).expect(200);
      expect(secretScan.collect()).toEqual([]);
    });
  });
});
