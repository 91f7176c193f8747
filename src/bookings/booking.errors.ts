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

/** A customer may keep only so many unexpired slot holds at once (MAX_ACTIVE_HOLDS_PER_CUSTOMER). */
export class TooManyHoldsError extends ConflictError {
  constructor(max: number) {
    super('TOO_MANY_HOLDS', `A customer can hold at most ${max} slots at once: book or release one first.`);
  }
}

/** The hold named by `holdId` has expired (or was released meanwhile): its time is no longer kept. */
export class HoldExpiredError extends ConflictError {
  constructor() {
    super('HOLD_EXPIRED', 'The slot hold has expired: hold the slot again, or book it without holdId.');
  }
}

/** The hold named by `holdId` keeps another service or another time than the booking asks for. */
export class HoldMismatchError extends UnprocessableError {
  constructor() {
    super('HOLD_MISMATCH', 'The slot hold is for another service or time than serviceId and scheduledAt.', [
      { field: 'holdId', message: 'holdId must hold the same service and scheduledAt' },
    ]);
  }
}

/** A booking request is answered only until it expires (BOOKING_REQUEST_EXPIRY_HOURS, or its start if sooner). */
export class RequestExpiredError extends ConflictError {
  constructor(expiredAt: Date) {
    super('REQUEST_EXPIRED', `The booking request expired at ${expiredAt.toISOString()}: it can no longer be accepted.`);
  }
}

/** An accept is capturing the request's payment: the request cannot be declined or cancelled meanwhile. */
export class RequestBeingAcceptedError extends ConflictError {
  constructor() {
    super('REQUEST_BEING_ACCEPTED', 'The provider is accepting this request right now; read the booking again in a moment.');
  }
}
