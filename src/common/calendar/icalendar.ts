/** What a calendar invite says about one event; times are instants, written in UTC. */
export interface CalendarEvent {
  /** Stable for the life of the event: mail clients match updates and cancellations by it. */
  uid: string;
  /** Raised on every change the organizer sends; a client ignores an update older than what it has. */
  sequence: number;
  method: 'REQUEST' | 'CANCEL' | 'PUBLISH';
  status: 'CONFIRMED' | 'CANCELLED';
  start: Date;
  end: Date;
  /** When this version of the event was made (DTSTAMP). */
  stamp: Date;
  summary: string;
  description?: string;
  location?: string | null;
  organizer: { name: string; email: string };
  attendees: Array<{ name: string; email: string }>;
}

const PRODUCT_ID = '-//Service Marketplace//Bookings//EN';

/** `20300107T140000Z` (RFC 5545 3.3.5, UTC form). */
const utc = (instant: Date): string =>
  instant
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped. */
const text = (value: string): string =>
  value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r?\n|\r/g, '\\n');

/** A parameter value, always quoted (RFC 5545 3.2): a double quote cannot appear inside, control characters neither. */
const param = (value: string): string => `"${value.replace(/["\p{Cc}]/gu, '')}"`;

/** A mailto: URI for an address (no line breaks or spaces can reach the line). */
const mailto = (address: string): string => `mailto:${address.replace(/[\s"]/g, '')}`;

/** Folds a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1). */
function fold(line: string): string {
  if (Buffer.byteLength(line) <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let size = 0;
  for (const char of line) {
    const bytes = Buffer.byteLength(char);
    // The first line holds 75 octets; continuation lines 74 after their leading space.
    if (size + bytes > (parts.length ? 74 : 75)) {
      parts.push(current);
      current = '';
      size = 0;
    }
    current += char;
    size += bytes;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/**
 * The iCalendar object (RFC 5545, with the RFC 5546 METHOD) of one event. Written here rather than with a
 * library: the `ics` package validates every call with yup (about 1.3 ms of CPU an invite, two or more per
 * booking change); these few properties need only escaping and folding, checked by ical.js in the tests.
 */
export function renderCalendarEvent(event: CalendarEvent): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${PRODUCT_ID}`,
    'CALSCALE:GREGORIAN',
    `METHOD:${event.method}`,
    'BEGIN:VEVENT',
    `UID:${text(event.uid)}`,
    `SEQUENCE:${event.sequence}`,
    `DTSTAMP:${utc(event.stamp)}`,
    `DTSTART:${utc(event.start)}`,
    `DTEND:${utc(event.end)}`,
    `SUMMARY:${text(event.summary)}`,
    ...(event.description ? [`DESCRIPTION:${text(event.description)}`] : []),
    ...(event.location ? [`LOCATION:${text(event.location)}`] : []),
    `STATUS:${event.status}`,
    `ORGANIZER;CN=${param(event.organizer.name)}:${mailto(event.organizer.email)}`,
    ...event.attendees.map(
      (attendee) => `ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE;CN=${param(attendee.name)}:${mailto(attendee.email)}`,
    ),
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
