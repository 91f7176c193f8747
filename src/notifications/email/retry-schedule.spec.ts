import { isPermanentMailError, retryDelayMs } from './retry-schedule';

describe('retryDelayMs', () => {
  it('waits the base delay after the first failure, then doubles', () => {
    expect([1, 2, 3, 4, 5].map((failures) => retryDelayMs(failures, 10_000, 3_600_000))).toEqual([10_000, 20_000, 40_000, 80_000, 160_000]);
  });

  it('never waits more than the maximum', () => {
    expect(retryDelayMs(9, 10_000, 3_600_000)).toBe(2_560_000);
    expect(retryDelayMs(10, 10_000, 3_600_000)).toBe(3_600_000);
    expect(retryDelayMs(1_000, 10_000, 3_600_000)).toBe(3_600_000);
  });

  it('does not wait before a first attempt', () => {
    expect(retryDelayMs(0, 10_000, 3_600_000)).toBe(0);
  });

  it('scales with a short test interval', () => {
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(failures, 50, 300))).toEqual([50, 100, 200, 300]);
  });
});

describe('isPermanentMailError', () => {
  it.each([
    [{ code: 'EENVELOPE', responseCode: 550 }, true],
    [{ code: 'EMESSAGE', responseCode: 554 }, true],
    [{ code: 'EENVELOPE', responseCode: 450 }, false],
    [{ code: 'EAUTH', responseCode: 535 }, false],
    [{ code: 'ECONNECTION', errno: -111 }, false],
    [{ code: 'ETIMEDOUT' }, false],
    [new Error('boom'), false],
    [undefined, false],
  ])('%p -> %p', (error, permanent) => {
    expect(isPermanentMailError(error)).toBe(permanent);
  });
});
