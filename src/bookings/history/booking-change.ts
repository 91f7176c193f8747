import { AuthUser } from '../../common/auth/auth-user';
import { Role } from '../../common/auth/role.enum';
import { ClientContext } from '../../common/decorators/client-context.decorator';

/** What a history row says happened. New kinds of change (holds, requests, expiries) add their name here. */
export type HistoryAction =
  | 'created'
  | 'confirmed'
  | 'rescheduled'
  | 'completed'
  | 'cancelled'
  | 'refunded'
  | 'notes_updated'
  /** A booking request: the provider accepted it (captured), declined it, or nobody answered in time (voided). */
  | 'accepted'
  | 'declined'
  | 'expired';

/** Who made a change: a signed-in user, or the system (the reconciler, timed transitions). */
export type ChangeActor = { id: string; role: Role } | 'system';

/**
 * Who made a change, in answer to which request, and why: every write that changes a booking takes one
 * (BookingsRepository), so no path can change a booking without its history row.
 */
export interface BookingChange {
  actor: ChangeActor;
  /** The request that made the change (its X-Request-Id); null for the system's own changes. */
  requestId: string | null;
  reason?: string | null;
}

/** A change the system makes on its own: no caller, no request. */
export const SYSTEM_CHANGE: BookingChange = Object.freeze({ actor: 'system', requestId: null });

/** A change made by `caller` in the request `client` describes. */
export function changeBy(caller: Pick<AuthUser, 'id' | 'role'>, client: ClientContext | null | undefined, reason: string | null = null): BookingChange {
  return { actor: { id: caller.id, role: caller.role }, requestId: client?.requestId ?? null, reason };
}
