import { randomUUID } from 'node:crypto';
import { BookingCheckoutService } from '../../../src/bookings/booking-checkout.service';
import { PaymentReconciler } from '../../../src/bookings/payment-reconciler.service';
import { PaymentGateway } from '../../../src/payments/gateway/payment-gateway';
import { PaymentEntity } from '../../../src/payments/payment.entity';
import { PaymentsRepository } from '../../../src/payments/payments.repository';
import type { ServiceResponse } from '../../../src/services/dto/service.response';
import { bookingBody, countRows, insertInterruptedCheckout, nextLocal } from '../../factories/booking.factory';
import { createMarketplace } from '../../factories/marketplace.factory';
import { TestUser } from '../../factories/user.factory';
import { expectProblem } from '../../helpers/problem';
import { createTestApp, TestApp } from '../../helpers/test-app';

/**
 * How a checkout settles when its request and the reconciler meet: no approved charge ever stands without a
 * CONFIRMED booking, and an Idempotency-Key whose request created a payment answers from that payment.
 */
describe('checkout settlement', () => {
  let t: TestApp;
  let gateway: PaymentGateway;

  beforeAll(async () => {
    t = await createTestApp();
    gateway = t.app.get(PaymentGateway);
  });
  afterAll(() => t.close());

  const reconcile = () => t.app.get(PaymentReconciler).reconcile();
  const paymentOf = async (id: string): Promise<PaymentEntity> => (await t.app.get(PaymentsRepository).findById(id)) as PaymentEntity;

  async function paymentRow(id: string) {
    const [row] = await t.dataSource.query<Array<{ status: string; transaction_id: string | null; refunded_amount: string; booking_id: string | null }>>(
      'SELECT status, transaction_id, refunded_amount, booking_id FROM payments WHERE id = $1',
      [id],
    );
    return row;
  }

  async function refundsOf(paymentId: string) {
    return t.dataSource.query<Array<{ id: string; amount: string; status: string; gateway_minor: string | null }>>(
      `SELECT r.id, r.amount, r.status, g.amount_minor AS gateway_minor
         FROM refunds r LEFT JOIN simulated_gateway_operations g ON g.idempotency_key = 'refund:void-' || r.payment_id AND g.kind = 'refund'
        WHERE r.payment_id = $1`,
      [paymentId],
    );
  }

  /** An attempt the reconciler failed while the processor, unlike ours, did not manage to cancel its key. */
  async function failedWhileChargeInFlight(customer: TestUser, service: ServiceResponse): Promise<{ paymentId: string }> {
    const crashed = await insertInterruptedCheckout(t, { customer, service, at: nextLocal('UTC', 'monday', '10:00') });
    const cancel = jest.spyOn(gateway, 'cancelCharge').mockResolvedValueOnce({ approved: false, transactionId: '', reason: 'Too late to cancel' });
    try {
      await reconcile();
    } finally {
      cancel.mockRestore();
    }
    expect(await paymentRow(crashed.paymentId)).toMatchObject({ status: 'FAILED', booking_id: null });
    return crashed;
  }

  describe('a charge arriving after the reconciler gave up', () => {
    it('is refused: the reconciler cancels the charge key at the gateway before failing the attempt', async () => {
      const { customer, service } = await createMarketplace(t);
      const crashed = await insertInterruptedCheckout(t, { customer, service, at: nextLocal('UTC', 'monday', '10:00') });

      await reconcile();
      expect(await paymentRow(crashed.paymentId)).toMatchObject({ status: 'FAILED', booking_id: null, refunded_amount: '0.00' });

      // The request that was paused resumes and charges: the processor refuses the cancelled key.
      const late = await gateway.charge({
        idempotencyKey: crashed.paymentId,
        amountMinor: service.price * 100,
        currency: service.currency,
        paymentMethod: { type: 'card', brand: 'visa', last4: '4242' },
      });
      expect(late).toMatchObject({ approved: false });
      const settled = await t.app.get(BookingCheckoutService).settle(await paymentOf(crashed.paymentId), late);
      expect(settled).toMatchObject({ approved: false });
      expect(await countRows(t, service.id)).toEqual({ bookings: 0, payments: 1, charges: 0, succeeded: 0 });
    });

    it('is voided, recorded as a full refund, when the gateway approved it all the same', async () => {
      const { customer, service } = await createMarketplace(t);
      const { paymentId } = await failedWhileChargeInFlight(customer, service);

      const late = await gateway.charge({
        idempotencyKey: paymentId,
        amountMinor: service.price * 100,
        currency: service.currency,
        paymentMethod: { type: 'card', brand: 'visa', last4: '4242' },
      });
      expect(late).toMatchObject({ approved: true });
      const settled = await t.app.get(BookingCheckoutService).settle(await paymentOf(paymentId), late);

      expect(settled).toMatchObject({ approved: false, reason: expect.stringMatching(/voided/) });
      expect(await paymentRow(paymentId)).toMatchObject({ status: 'FAILED', transaction_id: late.transactionId, refunded_amount: service.price.toFixed(2) });
      expect(await refundsOf(paymentId)).toEqual([
        { id: expect.any(String), amount: service.price.toFixed(2), status: 'SUCCEEDED', gateway_minor: String(service.price * 100) },
      ]);
      // Met again (the reconciler, another retry): voided once only.
      await t.app.get(BookingCheckoutService).settle(await paymentOf(paymentId), late);
      expect(await refundsOf(paymentId)).toHaveLength(1);
    });

    it('is voided by the reconciler later when the gateway refused the void at first', async () => {
      const { customer, service } = await createMarketplace(t);
      const { paymentId } = await failedWhileChargeInFlight(customer, service);
      const late = await gateway.charge({
        idempotencyKey: paymentId,
        amountMinor: service.price * 100,
        currency: service.currency,
        paymentMethod: { type: 'card', brand: 'visa', last4: '4242' },
      });

      const refund = jest.spyOn(gateway, 'refund').mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
      try {
        await t.app.get(BookingCheckoutService).settle(await paymentOf(paymentId), late);
      } finally {
        refund.mockRestore();
      }
      const [pending] = await refundsOf(paymentId);
      expect(pending).toMatchObject({ status: 'PENDING', gateway_minor: null });

      await t.dataSource.query(`UPDATE refunds SET created_at = now() - interval '10 minutes' WHERE id = $1`, [pending.id]);
      await reconcile();
      expect(await refundsOf(paymentId)).toEqual([{ ...pending, status: 'SUCCEEDED', gateway_minor: String(service.price * 100) }]);
    });
  });

  describe('an Idempotency-Key whose request created a payment', () => {
    /** `POST /bookings/` with `key`, while the processor's answer to the charge is lost (after it `charged`, or not). */
    async function bookLosingAnswer(customer: TestUser, key: string, body: Record<string, unknown>, charged: boolean) {
      const charge = jest.spyOn(gateway, 'charge').mockImplementationOnce(async (request) => {
        if (charged) await gateway.charge(request);
        throw new Error('socket hang up');
      });
      const find = jest.spyOn(gateway, 'findCharge').mockRejectedValueOnce(new Error('connect ETIMEDOUT'));
      try {
        return await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(body);
      } finally {
        charge.mockRestore();
        find.mockRestore();
      }
    }

    async function keyRow(userId: string, key: string) {
      const [row] = await t.dataSource.query<Array<{ state: string; resource_id: string | null }>>(
        'SELECT state, resource_id FROM idempotency_keys WHERE user_id = $1 AND key = $2',
        [userId, key],
      );
      return row;
    }

    /** What a dead request leaves, made old: the payment past the reconciler's cut-off, the key past the 5 minutes after which an unlinked key is taken over. */
    async function age(userId: string, key: string, paymentId: string): Promise<void> {
      await t.dataSource.query(`UPDATE payments SET created_at = now() - interval '10 minutes' WHERE id = $1`, [paymentId]);
      await t.dataSource.query(`UPDATE bookings SET created_at = now() - interval '10 minutes' WHERE id = (SELECT booking_id FROM payments WHERE id = $1)`, [
        paymentId,
      ]);
      await t.dataSource.query(`UPDATE idempotency_keys SET locked_at = now() - interval '10 minutes' WHERE user_id = $1 AND key = $2`, [userId, key]);
    }

    for (const charged of [true, false]) {
      it(`answers 409 with Retry-After while unsettled, then the settled ${charged ? '201 booking' : '402 decline'}, never running again`, async () => {
        const { customer, service } = await createMarketplace(t);
        const key = `lost-${randomUUID()}`;
        const body = bookingBody(service, nextLocal('UTC', 'monday', '10:00'));

        expectProblem(await bookLosingAnswer(customer, key, body, charged), 502, 'PAYMENT_UNCONFIRMED');
        const linked = await keyRow(customer.id, key);
        expect(linked).toMatchObject({ state: 'IN_PROGRESS', resource_id: expect.any(String) });
        const paymentId = linked.resource_id as string;

        const during = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(body);
        expectProblem(during, 409, 'IDEMPOTENCY_KEY_IN_USE');
        expect(Number(during.headers['retry-after'])).toBeGreaterThanOrEqual(1);

        await age(customer.id, key, paymentId);
        // Past the 5 minutes, still unsettled: still 409, not run again.
        expectProblem(await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(body), 409, 'IDEMPOTENCY_KEY_IN_USE');
        await reconcile();

        const settled = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(body);
        expect(settled.headers['idempotent-replayed']).toBe('true');
        if (charged) {
          expect(settled.status).toBe(201);
          expect(settled.body).toMatchObject({ status: 'CONFIRMED', serviceId: service.id, customerId: customer.id });
          expect(settled.body.id).toBe((await paymentRow(paymentId)).booking_id);
        } else {
          expectProblem(settled, 402, 'PAYMENT_DECLINED');
        }
        const again = await t.http.post('/bookings/').set(customer.auth).set('Idempotency-Key', key).send(body);
        expect(again.status).toBe(settled.status);
        expect(again.text).toBe(settled.text);
        expect(await keyRow(customer.id, key)).toEqual({ state: 'COMPLETED', resource_id: paymentId });
        expect(await countRows(t, service.id)).toEqual(
          charged ? { bookings: 1, payments: 1, charges: 1, succeeded: 1 } : { bookings: 0, payments: 1, charges: 0, succeeded: 0 },
        );
      });
    }
  });
});
