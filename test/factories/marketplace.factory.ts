import { Role } from '../../src/common/auth/role.enum';
import type { ServiceResponse } from '../../src/services/dto/service.response';
import { TestApp } from '../helpers/test-app';
import { createService, ServiceBody } from './service.factory';
import { createUser, TestUser } from './user.factory';

/** A provider offering one service, and a customer to book it; each user carries its token and auth header. */
export interface Marketplace {
  provider: TestUser;
  customer: TestUser;
  service: ServiceResponse;
}

export interface MarketplaceOptions {
  /** Fields of the service's `POST /services/` body; its timezone is UTC unless this says otherwise. */
  service?: ServiceBody;
}

/** A fresh provider with one service and a fresh customer, so one test's slots never collide with another's. */
export async function createMarketplace(t: TestApp, options: MarketplaceOptions = {}): Promise<Marketplace> {
  const [provider, customer] = await Promise.all([createUser(t, Role.PROVIDER), createUser(t, Role.CUSTOMER)]);
  const service = await createService(t, provider, { timezone: 'UTC', ...options.service });
  return { provider, customer, service };
}
