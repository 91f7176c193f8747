import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { ForbiddenError, NotFoundError } from '../common/errors/domain.error';
import { BookingStatus } from './booking.entity';
import { BookingNotStartedError, RescheduleTooLateError } from './booking.errors';
import { allowedActions, assertAllowed, assertMay, assertParty, BookingParty, cancellerOf, isAllowed, partyOf, PolicyClock } from './booking-policy';
import { InvalidTransitionError } from './booking-state-machine';

const { PENDING, CONFIRMED, COMPLETED, CANCELLED } = BookingStatus;
const booking = { customerId: 'customer-1', providerId: 'provider-1' };
const user = (id: string, role: Role): AuthUser => ({ id, role }) as AuthUser;
const NOW = new Date('2027-03-01T12:00:00Z');
const clock: PolicyClock = { now: NOW, rescheduleMinNoticeHours: 24 };
const hoursFromNow = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);
/** Starts in two days: before the reschedule limit, not yet started. */
const ahead = (status: BookingStatus) => ({ status, scheduledAt: hoursFromNow(48) });
/** Starts in three hours: inside the reschedule limit, not yet started. */
const soon = (status: BookingStatus) => ({ status, scheduledAt: hoursFromNow(3) });
/** Started an hour ago. */
const started = (status: BookingStatus) => ({ status, scheduledAt: hoursFromNow(-1) });

describe('booking policy', () => {
  describe('partyOf / assertParty', () => {
    it('names the customer, the provider and any admin', () => {
      expect(partyOf(user('customer-1', Role.CUSTOMER), booking)).toBe('customer');
      expect(partyOf(user('provider-1', Role.PROVIDER), booking)).toBe('provider');
      expect(partyOf(user('admin-1', Role.ADMIN), booking)).toBe('admin');
    });

    it('knows no one else: to a stranger the booking does not exist (404)', () => {
      expect(partyOf(user('customer-2', Role.CUSTOMER), booking)).toBeNull();
      expect(partyOf(user('provider-2', Role.PROVIDER), booking)).toBeNull();
      expect(() => assertParty(user('provider-2', Role.PROVIDER), booking, 'Booking')).toThrow(NotFoundError);
      expect(assertParty(user('customer-1', Role.CUSTOMER), booking, 'Booking')).toBe('customer');
    });
  });

  describe('allowedActions', () => {
    it.each<[BookingParty, { status: BookingStatus; scheduledAt: Date }, string[]]>([
      ['customer', ahead(PENDING), ['cancel', 'edit_notes']],
      ['customer', ahead(CONFIRMED), ['cancel', 'reschedule', 'edit_notes']],
      ['customer', soon(CONFIRMED), ['cancel', 'edit_notes']],
      ['provider', ahead(PENDING), ['cancel']],
      ['provider', ahead(CONFIRMED), ['cancel']],
      ['provider', started(CONFIRMED), ['cancel', 'complete']],
      ['admin', ahead(PENDING), ['cancel', 'edit_notes']],
      ['admin', ahead(CONFIRMED), ['cancel', 'reschedule', 'edit_notes']],
      ['admin', soon(CONFIRMED), ['cancel', 'reschedule', 'edit_notes']],
      ['admin', started(CONFIRMED), ['cancel', 'reschedule', 'complete', 'edit_notes']],
      ['customer', started(COMPLETED), []],
      ['provider', started(COMPLETED), []],
      ['admin', ahead(CANCELLED), []],
    ])('%s, %j: %j', (party, booking, expected) => {
      expect(allowedActions(party, booking, clock)).toEqual(expected);
    });
  });

  describe('enforcement agrees with what is advertised', () => {
    const parties: BookingParty[] = ['customer', 'provider', 'admin'];
    const actions = ['cancel', 'reschedule', 'complete', 'edit_notes'] as const;
    for (const party of parties) {
      for (const status of Object.values(BookingStatus)) {
        for (const [when, at] of [
          ['ahead', ahead],
          ['soon', soon],
          ['started', started],
        ] as const) {
          for (const action of actions) {
            it(`${party} ${action} on ${status}, ${when}`, () => {
              const booking = at(status);
              const advertised = allowedActions(party, booking, clock).includes(action);
              if (advertised) expect(() => assertAllowed(party, action, booking, clock)).not.toThrow();
              else expect(() => assertAllowed(party, action, booking, clock)).toThrow();
            });
          }
        }
      }
    }
  });

  describe('assertAllowed', () => {
    it('refuses the wrong party with 403 before it looks at the status', () => {
      expect(() => assertAllowed('customer', 'complete', ahead(COMPLETED), clock)).toThrow(ForbiddenError);
      expect(() => assertAllowed('provider', 'reschedule', ahead(CANCELLED), clock)).toThrow(
        new ForbiddenError('Only the customer or an admin can reschedule.'),
      );
      expect(() => assertAllowed('provider', 'edit_notes', ahead(CONFIRMED), clock)).toThrow(
        new ForbiddenError('Only the customer or an admin can edit the notes.'),
      );
      expect(() => assertAllowed('customer', 'complete', ahead(CONFIRMED), clock)).toThrow(
        new ForbiddenError('Only the provider or an admin can mark a booking completed.'),
      );
    });

    it('refuses a move the status does not allow with 409 INVALID_TRANSITION, naming where it was heading', () => {
      expect(() => assertAllowed('customer', 'cancel', ahead(COMPLETED), clock)).toThrow(new InvalidTransitionError(COMPLETED, CANCELLED));
      expect(() => assertAllowed('provider', 'complete', started(PENDING), clock)).toThrow(new InvalidTransitionError(PENDING, COMPLETED));
      expect(() => assertAllowed('admin', 'reschedule', ahead(PENDING), clock)).toThrow(new InvalidTransitionError(PENDING, CONFIRMED));
      expect(() => assertAllowed('customer', 'edit_notes', ahead(CANCELLED), clock)).toThrow(new InvalidTransitionError(CANCELLED, CANCELLED));
    });
  });

  describe('time rules (422, after the party and the status)', () => {
    it('completes a booking only once it has started (BOOKING_NOT_STARTED), for the provider and an admin alike', () => {
      for (const party of ['provider', 'admin'] as const) {
        expect(() => assertAllowed(party, 'complete', ahead(CONFIRMED), clock)).toThrow(BookingNotStartedError);
        expect(() => assertAllowed(party, 'complete', { status: CONFIRMED, scheduledAt: NOW }, clock)).not.toThrow();
        expect(() => assertAllowed(party, 'complete', started(CONFIRMED), clock)).not.toThrow();
      }
      expect(() => assertAllowed('provider', 'complete', ahead(CONFIRMED), clock)).toThrow(
        expect.objectContaining({ status: 422, code: 'BOOKING_NOT_STARTED' }),
      );
    });

    it('lets a customer reschedule only while a full refund is still due (RESCHEDULE_TOO_LATE); an admin at any time', () => {
      expect(() => assertAllowed('customer', 'reschedule', { status: CONFIRMED, scheduledAt: hoursFromNow(24) }, clock)).not.toThrow();
      expect(() => assertAllowed('customer', 'reschedule', { status: CONFIRMED, scheduledAt: hoursFromNow(23.9) }, clock)).toThrow(RescheduleTooLateError);
      expect(() => assertAllowed('customer', 'reschedule', soon(CONFIRMED), clock)).toThrow(
        expect.objectContaining({ status: 422, code: 'RESCHEDULE_TOO_LATE' }),
      );
      expect(() => assertAllowed('customer', 'reschedule', soon(CONFIRMED), { ...clock, rescheduleMinNoticeHours: 2 })).not.toThrow();
      expect(() => assertAllowed('admin', 'reschedule', soon(CONFIRMED), clock)).not.toThrow();
    });

    it('checks who and the status first: a stranger to the action gets 403, a finished booking 409', () => {
      expect(() => assertAllowed('customer', 'complete', ahead(CONFIRMED), clock)).toThrow(ForbiddenError);
      expect(() => assertAllowed('customer', 'reschedule', soon(CANCELLED), clock)).toThrow(InvalidTransitionError);
    });
  });

  describe('refund', () => {
    it('is for the provider or an admin, whatever the booking status (the payment decides)', () => {
      expect(() => assertMay('provider', 'refund')).not.toThrow();
      expect(() => assertMay('admin', 'refund')).not.toThrow();
      expect(() => assertMay('customer', 'refund')).toThrow(new ForbiddenError('Only the provider or an admin can refund a payment.'));
      expect(isAllowed('provider', 'refund', ahead(COMPLETED), clock)).toBe(true);
      expect(isAllowed('customer', 'refund', ahead(CONFIRMED), clock)).toBe(false);
    });

    it('is never advertised among a booking’s actions', () => {
      expect(allowedActions('admin', ahead(CONFIRMED), clock)).not.toContain('refund');
    });
  });

  it('reports who cancelled as the event carries it', () => {
    expect(cancellerOf('customer')).toBe('CUSTOMER');
    expect(cancellerOf('provider')).toBe('PROVIDER');
    expect(cancellerOf('admin')).toBe('ADMIN');
  });
});
