import { Foundation1764000000000 } from './1764000000000-foundation';
import { Catalog1764100000000 } from './1764100000000-catalog';
import { Bookings1764200000000 } from './1764200000000-bookings';
import { Payments1764300000000 } from './1764300000000-payments';
import { Notifications1764400000000 } from './1764400000000-notifications';
import { GeneratedColumnMetadata1764500000000 } from './1764500000000-generated-column-metadata';
import { SettledAttempts1764510000000 } from './1764510000000-settled-attempts';
import { BookingLifecycle1764600000000 } from './1764600000000-booking-lifecycle';
import { CatalogAtScale1764740000000 } from './1764740000000-catalog-at-scale';

/** Every migration, in order. A new migration file is added here too, so app, CLI and tests agree. */
export const MIGRATIONS = [
  Foundation1764000000000,
  Catalog1764100000000,
  Bookings1764200000000,
  Payments1764300000000,
  Notifications1764400000000,
  GeneratedColumnMetadata1764500000000,
  SettledAttempts1764510000000,
  BookingLifecycle1764600000000,
  CatalogAtScale1764740000000,
];
