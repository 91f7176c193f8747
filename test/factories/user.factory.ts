import { randomUUID } from 'node:crypto';
import { Role } from '../../src/common/auth/role.enum';
import { UsersService } from '../../src/users/users.service';
import { secretScan } from '../helpers/secret-scan';
import { TestApp } from '../helpers/test-app';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  token: string;
  auth: { Authorization: string };
}

export const uniqueEmail = (prefix = 'user'): string => `${prefix}-${randomUUID().slice(0, 12)}@example.com`;

export async function login(t: TestApp, email: string, password: string): Promise<string> {
  const response = await t.http.post('/auth/login').send({ email, password }).expect(200);
  return (response.body as { access_token: string }).access_token;
}

/** Registers a customer or provider through the API (an admin through the service, as `create-admin` does) and logs in. */
export async function createUser(t: TestApp, role: Role = Role.CUSTOMER, overrides: { email?: string; password?: string } = {}): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail(role.toLowerCase());
  const password = overrides.password ?? 'Test123!';
  let id: string;
  if (role === Role.ADMIN) {
    id = (await t.app.get(UsersService).createOrPromoteAdmin(email, password)).user.id;
  } else {
    const response = await t.http
      .post('/users/')
      .send({ email, password, role, profile: { firstName: 'Test', lastName: role } })
      .expect(201);
    id = (response.body as { id: string }).id;
  }
  secretScan.registerUser(id, email, role);
  const token = await login(t, email, password);
  return { id, email, password, role, token, auth: { Authorization: `Bearer ${token}` } };
}
