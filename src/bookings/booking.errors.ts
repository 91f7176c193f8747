import { ConflictError, UnprocessableError } from '../common/errors/domain.error';

/** A booking cannot be marked COMPLETED before its start. */
export class BookingNotStartedError extends UnprocessableError {
  constructor(startsAt: Date) {
    super('BOOKING_NOT_STARTED', `The booking starts at ${startsAt.toISOString()}: it can be completed only once it has started.`);
  }
}

/** A customer may move a booking only while cancelling it would still be refunded in full. */
export class RescheduleTooLateError extends UnprocessableError {
  constructor(minNoticeHours: number) {
    super('RESCHEDULE_TOO_LATE', `A booking can be rescheduled only at least ${minNoticeHours} hours before it starts; it can still be cancelled.`);
  }
}

/** Another request changed the booking's time first: the caller's view of it is stale. */
export class BookingChangedError extends ConflictError {
  constructor() {
    super('BOOKING_CHANGED', 'The booking was changed by another request meanwhile; read it again and retry.');
  }
}
