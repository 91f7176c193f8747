import { normalizeAvailability } from './weekly-availability';

describe('weekly availability', () => {
  it('accepts weekday keys in any case and stores them lower-case with sorted windows', () => {
    const { value, problems } = normalizeAvailability({ Monday: ['13:00-17:00', '09:00-12:00'], FRIDAY: ['10:00-24:00'] });
    expect(problems).toEqual([]);
    expect(value).toEqual({ monday: ['09:00-12:00', '13:00-17:00'], friday: ['10:00-24:00'] });
  });

  it.each([
    [{ funday: ['09:00-10:00'] }, /funday is not a weekday/],
    [{ monday: ['9-10'] }, /not a "HH:MM-HH:MM" window/],
    [{ monday: ['25:00-26:00'] }, /not a "HH:MM-HH:MM" window/],
    [{ monday: ['10:00-09:00'] }, /must start before it ends/],
    [{ monday: ['10:00-10:00'] }, /must start before it ends/],
    [{ monday: ['09:00-11:00', '10:30-12:00'] }, /overlap/],
    [{ monday: [] }, /at least one window/],
    [{}, /at least one window/],
    [{ monday: '09:00-10:00' }, /must be a list/],
    [['09:00-10:00'], /must be an object/],
    [null, /must be an object/],
    [{ monday: ['09:00-10:00'], MONDAY: ['11:00-12:00'] }, /given twice/],
  ])('rejects %j', (input, message) => {
    const { problems } = normalizeAvailability(input);
    expect(problems.join('\n')).toMatch(message);
  });

  it('allows back-to-back windows', () => {
    expect(normalizeAvailability({ monday: ['09:00-10:00', '10:00-11:00'] }).problems).toEqual([]);
  });
});
