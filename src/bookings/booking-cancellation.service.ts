import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EntityManager } from 'typeorm';
import { AuthUser } from '../common/auth/auth-user';
import { DomainEvent } from '../common/events/domain-event';
import { AfterCommit, UnitOfWork } from '../common/database/unit-of-work';
import { Role } from '../common/auth/role.enum';
import { fromMinor, toMinor } from '../common/money';
import { AppConfig } from '../config/app.config';
import { PaymentsRepository } from '../payments/payments.repository';
import { RefundsService } from '../payments/refunds.service';
import { RefundEntity } from '../payments/refund.entity';
import { AuthorizationsService } from '../payments/authorizations.service';
import { PaymentEntity } from '../payments/payment.entity';
import { BookingRequestService } from './booking-request.service';
import { BookingEntity, BookingStatus } from './booking.entity';
import { assertAllowed, BookingParty, cancellerOf, isAllowed } from './booking-policy';
import { assertTransition, InvalidTransitionError } from './booking-state-machine';
import { BookingsRepository } from './bookings.repository';
import { BookingAccess } from './booking-access';
import { BookingResponse, CancellationQuoteResponse, toBookingResponse } from './dto/booking.response';
import { BookingCancelledEvent } from './events/booking.events';
import { BookingPolicyClock } from './policy-clock';
import { quoteCancellationRefund, refundPolicyStart } from './refund-policy';
import { BookingChange, changeBy } from './history/booking-change';
import { ClientContext } from '../common/decorators/client-context.decorator';

const ROLE_OF: Record<BookingParty, Role> = { customer: Role.CUSTOMER, provider: Role.PROVIDER, admin: Role.ADMIN };

/** Cancelling frees the slot and refunds by the policy, in one transaction with the refund's reservation. */
@Injectable()
export class BookingCancellationService {
  private readonly fullRefundHours: number;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly unitOfWork: UnitOfWork,
    private readonly bookings: BookingsRepository,
    private readonly payments: PaymentsRepository,
    private readonly refunds: RefundsService,
    private readonly access: BookingAccess,
    private readonly clock: BookingPolicyClock,
    private readonly requests: BookingRequestService,
    private readonly authorizations: AuthorizationsService,
  ) {
    this.fullRefundHours = config.get('bookings', { infer: true }).fullRefundHours;
  }

  async quote(caller: AuthUser, id: string): Promise<CancellationQuoteResponse> {
    const { booking, party } = await this.access.findForParty(caller, id);
    const payment = await this.payments.findByBooking(booking.id);
    const refundableMinor = payment ? toMinor(payment.amount) - toMinor(payment.refundedAmount) : 0;
    const open = isAllowed(party, 'cancel', booking, this.clock.now());
    const quote = quoteCancellationRefund({
      cancelledBy: caller.role,
      startsAt: refundPolicyStart(booking),
      now: new Date(),
      refundableMinor: open ? refundableMinor : 0,
      fullRefundHours: this.fullRefundHours,
    });
    return {
      bookingId: booking.id,
      refundAmount: fromMinor(quote.refundMinor),
      currency: booking.currency.trim(),
      fullRefund: open && quote.fullRefund,
      policy: open ? quote.policy : `A ${booking.status} booking cannot be cancelled.`,
    };
  }

  async cancel(caller: AuthUser, id: string, client: ClientContext | null = null): Promise<BookingResponse> {
    const { booking: found, party } = await this.access.findForParty(caller, id);
    // A request not yet answered is declined (provider, admin) or withdrawn (customer): its held funds are released.
    if (found.requestExpiresAt && found.status === BookingStatus.PENDING) return this.requests.withdraw(caller, id, party, client);
    const change = changeBy(caller, client, `Cancelled by the ${party}`);
    const { booking, refund } = await this.unitOfWork.run(async (manager, record) => {
      const booking = await this.bookings.lockById(manager, id);
      if (!booking) throw new Error(`booking ${id} vanished`);
      assertAllowed(party, 'cancel', booking, this.clock.now());
      const refund = await this.cancelAndRefund(manager, record, booking, party, caller, change);
      return { booking: (await this.bookings.findById(id, manager)) as BookingEntity, refund };
    });
    if (refund) await this.refunds.execute(refund);
    return toBookingResponse(booking);
  }

  /**
   * Cancels the open bookings of a party that goes away (a deleted service or account), inside the deleting
   * transaction, each refunded as if `by` had cancelled it; answers the after-commit work paying the refunds.
   * The bookings are locked by the caller. `change`: who deleted, and what, for the bookings' history.
   */
  async cancelForDeparture(
    manager: EntityManager,
    record: (event: DomainEvent) => void,
    locked: BookingEntity[],
    by: BookingParty,
    change: BookingChange,
  ): Promise<AfterCommit> {
    const refunds: RefundEntity[] = [];
    const voids: PaymentEntity[] = [];
    for (const booking of locked) {
      if (booking.requestExpiresAt && booking.status === BookingStatus.PENDING) {
        // A request goes with its party too: its held funds are released (a capture under way is refunded).
        const voided = await this.requests.close(manager, record, booking, { as: 'cancelled', by }, change, true);
        if (voided) voids.push(voided);
        continue;
      }
      const refund = await this.cancelAndRefund(manager, record, booking, by, null, change);
      if (refund) refunds.push(refund);
    }
    return async () => {
      for (const refund of refunds) await this.refunds.execute(refund);
      for (const payment of voids) await this.authorizations.executeVoid(payment);
    };
  }

  /** Reserves the refund the policy gives `by` (a CONFIRMED booking's payment only) and cancels the locked booking. */
  private async cancelAndRefund(
    manager: EntityManager,
    record: (event: DomainEvent) => void,
    booking: BookingEntity,
    by: BookingParty,
    requestedBy: AuthUser | null,
    change: BookingChange,
  ): Promise<RefundEntity | null> {
    let refund: RefundEntity | null = null;
    let refundAmount = 0;
    // Only a CONFIRMED booking has been paid; a PENDING one's charge is settled (and voided) by checkout.
    const linked = booking.status === BookingStatus.CONFIRMED ? await this.payments.findByBooking(booking.id, manager) : null;
    const payment = linked ? await this.payments.lockById(manager, linked.id) : null;
    if (payment) {
      const refundableMinor = toMinor(payment.amount) - toMinor(payment.refundedAmount);
      const quote = quoteCancellationRefund({
        cancelledBy: ROLE_OF[by],
        startsAt: refundPolicyStart(booking),
        now: new Date(),
        refundableMinor,
        fullRefundHours: this.fullRefundHours,
      });
      if (quote.refundMinor > 0) {
        refund = await this.refunds.reserve(
          manager,
          payment,
          { amountMinor: quote.refundMinor, reason: `Booking cancelled. ${quote.policy}`, requestedBy },
          record,
        );
        refundAmount = fromMinor(quote.refundMinor);
      }
    }
    await this.cancelLocked(manager, record, booking, by, refundAmount, change);
    return refund;
  }

  /**
   * The one way a booking becomes CANCELLED, for a cancellation and a full refund alike: through the state
   * machine, announced with who cancelled and what was refunded. The caller holds the booking's row lock
   * (`BookingsRepository.lockById`), so the status read with it is still the status.
   */
  async cancelLocked(
    manager: EntityManager,
    record: (event: DomainEvent) => void,
    booking: BookingEntity,
    by: BookingParty,
    refundAmount: number,
    change: BookingChange,
  ): Promise<void> {
    assertTransition(booking.status, BookingStatus.CANCELLED);
    const moved = await this.bookings.transition(manager, booking.id, [booking.status], BookingStatus.CANCELLED, change, { refundAmount });
    if (!moved) throw new InvalidTransitionError(booking.status, BookingStatus.CANCELLED);
    record(new BookingCancelledEvent(moved.facts, cancellerOf(by), refundAmount));
  }
}
