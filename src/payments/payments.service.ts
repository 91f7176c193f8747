import { Injectable } from '@nestjs/common';
import { BookingStatus } from '../bookings/booking.entity';
import { loadBookingFacts } from '../bookings/booking-facts';
import { BookingCancelledEvent } from '../bookings/events/booking.events';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { UnitOfWork } from '../common/database/unit-of-work';
import { ForbiddenError, NotFoundError } from '../common/errors/domain.error';
import { toMinor } from '../common/money';
import { Page } from '../common/pagination/pagination';
import { BookingEntity } from '../bookings/booking.entity';
import { ListPaymentsQuery } from './dto/list-payments.query';
import { PaymentResponse, toPaymentResponse } from './dto/payment.response';
import { RefundDto } from './dto/refund.dto';
import { PaymentEntity, PaymentStatus } from './payment.entity';
import { PaymentsRepository } from './payments.repository';
import { RefundsService } from './refunds.service';

@Injectable()
export class PaymentsService {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly refunds: RefundsService,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async list(caller: AuthUser, query: ListPaymentsQuery): Promise<Page<PaymentResponse>> {
    const { items, total } = await this.payments.listFor(caller, query.status, query.limit, query.offset);
    return { items: items.map(toPaymentResponse), total, limit: query.limit, offset: query.offset };
  }

  async get(caller: AuthUser, id: string): Promise<PaymentResponse> {
    const payment = await this.payments.findById(id);
    if (!payment || !isParty(caller, payment)) throw new NotFoundError('Payment');
    return toPaymentResponse(payment);
  }

  /**
   * By the booking's provider or an admin (the customer may look but not refund: 403; anyone else: 404).
   * A refund that empties the payment cancels a CONFIRMED booking.
   */
  async refund(caller: AuthUser, id: string, dto: RefundDto): Promise<PaymentResponse> {
    const { payment, refund } = await this.unitOfWork.run(async (manager, record) => {
      // The booking first, then the payment, the order a cancellation locks them in: otherwise a full refund
      // and a cancellation of one booking each hold the row the other waits for, and PostgreSQL kills one.
      const bookingId = (await this.payments.findById(id, manager))?.bookingId;
      if (bookingId) await manager.getRepository(BookingEntity).findOne({ where: { id: bookingId }, lock: { mode: 'pessimistic_write' } });
      const payment = await this.payments.lockById(manager, id);
      if (!payment || !isParty(caller, payment)) throw new NotFoundError('Payment');
      if (caller.role === Role.CUSTOMER) throw new ForbiddenError('Only the provider or an admin can refund a payment.');
      const refund = await this.refunds.reserve(
        manager,
        payment,
        { amountMinor: dto.amount === undefined ? undefined : toMinor(dto.amount), reason: dto.reason, requestedBy: caller },
        record,
      );
      if (payment.status === PaymentStatus.REFUNDED && payment.bookingId) {
        const cancelled = await manager
          .getRepository(BookingEntity)
          .update({ id: payment.bookingId, status: BookingStatus.CONFIRMED }, { status: BookingStatus.CANCELLED });
        if (cancelled.affected === 1) {
          const by = caller.role === Role.ADMIN ? 'ADMIN' : 'PROVIDER';
          record(new BookingCancelledEvent(await loadBookingFacts(manager, payment.bookingId), by, payment.refundedAmount));
        }
      }
      return { payment, refund };
    });
    await this.refunds.execute(refund);
    return toPaymentResponse((await this.payments.findById(payment.id)) ?? payment);
  }
}

function isParty(caller: AuthUser, payment: PaymentEntity): boolean {
  return caller.role === Role.ADMIN || payment.customerId === caller.id || payment.providerId === caller.id;
}
