import { Foundation1764000000000 } from './1764000000000-foundation';
import { Catalog1764100000000 } from './1764100000000-catalog';
import { Bookings1764200000000 } from './1764200000000-bookings';
import { Payments1764300000000 } from './1764300000000-payments';
import { Notifications1764400000000 } from './1764400000000-notifications';
import { GeneratedColumnMetadata1764500000000 } from './1764500000000-generated-column-metadata';
import { SettledAttempts1764510000000 } from './1764510000000-settled-attempts';
import { BookingLifecycle1764600000000 } from './1764600000000-booking-lifecycle';
import { AccountEmails1764710000000 } from './1764710000000-account-emails';
import { Sessions1764720000000 } from './1764720000000-sessions';
import { AccountStatusAndAudit1764730000000 } from './1764730000000-account-status-and-audit';
import { CatalogAtScale1764740000000 } from './1764740000000-catalog-at-scale';
import { HistoryPaging1764750000000 } from './1764750000000-history-paging';
import { BookingHistoryAndInvites1764760000000 } from './1764760000000-booking-history-and-invites';
import { SlotHoldsAndBuffers1764770000000 } from './1764770000000-slot-holds-and-buffers';
import { RequestToBook1764780000000 } from './1764780000000-request-to-book';
import { TimedTransitions1764790000000 } from './1764790000000-timed-transitions';
import { AvailabilityV21764800000000 } from './1764800000000-availability-v2';
import { UsersPaging1764810000000 } from './1764810000000-users-paging';
import { EmailClaims1764820000000 } from './1764820000000-email-claims';

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
  AccountEmails1764710000000,
  Sessions1764720000000,
  AccountStatusAndAudit1764730000000,
  CatalogAtScale1764740000000,
  HistoryPaging1764750000000,
  BookingHistoryAndInvites1764760000000,
  SlotHoldsAndBuffers1764770000000,
  RequestToBook1764780000000,
  TimedTransitions1764790000000,
  AvailabilityV21764800000000,
  UsersPaging1764810000000,
  EmailClaims1764820000000,
];
