import { Role } from '../../../src/common/auth/role.enum';
import { createUser } from '../../factories/user.factory';
import { createTestApp, TestApp } from '../../helpers/test-app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('registers, logs in and reads /users/me', async () => {
    const user = await createUser(t, Role.CUSTOMER);
    const me = await t.http.get('/users/me').set(user.auth).expect(200);
    expect(me.body).toMatchObject({ id: user.id, email: user.email, role: 'CUSTOMER' });
  });
});
