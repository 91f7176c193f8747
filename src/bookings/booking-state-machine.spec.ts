import { BookingStatus } from './booking.entity';
import { assertTransition, canTransition, InvalidTransitionError, sourcesOf } from './booking-state-machine';

const { PENDING, CONFIRMED, COMPLETED, CANCELLED } = BookingStatus;

describe('booking state machine', () => {
  it.each([
    [PENDING, CONFIRMED],
    [PENDING, CANCELLED],
    [CONFIRMED, COMPLETED],
    [CONFIRMED, CANCELLED],
  ])('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each([
    [PENDING, COMPLETED],
    [PENDING, PENDING],
    [CONFIRMED, PENDING],
    [CONFIRMED, CONFIRMED],
    [COMPLETED, CANCELLED],
    [COMPLETED, CONFIRMED],
    [CANCELLED, CONFIRMED],
    [CANCELLED, COMPLETED],
    [CANCELLED, CANCELLED],
  ])('refuses %s -> %s with INVALID_TRANSITION (409)', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(InvalidTransitionError);
    try {
      assertTransition(from, to);
    } catch (error) {
      expect(error).toMatchObject({ status: 409, code: 'INVALID_TRANSITION' });
    }
  });

  it('lists the statuses a move may start from', () => {
    expect(sourcesOf(CANCELLED).sort()).toEqual([CONFIRMED, PENDING].sort());
    expect(sourcesOf(COMPLETED)).toEqual([CONFIRMED]);
    expect(sourcesOf(PENDING)).toEqual([]);
  });
});
