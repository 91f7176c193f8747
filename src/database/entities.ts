import { BookingEntity } from '../bookings/booking.entity';
import { BookingHistoryEntity } from '../bookings/history/booking-history.entity';
import { PaymentEntity } from '../payments/payment.entity';
import { RefundEntity } from '../payments/refund.entity';
import { RevokedTokenEntity } from '../auth/revoked-token.entity';
import { RefreshTokenEntity } from '../auth/sessions/refresh-token.entity';
import { SessionEntity } from '../auth/sessions/session.entity';
import { OutboxEmailEntity } from '../notifications/email/outbox-email.entity';
import { NotificationEntity } from '../notifications/notification.entity';
import { PasswordResetTokenEntity } from '../password-reset/password-reset-token.entity';
import { ServiceEntity } from '../services/service.entity';
import { AccountAuditEntity } from '../users/account-audit.entity';
import { EmailTokenEntity } from '../users/email-token.entity';
import { UserEntity } from '../users/user.entity';

/** Every entity, listed once for the app, the migration CLI and the tests. */
export const ENTITIES = [
  UserEntity,
  RevokedTokenEntity,
  PasswordResetTokenEntity,
  ServiceEntity,
  BookingEntity,
  BookingHistoryEntity,
  PaymentEntity,
  RefundEntity,
  NotificationEntity,
  OutboxEmailEntity,
  AccountAuditEntity,
  SessionEntity,
  RefreshTokenEntity,
  EmailTokenEntity,
];
