import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../../src/common/auth/role.enum';
import { AccountAdministration } from '../../../src/users/account-administration.service';
import { createUser, TestUser } from '../../factories/user.factory';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

type Line = Record<string, unknown> & { level: number; log?: string; event?: string };

const ERROR_LEVEL = 50;

/**
 * LOG_DIR: the service also writes app.log, access.log, error.log and security.log there, each with only its
 * own lines, while stdout keeps everything.
 */
describe('log files in LOG_DIR', () => {
  let dir: string;
  let t: TestApp;
  let admin: TestUser;
  let customer: TestUser;
  let requestIds: { failedLogin: string; suspension: string; boom: string };
  const files: Record<string, Line[]> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'marketplace-logs-'));
    t = await createTestApp({ LOG_DIR: dir, LOG_LEVEL: 'info', LOG_FORMAT: 'json' });
    admin = await createUser(t, Role.ADMIN);
    customer = await createUser(t, Role.CUSTOMER);

    await t.http.get('/services/').expect(200);
    const failed = await t.http.post('/auth/login').send({ email: customer.email, password: 'Wr0ng!Guess' });
    expectProblem(failed, 401, 'INVALID_CREDENTIALS');
    const suspension = await t.http.put(`/users/${customer.id}`).set(admin.auth).send({ status: 'SUSPENDED' }).expect(200);
    // An unexpected failure: the listing's service throws what no handler knows.
    const list = jest.spyOn(t.app.get(AccountAdministration), 'list').mockRejectedValueOnce(new Error('boom: an unexpected failure'));
    const boom = await t.http.get('/users').set(admin.auth);
    list.mockRestore();
    expectProblem(boom, 500);
    requestIds = {
      failedLogin: String(failed.headers['x-request-id']),
      suspension: String(suspension.headers['x-request-id']),
      boom: String(boom.headers['x-request-id']),
    };

    await t.close(); // flushes and closes the files
    for (const name of ['app.log', 'access.log', 'error.log', 'security.log']) {
      const text = readFileSync(join(dir, name), 'utf8');
      files[name] = text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Line);
    }
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the four files and nothing else', () => {
    expect(readdirSync(dir).sort()).toEqual(['access.log', 'app.log', 'error.log', 'security.log']);
  });

  it('access.log: one line per request, and only those', () => {
    const access = files['access.log'];
    expect(access.every((line) => line.log === 'access' && typeof line.responseTime === 'number')).toBe(true);
    const byRequest = new Map(access.map((line) => [line.requestId, line]));
    expect(byRequest.get(requestIds.failedLogin)).toMatchObject({ msg: expect.stringMatching(/^POST \/auth\/login 401\b/), res: { statusCode: 401 } });
    expect(byRequest.get(requestIds.suspension)?.msg).toMatch(/^PUT \/users\/[0-9a-f-]+ 200\b/);
    expect(byRequest.get(requestIds.boom)?.msg).toMatch(/^GET \/users 500\b/);
    expect(access.some((line) => line.msg?.toString().startsWith('GET /services/ 200'))).toBe(true);
  });

  it('app.log: everything but the request lines (the security events and the error included)', () => {
    const app = files['app.log'];
    expect(app.some((line) => line.log === 'access')).toBe(false);
    expect(app.some((line) => line.log === 'security' && line.event === 'status.changed')).toBe(true);
    expect(app.some((line) => line.requestId === requestIds.boom && line.level >= ERROR_LEVEL)).toBe(true);
  });

  it('error.log: only errors, with the request id of the request that failed', () => {
    const errors = files['error.log'];
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((line) => line.level >= ERROR_LEVEL)).toBe(true);
    expect(errors.find((line) => line.log !== 'access')).toMatchObject({ requestId: requestIds.boom, msg: 'Unhandled error' });
  });

  it('security.log: only security events, each with its event, account, client address and request id', () => {
    const security = files['security.log'];
    expect(security.every((line) => line.log === 'security' && typeof line.event === 'string')).toBe(true);
    const mine = security.filter((line) => line.requestId === requestIds.suspension);
    expect(mine.map((line) => line.event).sort()).toEqual(['admin.action', 'status.changed']);
    for (const line of mine) {
      expect(line).toMatchObject({ userId: customer.id, actorId: admin.id, ip: expect.any(String), requestId: requestIds.suspension });
    }
    expect(mine.find((line) => line.event === 'status.changed')?.detail).toBe('ACTIVE -> SUSPENDED');
  });

  it('no file holds a secret: no password, token or hash', () => {
    const everything = Object.values(files)
      .flat()
      .map((line) => JSON.stringify(line))
      .join('\n');
    expect(everything).not.toContain('Wr0ng!Guess');
    expect(everything).not.toContain(customer.password);
    expect(everything).not.toContain(admin.token);
    expect(everything).not.toMatch(/\$2[aby]\$\d\d\$/);
  });
});
