import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Role } from '../../common/auth/role.enum';
import { AfterCommit, TransactionalEvent } from '../../common/database/unit-of-work';
import { inTransaction } from '../../common/events/domain-event';
import { ServiceDeletedEvent } from '../../services/events/service-deleted.event';
import { AccountStatus } from '../../users/account-status.enum';
import { AccountStatusChangedEvent } from '../../users/events/account-status-changed.event';
import { UserDeletedEvent } from '../../users/events/user-deleted.event';
import { BookingCancellationService } from '../booking-cancellation.service';
import { BookingParty } from '../booking-policy';
import { BookingsRepository } from '../bookings.repository';
import { BookingChange, SYSTEM_CHANGE } from '../history/booking-change';

/** The deletion as the cancelled bookings' history records it: by whom (the system when not known), and why. */
const departure = (deletedBy: Role, deletedById: string | undefined, reason: string): BookingChange =>
  deletedById ? { actor: { id: deletedById, role: deletedBy }, requestId: null, reason } : { ...SYSTEM_CHANGE, reason };

/** The party a deletion cancels as: whoever deleted (an admin, or the account's or service's owner). */
const partyFor = (deletedBy: Role, owner: BookingParty): BookingParty => (deletedBy === Role.ADMIN ? 'admin' : owner);

/**
 * When a party goes away, its open bookings go with it, in the deleting transaction (users/ and services/
 * record the event; they know nothing of bookings): a provider's service or account deleted (or an admin
 * deleting either) cancels every open booking on it with a full refund; a customer's account deleted
 * cancels theirs, refunded as the cancellation policy says. Each cancellation notifies the other party.
 * An account suspended by an admin goes the same way as one an admin deleted.
 * An error here rolls the deletion back (`suppressErrors: false`), so no CONFIRMED booking keeps a deleted party.
 */
@Injectable()
export class PartyDeparturesListener {
  constructor(
    private readonly bookings: BookingsRepository,
    private readonly cancellation: BookingCancellationService,
  ) {}

  @OnEvent(inTransaction(ServiceDeletedEvent.eventName), { suppressErrors: false })
  async onServiceDeleted({ event, manager, record }: TransactionalEvent<ServiceDeletedEvent>): Promise<AfterCommit> {
    const open = await this.bookings.lockOpenOf(manager, { serviceId: event.serviceId });
    const change = departure(event.deletedBy, event.deletedById, 'The service was deleted');
    return this.cancellation.cancelForDeparture(manager, record, open, partyFor(event.deletedBy, 'provider'), change);
  }

  @OnEvent(inTransaction(UserDeletedEvent.eventName), { suppressErrors: false })
  onUserDeleted({ event, manager, record }: TransactionalEvent<UserDeletedEvent>): Promise<AfterCommit> {
    const owner: BookingParty = event.role === Role.PROVIDER ? 'provider' : 'customer';
    const change = departure(event.deletedBy, event.deletedById, `The ${owner}'s account was deleted`);
    return this.cancelOpenOfAccount(manager, record, event.userId, event.role, event.deletedBy, change);
  }

  @OnEvent(inTransaction(AccountStatusChangedEvent.eventName), { suppressErrors: false })
  async onAccountStatusChanged({ event, manager, record }: TransactionalEvent<AccountStatusChangedEvent>): Promise<AfterCommit | undefined> {
    if (event.status !== AccountStatus.SUSPENDED) return undefined;
    const owner: BookingParty = event.role === Role.PROVIDER ? 'provider' : 'customer';
    const change = departure(Role.ADMIN, undefined, `The ${owner}'s account was suspended`);
    return this.cancelOpenOfAccount(manager, record, event.userId, event.role, Role.ADMIN, change);
  }

  private async cancelOpenOfAccount(
    manager: TransactionalEvent['manager'],
    record: TransactionalEvent['record'],
    userId: string,
    role: Role,
    by: Role,
    change: BookingChange,
  ): Promise<AfterCommit> {
    const open = await this.bookings.lockOpenOf(manager, { userId });
    const owner: BookingParty = role === Role.PROVIDER ? 'provider' : 'customer';
    return this.cancellation.cancelForDeparture(manager, record, open, partyFor(by, owner), change);
  }
}
