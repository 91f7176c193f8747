import { ConfigService } from '@nestjs/config';
import ICAL from 'ical.js';
import { AppConfig } from '../../config/app.config';
import { BookingCalendar } from './booking-calendar';

const calendarWith = (appUrl: string, from: string): BookingCalendar =>
  new BookingCalendar({
    get: (key: string) => (key === 'http' ? { appUrl } : { from }),
  } as unknown as ConfigService<AppConfig, true>);

const booking = {
  bookingId: '6f1f7c1e-0000-4000-8000-000000000001',
  serviceTitle: 'Deep clean; 3 rooms, 2 baths',
  scheduledAt: new Date('2030-01-07T14:00:00.000Z'),
  durationMinutes: 90,
  calendarSequence: 3,
};
const ann = { name: 'Ann', email: 'ann@example.com' };
const stamp = new Date('2029-12-01T08:00:00.000Z');

describe('BookingCalendar', () => {
  const calendar = calendarWith('https://api.marketplace.example:8443/v1', 'Service Marketplace <bookings@marketplace.example>');

  it('one UID per booking, on the host of APP_URL', () => {
    expect(calendar.uidOf(booking.bookingId)).toBe(`${booking.bookingId}@api.marketplace.example`);
    expect(calendar.event(booking, 'REQUEST', [ann], stamp).uid).toBe(calendar.event(booking, 'CANCEL', [], stamp).uid);
  });

  it('REQUEST is a confirmed event, CANCEL a cancelled one; the SEQUENCE is the booking’s, 0 when it has none', () => {
    expect(calendar.event(booking, 'REQUEST', [ann], stamp)).toMatchObject({ method: 'REQUEST', status: 'CONFIRMED', sequence: 3 });
    expect(calendar.event(booking, 'CANCEL', [ann], stamp)).toMatchObject({ method: 'CANCEL', status: 'CANCELLED', sequence: 3 });
    expect(calendar.event({ ...booking, calendarSequence: undefined }, 'REQUEST', [], stamp).sequence).toBe(0);
  });

  it('renders UTC times, the end from the duration, escaped text and the organizer from MAIL_FROM', () => {
    const ics = calendar.render(booking, 'CANCEL', [ann], stamp);
    expect(ics).toContain('METHOD:CANCEL\r\n');
    expect(ics).toContain('DTSTART:20300107T140000Z\r\n');
    expect(ics).toContain('DTEND:20300107T153000Z\r\n');
    expect(ics).toContain('DTSTAMP:20291201T080000Z\r\n');
    expect(ics).toContain('SEQUENCE:3\r\n');
    expect(ics).toContain('STATUS:CANCELLED\r\n');
    expect(ics).toContain('SUMMARY:Deep clean\\; 3 rooms\\, 2 baths\r\n');
    expect(ics).toMatch(/^ORGANIZER;CN="Service Marketplace":mailto:bookings@marketplace\.example\r$/m);
    expect(ics.replace(/\r\n[ \t]/g, '')).toMatch(/^ATTENDEE;[^\r\n]*CN="?Ann"?:mailto:ann@example\.com\r$/im);
  });

  it('folds long lines at 75 octets without splitting a character; a calendar parser reads the text back unchanged', () => {
    const summary = `Ménage complet — ${'salle de bains, cuisine; '.repeat(6)}"fin"\nsecond line`;
    const ics = calendar.render({ ...booking, serviceTitle: summary }, 'REQUEST', [{ name: 'Zoë "Z" Ångström', email: 'zoe@example.com' }], stamp);
    expect(ics.endsWith('\r\n')).toBe(true);
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const vevent = new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent');
    expect(vevent?.getFirstPropertyValue('summary')).toBe(summary);
    expect(vevent?.getFirstProperty('attendee')?.getParameter('cn')).toBe('Zoë Z Ångström');
    expect(String(vevent?.getFirstPropertyValue('attendee'))).toBe('mailto:zoe@example.com');
  });

  it('takes a bare MAIL_FROM address as the organizer, named after the marketplace', () => {
    const bare = calendarWith('http://localhost:8000', 'no-reply@example.com');
    expect(bare.event(booking, 'REQUEST', [], stamp).organizer).toEqual({ name: 'Service Marketplace', email: 'no-reply@example.com' });
    expect(bare.uidOf('b')).toBe('b@localhost');
  });
});
