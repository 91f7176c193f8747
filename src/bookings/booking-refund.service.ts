import { Injectable } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { NotFoundError } from '../common/errors/domain.error';
import { UnitOfWork } from '../common/database/unit-of-work';
import { toMinor } from '../common/money';
import { PaymentResponse, toPaymentResponse } from '../payments/dto/payment.response';
import { RefundDto } from '../payments/dto/refund.dto';
import { PaymentStatus } from '../payments/payment.entity';
import { PaymentsRepository } from '../payments/payments.repository';
import { RefundsService } from '../payments/refunds.service';
import { BookingCancellationService } from './booking-cancellation.service';
import { assertMay, assertParty, isAllowed } from './booking-policy';
import { BookingsRepository } from './bookings.repository';
import { BookingPolicyClock } from './policy-clock';
import { changeBy } from './history/booking-change';
import { ClientContext } from '../common/decorators/client-context.decorator';

/** Refunding a booking's payment (POST /payments/{id}/refund): a refund that empties the payment cancels the booking. */
@Injectable()
export class BookingRefundService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly bookings: BookingsRepository,
    private readonly payments: PaymentsRepository,
    private readonly refunds: RefundsService,
    private readonly cancellation: BookingCancellationService,
    private readonly clock: BookingPolicyClock,
  ) {}

  /** By the booking's provider or an admin (the customer may look but not refund: 403; anyone else: 404). */
  async refund(caller: AuthUser, id: string, dto: RefundDto, client: ClientContext | null = null): Promise<PaymentResponse> {
    const { payment, refund } = await this.unitOfWork.run(async (manager, record) => {
      // The booking first, then the payment, the order a cancellation locks them in: otherwise a full refund
      // and a cancellation of one booking each hold the row the other waits for, and PostgreSQL kills one.
      const bookingId = (await this.payments.findById(id, manager))?.bookingId;
      const booking = bookingId ? await this.bookings.lockById(manager, bookingId) : null;
      const payment = await this.payments.lockById(manager, id);
      if (!payment) throw new NotFoundError('Payment');
      const party = assertParty(caller, payment, 'Payment');
      assertMay(party, 'refund');
      const refund = await this.refunds.reserve(
        manager,
        payment,
        { amountMinor: dto.amount === undefined ? undefined : toMinor(dto.amount), reason: dto.reason, requestedBy: caller },
        record,
      );
      if (booking) {
        const change = changeBy(caller, client, dto.reason ?? null);
        await this.bookings.recordChange(manager, booking.id, booking.status, 'refunded', change, { paymentId: payment.id, amount: refund.amount });
        if (payment.status === PaymentStatus.REFUNDED && isAllowed(party, 'cancel', booking, this.clock.now())) {
          // The cancellation states the refund this request made, not the payment's running total.
          await this.cancellation.cancelLocked(manager, record, booking, party, refund.amount, { ...change, reason: 'Refunded in full' });
        }
      }
      return { payment, refund };
    });
    await this.refunds.execute(refund);
    return toPaymentResponse((await this.payments.findById(payment.id)) ?? payment);
  }
}
