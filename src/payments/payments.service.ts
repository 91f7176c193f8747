import { Injectable } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role.enum';
import { NotFoundError } from '../common/errors/domain.error';
import { Page } from '../common/pagination/pagination';
import { ListPaymentsQuery } from './dto/list-payments.query';
import { PaymentResponse, toPaymentResponse } from './dto/payment.response';
import { PaymentEntity } from './payment.entity';
import { PAYMENTS_KEYSET, PaymentsRepository } from './payments.repository';

@Injectable()
export class PaymentsService {
  constructor(private readonly payments: PaymentsRepository) {}

  async list(caller: AuthUser, query: ListPaymentsQuery): Promise<Page<PaymentResponse>> {
    const page = await this.payments.listFor(caller, query.status, query.limit, query.offset, PAYMENTS_KEYSET.position(query));
    return { ...page, items: page.items.map(toPaymentResponse), limit: query.limit, offset: query.offset };
  }

  async get(caller: AuthUser, id: string): Promise<PaymentResponse> {
    const payment = await this.payments.findById(id);
    if (!payment || !isParty(caller, payment)) throw new NotFoundError('Payment');
    return toPaymentResponse(payment);
  }
}

/** A payment is visible to its customer, its provider and admins; to anyone else it does not exist. */
function isParty(caller: AuthUser, payment: PaymentEntity): boolean {
  return caller.role === Role.ADMIN || payment.customerId === caller.id || payment.providerId === caller.id;
}
