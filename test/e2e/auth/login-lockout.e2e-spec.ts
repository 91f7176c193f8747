import { randomInt } from 'node:crypto';
import { Role } from '../../../src/common/auth/role.enum';
import { createUser, TestUser, uniqueEmail } from '../../factories/user.factory';
import { waitForMail } from '../../helpers/mail';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

/** A client address no other test uses, sent through X-Forwarded-For to an app that trusts its loopback proxy. */
const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

interface Login {
  status: number;
  body: { access_token?: string; device_token?: string };
  headers: Record<string, string>;
}

/**
 * Strangers cannot lock the owner out: the login limits count failures only, and a client that signed in
 * before (its address, or the device token it was handed) is not refused for others' wrong guesses.
 */
describe('login limits against strangers', () => {
  let t: TestApp;
  const login = async (ip: string, body: Record<string, string>, deviceToken?: string): Promise<Login> => {
    const request = t.http.post('/auth/login').set('x-forwarded-for', ip);
    if (deviceToken) void request.set('x-device-token', deviceToken);
    return await request.send(body);
  };
  const as = (user: TestUser, password = user.password) => ({ email: user.email, password });

  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_ENABLED: 'true', TRUST_PROXY: 'loopback', LOGIN_RATE_LIMIT: '5/hour', LOGIN_ACCOUNT_RATE_LIMIT: '10/hour' });
  });
  afterAll(() => t.close());

  it('a household signing in from one address is not refused after five successes', async () => {
    const ip = randomIp();
    const users = [await createUser(t), await createUser(t)];
    for (let i = 0; i < 8; i++) expect((await login(ip, as(users[i % 2]))).status).toBe(200);
  });

  it('6 wrong attempts from one address in an hour: the 6th is 429, naming the "login" policy', async () => {
    const ip = randomIp();
    const user = await createUser(t);
    for (let i = 0; i < 5; i++) expect((await login(ip, as(user, 'Wrong123!'))).status).toBe(401);
    const refused = await login(ip, as(user, 'Wrong123!'));
    expect(refused.status).toBe(429);
    expect(refused.headers['ratelimit-policy']).toBe('"login";q=5;w=3600');
    expect(refused.headers['ratelimit']).toMatch(/^"login";r=0;t=\d+$/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('10 wrong passwords from two other addresses refuse new clients (429 "loginAccount", the owner is e-mailed a sign-in link), never the owner’s known ones', async () => {
    const owner = await createUser(t);
    const home = randomIp();
    const signedIn = await login(home, as(owner));
    expect(signedIn.status).toBe(200);
    const deviceToken = signedIn.body.device_token;
    expect(deviceToken).toEqual(expect.any(String));

    const [attackerA, attackerB] = [randomIp(), randomIp()];
    for (let i = 0; i < 5; i++) {
      expect((await login(attackerA, as(owner, `Guess-${i}-a`))).status).toBe(401);
      expect((await login(attackerB, as(owner, `Guess-${i}-b`))).status).toBe(401);
    }

    // A new client, even with the right password, waits for the window to end; the answer names the account policy.
    const newClient = await login(randomIp(), as(owner));
    expectProblem(newClient as never, 429, 'RATE_LIMITED');
    expect(newClient.headers['ratelimit-policy']).toBe('"loginAccount";q=10;w=3600');
    expect(newClient.headers['ratelimit']).toMatch(/^"loginAccount";r=0;t=\d+$/);
    expect(Number(newClient.headers['retry-after'])).toBeGreaterThan(0);

    // The owner's clients: the device token (header or body) from any address, and the address signed in from before.
    expect((await login(randomIp(), as(owner), deviceToken)).status).toBe(200);
    expect((await login(randomIp(), { ...as(owner), device_token: deviceToken as string })).status).toBe(200);
    expect((await login(home, as(owner))).status).toBe(200);
    // A device token is the account's own: another account's does not pass for it.
    const other = await createUser(t);
    const otherDevice = (await login(randomIp(), as(other))).body.device_token;
    expect((await login(randomIp(), as(owner), otherDevice)).status).toBe(429);

    // The owner got a one-time sign-in link that works from the new client, once.
    const [mail] = await waitForMail(t.mailDir, 'sign_in_link', owner.email);
    const token = /\/sign-in\?token=([A-Za-z0-9_.-]+)/.exec(mail.body)?.[1];
    expect(token).toEqual(expect.any(String));
    const viaLink = await t.http.post('/auth/sign-in-link').set('x-forwarded-for', randomIp()).send({ token }).expect(200);
    const body = viaLink.body as { access_token: string; device_token: string };
    expect(body.device_token).toEqual(expect.any(String));
    const me = await t.http
      .get('/users/me')
      .set({ Authorization: `Bearer ${body.access_token}` })
      .expect(200);
    expect(me.body).toMatchObject({ id: owner.id });
    expectProblem(await t.http.post('/auth/sign-in-link').send({ token }), 400, 'VALIDATION_FAILED');
    // The link's token is no access token.
    expectProblem(await t.http.get('/users/me').set({ Authorization: `Bearer ${token}` }), 401, 'UNAUTHORIZED');
  });

  it('failed guesses at an unknown e-mail count per address and per account like any other', async () => {
    const ip = randomIp();
    const email = uniqueEmail('nobody');
    for (let i = 0; i < 5; i++) expect((await login(ip, { email, password: 'Wrong123!' })).status).toBe(401);
    expect((await login(ip, { email, password: 'Wrong123!' })).status).toBe(429);
    // A real account is not involved.
    const user = await createUser(t, Role.PROVIDER);
    expect((await login(randomIp(), as(user))).status).toBe(200);
  });
});
