import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { ForbiddenError, NotFoundError } from '../common/errors/domain.error';
import { BookingStatus } from './booking.entity';
import { allowedActions, assertAllowed, assertMay, assertParty, BookingParty, cancellerOf, isAllowed, partyOf } from './booking-policy';
import { InvalidTransitionError } from './booking-state-machine';

const { PENDING, CONFIRMED, COMPLETED, CANCELLED } = BookingStatus;
const booking = { customerId: 'customer-1', providerId: 'provider-1' };
const user = (id: string, role: Role): AuthUser => ({ id, role }) as AuthUser;

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
    it.each<[BookingParty, BookingStatus, string[]]>([
      ['customer', PENDING, ['cancel', 'edit_notes']],
      ['customer', CONFIRMED, ['cancel', 'reschedule', 'edit_notes']],
      ['provider', PENDING, ['cancel']],
      ['provider', CONFIRMED, ['cancel', 'complete']],
      ['admin', PENDING, ['cancel', 'edit_notes']],
      ['admin', CONFIRMED, ['cancel', 'reschedule', 'complete', 'edit_notes']],
      ['customer', COMPLETED, []],
      ['provider', COMPLETED, []],
      ['admin', CANCELLED, []],
    ])('%s, %s booking: %j', (party, status, expected) => {
      expect(allowedActions(party, status)).toEqual(expected);
    });
  });

  describe('enforcement agrees with what is advertised', () => {
    const parties: BookingParty[] = ['customer', 'provider', 'admin'];
    const actions = ['cancel', 'reschedule', 'complete', 'edit_notes'] as const;
    for (const party of parties) {
      for (const status of Object.values(BookingStatus)) {
        for (const action of actions) {
          it(`${party} ${action} on ${status}`, () => {
            const advertised = allowedActions(party, status).includes(action);
            if (advertised) expect(() => assertAllowed(party, action, status)).not.toThrow();
            else expect(() => assertAllowed(party, action, status)).toThrow();
          });
        }
      }
    }
  });

  describe('assertAllowed', () => {
    it('refuses the wrong party with 403 before it looks at the status', () => {
      expect(() => assertAllowed('customer', 'complete', COMPLETED)).toThrow(ForbiddenError);
      expect(() => assertAllowed('provider', 'reschedule', CANCELLED)).toThrow(new ForbiddenError('Only the customer or an admin can reschedule.'));
      expect(() => assertAllowed('provider', 'edit_notes', CONFIRMED)).toThrow(new ForbiddenError('Only the customer or an admin can edit the notes.'));
      expect(() => assertAllowed('customer', 'complete', CONFIRMED)).toThrow(new ForbiddenError('Only the provider or an admin can mark a booking completed.'));
    });

    it('refuses a move the status does not allow with 409 INVALID_TRANSITION, naming where it was heading', () => {
      expect(() => assertAllowed('customer', 'cancel', COMPLETED)).toThrow(new InvalidTransitionError(COMPLETED, CANCELLED));
      expect(() => assertAllowed('provider', 'complete', PENDING)).toThrow(new InvalidTransitionError(PENDING, COMPLETED));
      expect(() => assertAllowed('admin', 'reschedule', PENDING)).toThrow(new InvalidTransitionError(PENDING, CONFIRMED));
      expect(() => assertAllowed('customer', 'edit_notes', CANCELLED)).toThrow(new InvalidTransitionError(CANCELLED, CANCELLED));
    });
  });

  describe('refund', () => {
    it('is for the provider or an admin, whatever the booking status (the payment decides)', () => {
      expect(() => assertMay('provider', 'refund')).not.toThrow();
      expect(() => assertMay('admin', 'refund')).not.toThrow();
      expect(() => assertMay('customer', 'refund')).toThrow(new ForbiddenError('Only the provider or an admin can refund a payment.'));
      expect(isAllowed('provider', 'refund', COMPLETED)).toBe(true);
      expect(isAllowed('customer', 'refund', CONFIRMED)).toBe(false);
    });

    it('is never advertised among a booking’s actions', () => {
      expect(allowedActions('admin', CONFIRMED)).not.toContain('refund');
    });
  });

  it('reports who cancelled as the event carries it', () => {
    expect(cancellerOf('customer')).toBe('CUSTOMER');
    expect(cancellerOf('provider')).toBe('PROVIDER');
    expect(cancellerOf('admin')).toBe('ADMIN');
  });
});
