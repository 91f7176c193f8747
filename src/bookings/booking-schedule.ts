import { Role } from '../common/auth/role.enum';
import { UnprocessableError } from '../common/errors/domain.error';
import { fitsInWindow } from '../services/availability/slot-generator';
import { ServiceEntity } from '../services/service.entity';
import { BookingStatus } from './booking.entity';
import { BookingAction } from './dto/booking.response';

/** The checks a start time must pass, for a new booking and a reschedule alike (422 with a stable code). */
export function assertBookableTime(service: ServiceEntity, start: Date, earliestStart: Date): Date {
  if (Number.isNaN(start.getTime())) {
    throw new UnprocessableError('INVALID_TIME', 'scheduledAt is not a valid instant.', [{ field: 'scheduledAt', message: 'scheduledAt is not a valid instant' }]);
  }
  if (start.getTime() <= Date.now()) {
    throw new UnprocessableError('BOOKING_IN_PAST', 'scheduledAt must be in the future.', [{ field: 'scheduledAt', message: 'scheduledAt must be in the future' }]);
  }
  if (start < earliestStart) {
    throw new UnprocessableError('BOOKING_NOTICE_TOO_SHORT', `Bookings must start at or after ${earliestStart.toISOString()}.`, [
      { field: 'scheduledAt', message: 'scheduledAt is too soon' },
    ]);
  }
  if (!fitsInWindow(service.availability, service.timezone, start, service.durationMinutes)) {
    throw new UnprocessableError('OUTSIDE_AVAILABILITY', `The booking must lie inside one of the service's availability windows (${service.timezone}).`, [
      { field: 'scheduledAt', message: 'scheduledAt is outside the availability windows' },
    ]);
  }
  return new Date(start.getTime() + service.durationMinutes * 60_000);
}

/** What the caller may do with a booking in its current state. */
export function allowedActionsFor(role: Role, status: BookingStatus, isCustomer: boolean, isProvider: boolean): BookingAction[] {
  const open = status === BookingStatus.PENDING || status === BookingStatus.CONFIRMED;
  const confirmed = status === BookingStatus.CONFIRMED;
  const actions: BookingAction[] = [];
  const admin = role === Role.ADMIN;
  if (open && (admin || isCustomer || isProvider)) actions.push('cancel');
  if (confirmed && (admin || isCustomer)) actions.push('reschedule');
  if (confirmed && (admin || isProvider)) actions.push('complete');
  if (open && (admin || isCustomer)) actions.push('edit_notes');
  return actions;
}
