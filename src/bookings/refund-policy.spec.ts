import { Role } from '../common/auth/role.enum';
import { quoteCancellationRefund, refundPolicyStart } from './refund-policy';

const now = new Date('2030-01-01T12:00:00Z');
const hoursFromNow = (hours: number) => new Date(now.getTime() + hours * 3_600_000);
const quote = (cancelledBy: Role, hoursAhead: number, refundableMinor = 10_000) =>
  quoteCancellationRefund({ cancelledBy, startsAt: hoursFromNow(hoursAhead), now, refundableMinor, fullRefundHours: 24 });

describe('cancellation refund policy', () => {
  it('refunds a customer in full at least 24 hours ahead, boundary included', () => {
    expect(quote(Role.CUSTOMER, 48)).toMatchObject({ refundMinor: 10_000, fullRefund: true });
    expect(quote(Role.CUSTOMER, 24)).toMatchObject({ refundMinor: 10_000, fullRefund: true });
  });

  it('refunds a customer nothing later than that', () => {
    expect(quote(Role.CUSTOMER, 23.99)).toMatchObject({ refundMinor: 0, fullRefund: false });
    expect(quote(Role.CUSTOMER, 1)).toMatchObject({ refundMinor: 0, fullRefund: false });
  });

  it('refunds a provider or admin cancellation in full, even at the last minute', () => {
    expect(quote(Role.PROVIDER, 0.5)).toMatchObject({ refundMinor: 10_000, fullRefund: true });
    expect(quote(Role.ADMIN, 0.1)).toMatchObject({ refundMinor: 10_000, fullRefund: true });
  });

  it('never refunds more than is still refundable', () => {
    expect(quote(Role.PROVIDER, 1, 2_500).refundMinor).toBe(2_500);
    expect(quote(Role.CUSTOMER, 100, 0).refundMinor).toBe(0);
  });
});

describe('refundPolicyStart', () => {
  const at = (iso: string) => new Date(iso);
  it('is the start of a booking never moved', () => {
    expect(refundPolicyStart({ scheduledAt: at('2027-01-10T10:00:00Z'), earliestScheduledAt: null })).toEqual(at('2027-01-10T10:00:00Z'));
  });
  it('is the earliest start a moved booking has had, so moving it later buys no better refund', () => {
    expect(refundPolicyStart({ scheduledAt: at('2027-02-20T10:00:00Z'), earliestScheduledAt: at('2027-01-10T10:00:00Z') })).toEqual(at('2027-01-10T10:00:00Z'));
    expect(refundPolicyStart({ scheduledAt: at('2027-01-05T10:00:00Z'), earliestScheduledAt: at('2027-01-10T10:00:00Z') })).toEqual(at('2027-01-05T10:00:00Z'));
  });
});
