import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EntityManager } from 'typeorm';
import { AuthUser } from '../common/auth/auth-user';
import { UnitOfWork } from '../common/database/unit-of-work';
import { ClientContext } from '../common/decorators/client-context.decorator';
import { ConflictError } from '../common/errors/domain.error';
import { DomainEvent } from '../common/events/domain-event';
import { IdempotencyKeyInUseError } from '../common/idempotency/idempotent-outcomes';
import { IdempotencyRepository } from '../common/idempotency/idempotency.repository';
import { toMinor } from '../common/money';
import { AppConfig } from '../config/app.config';
import { JobEngine } from '../jobs/job-engine';
import { JobQueue } from '../jobs/job-queue';
import { AuthorizationsService } from '../payments/authorizations.service';
import { PaymentFailedEvent, paymentFactsOf, PaymentSucceededEvent } from '../payments/events/payment.events';
import { ChargeResult, PaymentGateway } from '../payments/gateway/payment-gateway';
import { PaymentEntity, PaymentStatus } from '../payments/payment.entity';
import { PaymentsRepository } from '../payments/payments.repository';
import { RefundEntity } from '../payments/refund.entity';
import { RefundsService } from '../payments/refunds.service';
import { BookingAccess } from './booking-access';
import { isExclusionViolation, PaymentDeclinedError, PaymentUnconfirmedError, SlotTakenError } from './booking-checkout.service';
import { BookingEntity, BookingStatus } from './booking.entity';
import { BookingChangedError, HoldExpiredError, RequestBeingAcceptedError, RequestExpiredError } from './booking.errors';
import { assertAllowed, assertMay, BookingParty, cancellerOf } from './booking-policy';
import { BookingRequests, newBookingOf, RequestToBook } from './booking-requests';
import { BookingsRepository } from './bookings.repository';
import { BookingResponse, toBookingResponse } from './dto/booking.response';
import { BookingCancelledEvent, BookingCreatedEvent, BookingDeclinedEvent, BookingExpiredEvent, BookingRequestedEvent } from './events/booking.events';
import { BookingChange, changeBy, SYSTEM_CHANGE } from './history/booking-change';
import { SlotHoldsRepository } from './holds/slot-holds.repository';
import { BookingPolicyClock } from './policy-clock';

/** Declines (and voids) a request nobody answered in time; enqueued with the request, to run at its expiry. */
export const BOOKING_REQUEST_EXPIRY_QUEUE: JobQueue<{ bookingId: string }> = {
  name: 'bookings.request-expiry',
  // Retried while the request's authorization is still being settled (its reconciler cut-off at most).
  retryLimit: 12,
  retryDelaySeconds: 5,
  retryBackoff: true,
  expireInSeconds: 300,
};

const ABANDONED_REASON = 'The booking request was closed before the payment was authorized; the authorization was voided';
const CLOSED_AFTER_CAPTURE = 'The booking request was closed while it was being accepted: the captured amount is refunded';

/** Nothing can be captured: the request's payment is not (or no longer) an authorization. */
export class PaymentNotAuthorizedError extends ConflictError {
  constructor(status: PaymentStatus) {
    super('PAYMENT_NOT_AUTHORIZED', `The request's payment is ${status}, not AUTHORIZED: it cannot be accepted.`);
  }
}

/** How a request ends without being accepted: withdrawn by its customer (or a departure), declined, or expired. */
export type Closing = { as: 'cancelled'; by: BookingParty } | { as: 'declined'; by: 'provider' | 'admin' } | { as: 'expired' };

/** Thrown inside the expiry job to have the engine retry it later. */
class NotYetSettled extends Error {}

/**
 * Request-to-book (services with `instantBooking: false`): the customer's booking holds the slot (PENDING)
 * and the funds (payment AUTHORIZED) until the provider accepts (capture -> SUCCESS, CONFIRMED) or declines
 * (void -> VOIDED, CANCELLED), or until the request expires (the expiry job, enqueued with the request).
 *
 * Faults: each gateway call is keyed by the payment id. An authorization whose request died is settled by
 * the reconciler (cancel the key, then apply what the gateway says). An accept first claims the capture on
 * the payment (compare-and-swap: two accepts capture once), then captures, then confirms; a process dying
 * between is finished by the reconciler, and a capture that finds its booking closed is refunded. A void
 * is recorded (VOIDED) in the closing transaction and made after commit, retried until confirmed.
 */
@Injectable()
export class BookingRequestService extends BookingRequests {
  private readonly logger = new Logger(BookingRequestService.name);
  private readonly expiryMs: number;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly unitOfWork: UnitOfWork,
    private readonly bookings: BookingsRepository,
    private readonly payments: PaymentsRepository,
    private readonly gateway: PaymentGateway,
    private readonly authorizations: AuthorizationsService,
    private readonly refunds: RefundsService,
    private readonly idempotencyKeys: IdempotencyRepository,
    private readonly access: BookingAccess,
    private readonly clock: BookingPolicyClock,
    private readonly jobs: JobEngine,
    private readonly holds: SlotHoldsRepository,
  ) {
    super();
    this.expiryMs = config.get('bookings', { infer: true }).requestExpiryMs;
    jobs.register(BOOKING_REQUEST_EXPIRY_QUEUE, async ({ bookingId }) => {
      await this.expire(bookingId);
    });
  }

  /** When a request made now for `start` expires: BOOKING_REQUEST_EXPIRY_HOURS from now, or its start if sooner. */
  expiryOf(start: Date, now = new Date()): Date {
    return new Date(Math.min(now.getTime() + this.expiryMs, start.getTime()));
  }

  /** POST /bookings/ for a service that takes requests: 201 PENDING with the payment AUTHORIZED, or 402. */
  async request({ customer, service, start, end, dto, hold, idempotency, change }: RequestToBook): Promise<BookingResponse> {
    const expiresAt = this.expiryOf(start);
    const payment = await this.unitOfWork
      .run(async (manager) => {
        await this.bookings.lockSchedule(manager, service.providerId);
        // The hold gives its time to the request in this transaction, as to an instant booking: both or neither.
        if (hold && !(await this.holds.consume(manager, customer.id, hold.id))) throw new HoldExpiredError();
        const booking = await this.bookings.insertRequest(
          manager,
          { ...newBookingOf({ customer, service, start, end, dto }), requestExpiresAt: expiresAt },
          change,
        );
        const { type, brand, last4 } = dto.payment.paymentMethod;
        const payment = await this.payments.insertPendingAuthorization(manager, {
          bookingId: booking.id,
          serviceId: service.id,
          scheduledAt: start,
          customerId: customer.id,
          providerId: service.providerId,
          amount: service.price,
          currency: service.currency,
          paymentMethod: { type, brand, last4 },
        });
        if (idempotency && !(await this.idempotencyKeys.linkResource(manager, idempotency, payment.id))) throw new IdempotencyKeyInUseError(1);
        // In this transaction: a request exists only with the job that expires it.
        await this.jobs.enqueue(manager, BOOKING_REQUEST_EXPIRY_QUEUE, { bookingId: booking.id }, { startAfter: expiresAt });
        return payment;
      })
      .catch((error: unknown) => {
        throw isExclusionViolation(error) ? new SlotTakenError() : error;
      });

    let result: ChargeResult;
    try {
      result = await this.gateway.authorize({
        idempotencyKey: payment.id,
        amountMinor: toMinor(payment.amount),
        currency: payment.currency,
        paymentMethod: payment.paymentMethod,
      });
    } catch (error) {
      // The funds may be held all the same: the reconciler settles the attempt once the gateway answers.
      this.logger.warn({ err: error, paymentId: payment.id }, 'Authorization not confirmed by the gateway; the reconciler settles it');
      throw new PaymentUnconfirmedError();
    }
    const settled = await this.settleAuthorization(payment, result);
    if (!settled.approved) throw new PaymentDeclinedError(settled.reason);
    return { ...toBookingResponse(settled.booking), paymentId: payment.id };
  }

  /**
   * Applies the gateway's answer to a PENDING authorization: AUTHORIZED with the request open (both parties
   * told), or FAILED with the slot released. Used right after `authorize` and by the reconciler; the second
   * changes nothing. An approval whose request was closed meanwhile is voided: no hold without a request.
   */
  async settleAuthorization(
    payment: PaymentEntity,
    result: ChargeResult,
  ): Promise<{ approved: true; booking: BookingEntity } | { approved: false; reason: string }> {
    const bookingId = payment.bookingId;
    if (result.approved && bookingId) {
      const outcome = await this.unitOfWork.run(async (manager, record) => {
        const booking = await this.bookings.lockById(manager, bookingId);
        if (booking?.status === BookingStatus.PENDING) {
          if (!(await this.payments.markAuthorized(manager, payment.id, result.transactionId))) return null;
          record(new BookingRequestedEvent(await this.bookings.findFacts(manager, bookingId), payment.id, booking.requestExpiresAt ?? booking.scheduledAt));
          return { booking };
        }
        // Closed while the gateway was asked (its customer withdrew it, or a party went away): release the hold.
        return (await this.payments.markAuthorizationVoided(manager, payment.id, result.transactionId)) ? { voided: true } : null;
      });
      if (outcome?.booking) return { approved: true, booking: outcome.booking };
      if (outcome?.voided) {
        await this.authorizations.executeVoid({ ...payment, status: PaymentStatus.VOIDED, transactionId: result.transactionId });
        return { approved: false, reason: ABANDONED_REASON };
      }
    } else {
      const reason = result.approved ? ABANDONED_REASON : result.reason;
      await this.unitOfWork.run(async (manager, record) => {
        if (!(await this.payments.markFailed(manager, payment.id, reason, result.transactionId || null))) return;
        if (bookingId) await this.bookings.deletePending(manager, bookingId);
        const facts = paymentFactsOf({ ...payment, bookingId: null }, await this.payments.findServiceTitle(manager, payment.serviceId));
        record(new PaymentFailedEvent(facts, reason));
      });
    }
    // Settled by someone else first (the request, or the reconciler): its outcome stands.
    const current = await this.payments.findById(payment.id);
    const booking = current?.bookingId ? await this.bookings.findById(current.bookingId) : null;
    if (current?.status === PaymentStatus.AUTHORIZED && booking) return { approved: true, booking };
    return { approved: false, reason: current?.failureReason ?? ABANDONED_REASON };
  }

  /** PUT /bookings/{id} {"status": "CONFIRMED"} by the provider (or an admin): captures and confirms. */
  async accept(caller: AuthUser, id: string, client: ClientContext | null = null): Promise<BookingResponse> {
    const { booking, party } = await this.access.findForParty(caller, id);
    assertMay(party, 'accept');
    const now = this.clock.now();
    // An expired request is refused as such, whether or not the expiry job has closed it yet.
    if (booking.requestExpiresAt && booking.status !== BookingStatus.CONFIRMED && booking.requestExpiresAt.getTime() <= now.now.getTime()) {
      throw new RequestExpiredError(booking.requestExpiresAt);
    }
    assertAllowed(party, 'accept', booking, now);
    const payment = await this.unitOfWork.run(async (manager) => {
      const locked = (await this.bookings.lockById(manager, id)) as BookingEntity;
      assertAllowed(party, 'accept', locked, this.clock.now());
      const linked = await this.payments.findByBooking(id, manager);
      if (!linked || linked.status !== PaymentStatus.AUTHORIZED) throw new PaymentNotAuthorizedError(linked?.status ?? PaymentStatus.FAILED);
      // Compare-and-swap: of two accepts, one captures; the other is told an accept is under way.
      if (!(await this.payments.requestCapture(manager, linked.id))) throw new RequestBeingAcceptedError();
      return linked;
    });
    const accepted = await this.finishCapture(payment, changeBy(caller, client, `Accepted by the ${party}`));
    return toBookingResponse(accepted);
  }

  /**
   * Captures a claimed authorization and confirms its booking, by the accept or (after a crash) by the
   * reconciler: the capture is keyed by the payment, so both get the one capture. If the booking was closed
   * meanwhile the capture is refunded; if the gateway refuses (the hold was released), the request is closed.
   */
  async finishCapture(payment: PaymentEntity, change: BookingChange = SYSTEM_CHANGE): Promise<BookingEntity> {
    const bookingId = payment.bookingId as string;
    let result;
    try {
      result = await this.gateway.capture({
        idempotencyKey: payment.id,
        authorizationId: payment.transactionId as string,
        amountMinor: toMinor(payment.amount),
        currency: payment.currency,
      });
    } catch (error) {
      this.logger.warn({ err: error, paymentId: payment.id }, 'Capture not confirmed by the gateway; the reconciler finishes it');
      throw new PaymentUnconfirmedError();
    }
    if (result.outcome !== 'captured') {
      await this.unitOfWork.run(async (manager, record) => {
        const booking = await this.bookings.lockById(manager, bookingId);
        if (!(await this.payments.markVoided(manager, payment.id, new Date(), true))) return;
        if (booking?.status === BookingStatus.PENDING) {
          await this.close(manager, record, booking, { as: 'expired' }, { ...SYSTEM_CHANGE, reason: 'The held funds could not be captured' });
        }
      });
      throw new PaymentDeclinedError(`the held funds could not be captured (${result.outcome === 'refused' ? result.reason : 'voided'})`);
    }
    const transactionId = result.transactionId;
    let refund: RefundEntity | null = null;
    const booking = await this.unitOfWork.run(async (manager, record) => {
      await this.bookings.lockSchedule(manager, payment.providerId);
      const booking = (await this.bookings.lockById(manager, bookingId)) as BookingEntity;
      const current = await this.payments.lockById(manager, payment.id);
      // Finished already (the accept, or the reconciler): nothing to do.
      if (current?.status !== PaymentStatus.AUTHORIZED || !(await this.payments.markCaptured(manager, payment.id, transactionId))) return booking;
      const captured = { ...current, status: PaymentStatus.SUCCESS, transactionId };
      if (booking.status === BookingStatus.PENDING) {
        await this.bookings.transition(manager, bookingId, [BookingStatus.PENDING], BookingStatus.CONFIRMED, change, { paymentId: payment.id }, 'accepted');
        const facts = await this.bookings.findFacts(manager, bookingId);
        record(new BookingCreatedEvent(facts, payment.id));
        record(new PaymentSucceededEvent(paymentFactsOf(captured, facts.serviceTitle), transactionId));
        return (await this.bookings.findById(bookingId, manager)) as BookingEntity;
      }
      // The request was closed while it was being accepted (its party went away): no capture may stand.
      refund = await this.refunds.reserve(manager, captured, { reason: CLOSED_AFTER_CAPTURE, requestedBy: null }, record);
      return booking;
    });
    if (refund) await this.refunds.execute(refund);
    return booking;
  }

  /**
   * DELETE /bookings/{id} of a PENDING request: declined by the provider (or an admin), withdrawn by its
   * customer. The payment is VOIDED in the same transaction; the void is made after commit.
   */
  async withdraw(caller: AuthUser, id: string, party: BookingParty, client: ClientContext | null = null): Promise<BookingResponse> {
    const closing: Closing = party === 'customer' ? { as: 'cancelled', by: party } : { as: 'declined', by: party };
    const change = changeBy(caller, client, closing.as === 'declined' ? `Declined by the ${party}` : 'Cancelled by the customer');
    const { booking, voided } = await this.unitOfWork.run(async (manager, record) => {
      const locked = (await this.bookings.lockById(manager, id)) as BookingEntity;
      // Accepted (or closed) since it was read: the caller's view is stale.
      if (locked.status !== BookingStatus.PENDING) throw new BookingChangedError();
      assertAllowed(party, closing.as === 'declined' ? 'decline' : 'cancel', locked, this.clock.now());
      const voided = await this.close(manager, record, locked, closing, change);
      return { booking: (await this.bookings.findById(id, manager)) as BookingEntity, voided };
    });
    if (voided) await this.authorizations.executeVoid(voided);
    return toBookingResponse(booking);
  }

  /** The expiry job: declines a request still unanswered at its expiry. Idempotent: an answered request is left alone. */
  async expire(bookingId: string): Promise<void> {
    const voided = await this.unitOfWork.run(async (manager, record) => {
      const booking = await this.bookings.lockById(manager, bookingId);
      if (!booking || booking.status !== BookingStatus.PENDING || !booking.requestExpiresAt) return null;
      if (booking.requestExpiresAt.getTime() > Date.now()) throw new NotYetSettled(`request ${bookingId} expires at ${booking.requestExpiresAt.toISOString()}`);
      const payment = await this.payments.findByBooking(bookingId, manager);
      // The authorization is still being settled (by its request, or the reconciler): the engine retries later.
      if (payment?.status === PaymentStatus.PENDING) throw new NotYetSettled(`request ${bookingId}: authorization not settled yet`);
      // An accept made in time is capturing: its capture decides (the reconciler finishes it if it died).
      if (payment?.captureRequestedAt) return null;
      return this.close(manager, record, booking, { as: 'expired' }, { ...SYSTEM_CHANGE, reason: 'The provider did not answer in time' });
    });
    if (voided) await this.authorizations.executeVoid(voided);
  }

  /**
   * Closes a locked PENDING request in the caller's transaction: CANCELLED in the history as cancelled,
   * declined or expired, its authorization VOIDED (null when there is none to void now), both parties told.
   * `force` (a party going away): a capture under way does not stop it; that capture is then refunded.
   */
  async close(
    manager: EntityManager,
    record: (event: DomainEvent) => void,
    booking: BookingEntity,
    closing: Closing,
    change: BookingChange,
    force = false,
  ): Promise<PaymentEntity | null> {
    const linked = await this.payments.findByBooking(booking.id, manager);
    const payment = linked ? await this.payments.lockById(manager, linked.id) : null;
    if (payment?.status === PaymentStatus.AUTHORIZED && payment.captureRequestedAt && !force) throw new RequestBeingAcceptedError();
    // A PENDING payment (authorization on its way) is settled by its request or the reconciler, which void it on finding this closed.
    const voided = payment?.status === PaymentStatus.AUTHORIZED && (await this.payments.markVoided(manager, payment.id, null)) ? payment : null;
    const action = closing.as === 'cancelled' ? 'cancelled' : closing.as;
    if (!(await this.bookings.transition(manager, booking.id, [BookingStatus.PENDING], BookingStatus.CANCELLED, change, { refundAmount: 0 }, action))) {
      throw new BookingChangedError();
    }
    const facts = await this.bookings.findFacts(manager, booking.id);
    if (closing.as === 'declined') record(new BookingDeclinedEvent(facts, closing.by === 'admin' ? 'ADMIN' : 'PROVIDER'));
    else if (closing.as === 'expired') record(new BookingExpiredEvent(facts));
    else record(new BookingCancelledEvent(facts, cancellerOf(closing.by), 0, true));
    return voided ? { ...voided, status: PaymentStatus.VOIDED } : null;
  }
}
