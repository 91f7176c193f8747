import { Role } from '../../common/auth/role.enum';

export interface SampleAccount {
  email: string;
  password: string;
  role: Role;
  firstName: string;
  lastName: string;
}

/** The sample logins seeded on first start and printed at boot (development data: change them in production). */
export const SAMPLE_ACCOUNTS: SampleAccount[] = [
  { email: 'admin@example.com', password: 'Admin123!', role: Role.ADMIN, firstName: 'Alex', lastName: 'Admin' },
  { email: 'provider1@example.com', password: 'Provider123!', role: Role.PROVIDER, firstName: 'Paula', lastName: 'Plumber' },
  { email: 'provider2@example.com', password: 'Provider123!', role: Role.PROVIDER, firstName: 'Tom', lastName: 'Tutor' },
  { email: 'customer1@example.com', password: 'Customer123!', role: Role.CUSTOMER, firstName: 'Carla', lastName: 'Customer' },
  { email: 'customer2@example.com', password: 'Customer123!', role: Role.CUSTOMER, firstName: 'Chris', lastName: 'Client' },
  { email: 'customer3@example.com', password: 'Customer123!', role: Role.CUSTOMER, firstName: 'Casey', lastName: 'Buyer' },
];
