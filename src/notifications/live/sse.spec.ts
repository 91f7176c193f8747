import { ValidationFailedError } from '../../common/errors/domain.error';
import { formatSseComment, formatSseEvent, formatSseRetry, parseLastEventId } from './sse';

describe('formatSseEvent', () => {
  it('writes id, event and data, ended by a blank line', () => {
    expect(formatSseEvent({ id: 42, event: 'booking_created', data: '{"a":1}' })).toBe('id: 42\nevent: booking_created\ndata: {"a":1}\n\n');
  });

  it('splits multi-line data into one data line per line (any line ending)', () => {
    expect(formatSseEvent({ data: 'one\ntwo\r\nthree\rfour' })).toBe('data: one\ndata: two\ndata: three\ndata: four\n\n');
  });

  it('keeps empty data as one empty data line, so the event still dispatches', () => {
    expect(formatSseEvent({ id: 1, data: '' })).toBe('id: 1\ndata: \n\n');
  });

  it('cannot be made to forge fields through a line break in id or event', () => {
    const frame = formatSseEvent({ id: '7\ndata: forged', event: 'x\n\nevent: y', data: 'ok' });
    expect(frame).toBe('id: 7 data: forged\nevent: x event: y\ndata: ok\n\n');
    expect(frame.split('\n\n')).toHaveLength(2);
  });

  it('leaves JSON with escaped newlines on one line', () => {
    const data = JSON.stringify({ message: 'line1\nline2' });
    expect(formatSseEvent({ data })).toBe(`data: ${data}\n\n`);
  });
});

describe('formatSseComment and formatSseRetry', () => {
  it('prefixes every line of a comment with a colon', () => {
    expect(formatSseComment('ping')).toBe(': ping\n\n');
    expect(formatSseComment('a\nb')).toBe(': a\n: b\n\n');
  });

  it('writes the reconnection delay in whole milliseconds', () => {
    expect(formatSseRetry(3000)).toBe('retry: 3000\n\n');
    expect(formatSseRetry(2.7)).toBe('retry: 2\n\n');
  });
});

describe('parseLastEventId', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['  ', null],
    ['0', 0],
    ['17', 17],
    [' 17 ', 17],
    [['3', '9'], 9],
  ])('%p -> %p', (header, expected) => {
    expect(parseLastEventId(header)).toBe(expected);
  });

  it.each(['-1', '1.5', 'abc', '12abc', '9999999999999999'])('refuses %p with a validation error naming the header', (header) => {
    expect(() => parseLastEventId(header)).toThrow(ValidationFailedError);
    try {
      parseLastEventId(header);
    } catch (error) {
      expect((error as ValidationFailedError).errors?.[0].field).toBe('Last-Event-ID');
    }
  });
});
