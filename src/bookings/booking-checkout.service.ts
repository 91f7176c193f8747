import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource, QueryFailedError } from 'typeorm';
import { AuthUser } from '../common/auth/auth-user';
import { UnitOfWork } from '../common/database/unit-of-work';
import { ConflictError, DomainError, NotFoundError, UnprocessableError } from '../common/errors/domain.error';
import { IdempotencyClaim, IdempotencyRepository } from '../common/idempotency/idempotency.repository';
import { IdempotencyKeyInUseError, IdempotentOutcomes, SettledOutcome } from '../common/idempotency/idempotent-outcomes';
import { toMinor } from '../common/money';
import { AppConfig } from '../config/app.config';
import { SqlState } from '../common/database/sqlstate';
import { PaymentFailedEvent, paymentFactsOf, PaymentSucceededEvent } from '../payments/events/payment.events';
import { ChargeResult, PaymentGateway } from '../payments/gateway/payment-gateway';
import { PaymentEntity, PaymentStatus } from '../payments/payment.entity';
import { PaymentsRepository } from '../payments/payments.repository';
import { RefundsService } from '../payments/refunds.service';
import { BookableTime } from '../services/availability/bookable-time';
import { ServicesService } from '../services/services.service';
import { BookingEntity, BookingStatus } from './booking.entity';
import { BookingsRepository } from './bookings.repository';
import { CreateBookingDto } from './dto/create-booking.dto';
import { BookingResponse, toBookingResponse } from './dto/booking.response';
import { BookingCreatedEvent } from './events/booking.events';
import { BookingChange, changeBy, SYSTEM_CHANGE } from './history/booking-change';
import { ClientContext } from '../common/decorators/client-context.decorator';
import { HoldExpiredError, HoldMismatchError } from './booking.errors';
import { SlotHoldsRepository } from './holds/slot-holds.repository';
import { BookingRequests, newBookingOf } from './booking-requests';

export class SlotTakenError extends ConflictError {
  constructor() {
    super('SLOT_TAKEN', 'The provider is already booked at that time.');
  }
}

export class PaymentDeclinedError extends DomainError {
  constructor(reason: string) {
    super(402, 'PAYMENT_DECLINED', `The payment was declined: ${reason}`);
  }
}

/** The processor's answer was lost: the attempt stays PENDING (slot held) until the reconciler learns the outcome. */
export class PaymentUnconfirmedError extends DomainError {
  constructor() {
    super(
      502,
      'PAYMENT_UNCONFIRMED',
      'The payment processor did not confirm the charge. The booking is held and will be confirmed, or released without charge, within minutes.',
    );
  }
}

/** The longest `Retry-After` told to a retry of a checkout still running. */
const MAX_RETRY_AFTER_SECONDS = 5;
const ABANDONED_REASON = 'The booking attempt was abandoned before the payment completed; the charge was voided';

/** Thrown inside a settlement transaction to roll it back when another path got there first. */
class SettlementRace extends Error {}

export function isExclusionViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === SqlState.EXCLUSION_VIOLATION;
}

/**
 * Booking with payment, so that no charge stands without a CONFIRMED booking and no failed payment holds
 * a slot: (1) hold the slot with a PENDING booking and a PENDING payment in one transaction; (2) charge,
 * keyed by the payment id; (3) confirm both, or release the hold and record the failure. A crash between
 * the steps leaves PENDING rows that the reconciler settles by asking the gateway what happened.
 */
@Injectable()
export class BookingCheckoutService implements IdempotentOutcomes {
  private readonly logger = new Logger(BookingCheckoutService.name);
  private readonly reconcileAfterMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly bookings: BookingsRepository,
    private readonly payments: PaymentsRepository,
    private readonly gateway: PaymentGateway,
    private readonly refunds: RefundsService,
    private readonly services: ServicesService,
    private readonly bookableTime: BookableTime,
    private readonly idempotencyKeys: IdempotencyRepository,
    private readonly holds: SlotHoldsRepository,
    config: ConfigService<AppConfig, true>,
    private readonly requests: BookingRequests,
  ) {
    this.reconcileAfterMs = config.get('payments', { infer: true }).reconcileAfterMs;
  }

  /**
   * `idempotency`: the request's hold on its Idempotency-Key, linked to the payment in the transaction that
   * creates it, so that the key is answered from this attempt's outcome and never books a second time.
   * `client`: the request, named in the booking's history.
   */
  async book(
    customer: AuthUser,
    dto: CreateBookingDto,
    idempotency: IdempotencyClaim | null = null,
    client: ClientContext | null = null,
  ): Promise<BookingResponse> {
    const change = changeBy(customer, client);
    const service = await this.services.findBookable(dto.serviceId);
    if (!service) throw new NotFoundError('Service');
    const start = new Date(dto.scheduledAt);
    const end = this.bookableTime.assertBookable(service, start);
    if (toMinor(dto.payment.amount) !== toMinor(service.price)) {
      throw new UnprocessableError('AMOUNT_MISMATCH', `payment.amount must equal the service price (${service.price}).`, [
        { field: 'payment.amount', message: `must equal the service price ${service.price}` },
      ]);
    }
    if (dto.payment.currency !== service.currency.trim()) {
      throw new UnprocessableError('CURRENCY_MISMATCH', `payment.currency must be ${service.currency}.`, [
        { field: 'payment.currency', message: `must be ${service.currency}` },
      ]);
    }
    const hold = dto.holdId ? await this.holds.findOwn(customer.id, dto.holdId) : null;
    if (dto.holdId) {
      if (!hold) throw new NotFoundError('Hold');
      if (hold.serviceId !== service.id || hold.scheduledAt.getTime() !== start.getTime()) throw new HoldMismatchError();
    }
    // A service that takes requests: the funds are held, and the provider answers (booking-request.service.ts).
    if (!service.instantBooking) return this.requests.request({ customer, service, start, end, dto, hold, idempotency, change });

    const payment = await this.dataSource
      .transaction(async (manager) => {
        await this.bookings.lockSchedule(manager, service.providerId);
        // The hold gives its time to the booking in this transaction: both or neither.
        if (hold && !(await this.holds.consume(manager, customer.id, hold.id))) throw new HoldExpiredError();
        const booking = await this.bookings.insertPending(manager, newBookingOf({ customer, service, start, end, dto }), change);
        const { type, brand, last4 } = dto.payment.paymentMethod;
        const payment = await this.payments.insertPending(manager, {
          bookingId: booking.id,
          serviceId: service.id,
          scheduledAt: start,
          customerId: customer.id,
          providerId: service.providerId,
          amount: service.price,
          currency: service.currency,
          paymentMethod: { type, brand, last4 },
        });
        if (idempotency && !(await this.idempotencyKeys.linkResource(manager, idempotency, payment.id))) {
          // Another request took the key over (this one was presumed dead): it answers for the key, not this one.
          throw new IdempotencyKeyInUseError(1);
        }
        return payment;
      })
      .catch((error: unknown) => {
        throw isExclusionViolation(error) ? new SlotTakenError() : error;
      });

    let result: ChargeResult;
    try {
      result = await this.gateway.charge({
        idempotencyKey: payment.id,
        amountMinor: toMinor(payment.amount),
        currency: payment.currency,
        paymentMethod: payment.paymentMethod,
      });
    } catch (error) {
      this.logger.warn({ err: error, paymentId: payment.id }, 'Gateway call failed; settling from its records');
      // The card may have been charged all the same: failing the attempt here would leave a charge without a
      // booking. Without the processor's record of it, the reconciler settles it once the processor answers.
      const recorded = await this.gateway.findCharge(payment.id).catch(() => null);
      if (!recorded) throw new PaymentUnconfirmedError();
      result = recorded;
    }
    const settled = await this.settle(payment, result, { ...change, reason: 'Payment approved' });
    if (!settled.approved) throw new PaymentDeclinedError(settled.reason);
    return { ...toBookingResponse(settled.booking), paymentId: payment.id };
  }

  /**
   * The answer a checkout would have given, from its payment's state (for a retried Idempotency-Key whose
   * request died): the booking once confirmed, the decline once failed; while PENDING, not settled (its
   * request still runs, or the reconciler settles it once past the cut-off): to be asked again shortly.
   */
  async settledOutcome(paymentId: string): Promise<SettledOutcome> {
    const payment = await this.payments.findById(paymentId);
    if (!payment || payment.status === PaymentStatus.PENDING) {
      // A live request settles within seconds; a dead one's is settled by the reconciler after the cut-off.
      const settledBy = (payment?.createdAt.getTime() ?? Date.now()) + this.reconcileAfterMs;
      return { settled: false, retryAfterSeconds: Math.max(1, Math.min(MAX_RETRY_AFTER_SECONDS, Math.ceil((settledBy - Date.now()) / 1000))) };
    }
    if (payment.status === PaymentStatus.FAILED) return { settled: true, error: new PaymentDeclinedError(payment.failureReason ?? 'Declined') };
    const booking = payment.bookingId ? await this.bookings.findById(payment.bookingId) : null;
    if (!booking) return { settled: true, error: new NotFoundError('Booking') };
    return { settled: true, value: { ...toBookingResponse(booking), paymentId } };
  }

  /**
   * Applies the gateway's answer to a PENDING payment and its booking. Used right after the charge and by
   * the reconciler; whichever comes second finds nothing PENDING and changes nothing, except that a charge
   * approved for an attempt already failed (by either) is voided: no approved charge stands without a
   * CONFIRMED booking. `change`: who the confirmation is recorded as made by (the system's, for the reconciler).
   */
  async settle(
    payment: PaymentEntity,
    result: ChargeResult,
    change: BookingChange = SYSTEM_CHANGE,
  ): Promise<{ approved: true; booking: BookingEntity } | { approved: false; reason: string }> {
    const bookingId = payment.bookingId;
    if (result.approved && bookingId) {
      const booking = await this.unitOfWork
        .run(async (manager, record) => {
          // Both moves or neither: a booking cancelled meanwhile, or a payment already settled, rolls back.
          await this.bookings.lockSchedule(manager, payment.providerId);
          // The move answers the booking as confirmed and its facts: nothing written here is read back.
          const confirmed = await this.bookings.transition(manager, bookingId, [BookingStatus.PENDING], BookingStatus.CONFIRMED, change, {
            paymentId: payment.id,
          });
          if (!confirmed || !(await this.payments.markSucceeded(manager, payment.id, result.transactionId))) throw new SettlementRace();
          record(new BookingCreatedEvent(confirmed.facts, payment.id));
          record(new PaymentSucceededEvent(paymentFactsOf(payment, confirmed.facts.serviceTitle), result.transactionId));
          return confirmed.booking;
        })
        .catch((error: unknown) => {
          if (error instanceof SettlementRace) return null;
          throw error;
        });
      if (booking) return { approved: true, booking };
    }
    const reason = result.approved ? ABANDONED_REASON : result.reason;
    await this.unitOfWork.run(async (manager, record) => {
      if (!(await this.payments.markFailed(manager, payment.id, reason, result.transactionId || null))) return;
      if (bookingId) await this.bookings.deletePending(manager, bookingId);
      const facts = paymentFactsOf({ ...payment, bookingId: null }, await this.payments.findServiceTitle(manager, payment.serviceId));
      record(new PaymentFailedEvent(facts, reason));
    });
    // Someone else may have settled it first (the reconciler, for a very slow request): a confirmation stands.
    const current = await this.payments.findById(payment.id);
    if (current && current.status !== PaymentStatus.FAILED && current.status !== PaymentStatus.PENDING && bookingId) {
      const booking = await this.bookings.findById(bookingId);
      if (booking) return { approved: true, booking };
    }
    // An approval whose booking was not confirmed must not stand, whoever failed the attempt (this call, or
    // the reconciler while this request was paused): void it.
    if (result.approved) {
      await this.voidCharge(current ?? payment, result.transactionId);
      return { approved: false, reason: ABANDONED_REASON };
    }
    return { approved: false, reason: current?.failureReason ?? reason };
  }

  /** Recorded as a refund of the whole amount, so that the reconciler retries it until the gateway confirms. */
  private async voidCharge(payment: PaymentEntity, transactionId: string): Promise<void> {
    const refund = await this.unitOfWork.run((manager) => this.refunds.reserveVoid(manager, payment, transactionId));
    if (refund) await this.refunds.execute(refund);
  }
}
