import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { DomainError, ForbiddenError, NotFoundError } from '../common/errors/domain.error';
import { BookingStatus } from './booking.entity';
import { BookingNotStartedError, RequestExpiredError, RescheduleTooLateError } from './booking.errors';
import { InvalidTransitionError, sourcesOf } from './booking-state-machine';
import { BOOKING_ACTIONS, BookingAction } from './dto/booking.response';

/** How the caller stands to a booking: its customer, its provider, or an admin. Anyone else is a stranger. */
export type BookingParty = 'customer' | 'provider' | 'admin';

/** What can be done to a booking: the advertised actions, and refunding its payment. */
export type BookingPolicyAction = BookingAction | 'refund';

/** What the policy looks at in a booking: its status and when it starts. */
export interface PolicySubject {
  status: BookingStatus;
  scheduledAt: Date;
  /** Set for a booking request (a service with instantBooking false): when its answer is due. */
  requestExpiresAt?: Date | null;
}

/** The moment a request is judged at, and the time limits that depend on the configuration. */
export interface PolicyClock {
  now: Date;
  /** A customer may reschedule only at least this many hours before the start (RESCHEDULE_MIN_NOTICE_HOURS). */
  rescheduleMinNoticeHours: number;
}

const HOUR_MS = 3_600_000;

interface Rule {
  by: readonly BookingParty[];
  /** The statuses the action applies to; `null` when the booking's status does not decide (the payment's does). */
  when: readonly BookingStatus[] | null;
  /** The status a refused move is reported as heading to (409 INVALID_TRANSITION from -> to); the booking's own status when absent. */
  to?: BookingStatus;
  forbidden: string;
  /** Only for booking requests (accept, decline): to an instant booking the action does not apply (409). */
  requestsOnly?: boolean;
  /** A rule of time, checked after the party and the status: the 422 refusing the action now, or null when it may go ahead. */
  timing?: (party: BookingParty, booking: PolicySubject, clock: PolicyClock) => DomainError | null;
}

/**
 * Who may do what to a booking, and when: the one table that both refuses a request (403, then 409) and
 * produces the `allowedActions` of a response. The statuses of a move come from the state machine.
 */
const POLICY: Record<BookingPolicyAction, Rule> = {
  cancel: {
    by: ['customer', 'provider', 'admin'],
    when: sourcesOf(BookingStatus.CANCELLED),
    to: BookingStatus.CANCELLED,
    forbidden: 'You cannot cancel this booking.',
  },
  reschedule: {
    by: ['customer', 'admin'],
    when: [BookingStatus.CONFIRMED],
    to: BookingStatus.CONFIRMED,
    forbidden: 'Only the customer or an admin can reschedule.',
    // Moving a booking must not dodge the late-cancellation policy: a customer moves it only while a full refund is still due.
    timing: (party, booking, { now, rescheduleMinNoticeHours }) =>
      party === 'customer' && booking.scheduledAt.getTime() - now.getTime() < rescheduleMinNoticeHours * HOUR_MS
        ? new RescheduleTooLateError(rescheduleMinNoticeHours)
        : null,
  },
  complete: {
    by: ['provider', 'admin'],
    when: sourcesOf(BookingStatus.COMPLETED),
    to: BookingStatus.COMPLETED,
    forbidden: 'Only the provider or an admin can mark a booking completed.',
    timing: (_party, booking, { now }) => (booking.scheduledAt.getTime() > now.getTime() ? new BookingNotStartedError(booking.scheduledAt) : null),
  },
  edit_notes: {
    by: ['customer', 'admin'],
    when: [BookingStatus.PENDING, BookingStatus.CONFIRMED],
    forbidden: 'Only the customer or an admin can edit the notes.',
  },
  // A request (PENDING, its funds held) is answered by the provider: accepting captures, declining (also
  // DELETE) voids. Its customer withdraws it with a cancel. An instant booking's PENDING is its checkout.
  accept: {
    by: ['provider', 'admin'],
    when: sourcesOf(BookingStatus.CONFIRMED),
    to: BookingStatus.CONFIRMED,
    requestsOnly: true,
    forbidden: 'Only the provider or an admin can accept a booking request.',
    timing: (_party, booking, { now }) =>
      booking.requestExpiresAt && booking.requestExpiresAt.getTime() <= now.getTime() ? new RequestExpiredError(booking.requestExpiresAt) : null,
  },
  decline: {
    by: ['provider', 'admin'],
    when: [BookingStatus.PENDING],
    to: BookingStatus.CANCELLED,
    requestsOnly: true,
    forbidden: 'Only the provider or an admin can decline a booking request.',
  },
  refund: { by: ['provider', 'admin'], when: null, forbidden: 'Only the provider or an admin can refund a payment.' },
};

/** The caller's standing towards a booking (or its payment: the same two parties), or null for a stranger. */
export function partyOf(caller: AuthUser, booking: { customerId: string; providerId: string }): BookingParty | null {
  if (caller.role === Role.ADMIN) return 'admin';
  if (booking.customerId === caller.id) return 'customer';
  if (booking.providerId === caller.id) return 'provider';
  return null;
}

/** The caller's standing; to a stranger the booking (or payment) does not exist: 404 `what`. */
export function assertParty(caller: AuthUser, booking: { customerId: string; providerId: string }, what: string): BookingParty {
  const party = partyOf(caller, booking);
  if (!party) throw new NotFoundError(what);
  return party;
}

/** Whether `party` may ever take `action` (whatever the status): else 403 with the rule's message. */
export function assertMay(party: BookingParty, action: BookingPolicyAction): void {
  if (!POLICY[action].by.includes(party)) throw new ForbiddenError(POLICY[action].forbidden);
}

/** Whether `action` applies to the booking (its status, and whether it is a request): else 409 INVALID_TRANSITION. */
export function assertApplies(action: BookingPolicyAction, booking: PolicySubject): void {
  if (!applies(action, booking)) throw new InvalidTransitionError(booking.status, POLICY[action].to ?? booking.status);
}

function applies(action: BookingPolicyAction, booking: PolicySubject): boolean {
  const { when, requestsOnly } = POLICY[action];
  return (!when || when.includes(booking.status)) && (!requestsOnly || Boolean(booking.requestExpiresAt));
}

/** Whether `action` may be taken now: else the rule's 422 (e.g. BOOKING_NOT_STARTED, RESCHEDULE_TOO_LATE). */
export function assertInTime(party: BookingParty, action: BookingPolicyAction, booking: PolicySubject, clock: PolicyClock): void {
  const refusal = POLICY[action].timing?.(party, booking, clock);
  if (refusal) throw refusal;
}

/** Every check, in the order a request meets them: who (403), then the status (409), then the time (422). */
export function assertAllowed(party: BookingParty, action: BookingPolicyAction, booking: PolicySubject, clock: PolicyClock): void {
  assertMay(party, action);
  assertApplies(action, booking);
  assertInTime(party, action, booking, clock);
}

export function isAllowed(party: BookingParty, action: BookingPolicyAction, booking: PolicySubject, clock: PolicyClock): boolean {
  const { by, timing } = POLICY[action];
  return by.includes(party) && applies(action, booking) && !timing?.(party, booking, clock);
}

/** What `party` may do with `booking` now, as GET /bookings/{id} advertises it. */
export function allowedActions(party: BookingParty, booking: PolicySubject, clock: PolicyClock): BookingAction[] {
  return BOOKING_ACTIONS.filter((action) => isAllowed(party, action, booking, clock));
}

/** Who a cancellation is reported as made by, in its event and e-mails. */
export function cancellerOf(party: BookingParty): 'CUSTOMER' | 'PROVIDER' | 'ADMIN' {
  return party === 'admin' ? 'ADMIN' : party === 'provider' ? 'PROVIDER' : 'CUSTOMER';
}
