/** What a notification is about; clients switch on these strings, so they never change. */
export enum NotificationType {
  BOOKING_CREATED = 'booking_created',
  BOOKING_RESCHEDULED = 'booking_rescheduled',
  BOOKING_COMPLETED = 'booking_completed',
  BOOKING_CANCELLED = 'booking_cancelled',
  /** A CONFIRMED booking starts in BOOKING_REMINDER_HOURS (to both parties, once per booking and start time). */
  BOOKING_REMINDER = 'booking_reminder',
  PAYMENT_RECEIVED = 'payment_received',
  PAYMENT_FAILED = 'payment_failed',
  PAYMENT_REFUNDED = 'payment_refunded',
  PASSWORD_CHANGED = 'password_changed',
  BOOKING_REQUESTED = 'booking_requested',
  BOOKING_DECLINED = 'booking_declined',
  BOOKING_EXPIRED = 'booking_expired',
}
