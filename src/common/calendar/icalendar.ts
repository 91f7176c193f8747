import { createEvent, EventAttributes } from 'ics';

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
  url?: string;
  organizer: { name: string; email: string };
  attendees: Array<{ name: string; email: string }>;
}

const PRODUCT_ID = '-//Service Marketplace//Bookings//EN';

/** The iCalendar text (RFC 5545, with the RFC 5546 METHOD) of one event, rendered by the `ics` library. */
export function renderCalendarEvent(event: CalendarEvent): string {
  const attributes: EventAttributes & { timestamp: number } = {
    productId: PRODUCT_ID,
    method: event.method,
    uid: event.uid,
    sequence: event.sequence,
    timestamp: event.stamp.getTime(),
    start: event.start.getTime(),
    startInputType: 'utc',
    startOutputType: 'utc',
    end: event.end.getTime(),
    endInputType: 'utc',
    endOutputType: 'utc',
    title: event.summary,
    description: event.description,
    location: event.location ?? undefined,
    url: event.url,
    status: event.status,
    organizer: event.organizer,
    attendees: event.attendees.map((attendee) => ({ ...attendee, rsvp: false, partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT' })),
  };
  const { error, value } = createEvent(attributes);
  if (error || !value) throw error ?? new Error('The calendar event could not be rendered');
  return value;
}
