import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CalendarEvent, renderCalendarEvent } from '../../common/calendar/icalendar';
import { AppConfig } from '../../config/app.config';

/** What of a booking its calendar event shows. */
export interface BookingCalendarFacts {
  bookingId: string;
  serviceTitle: string;
  scheduledAt: Date;
  durationMinutes: number;
  calendarSequence?: number;
}

/** REQUEST adds or moves the event in the attendee's calendar; CANCEL removes it. */
export type InviteMethod = 'REQUEST' | 'CANCEL';

export interface Attendee {
  name: string;
  email: string;
}

/**
 * A booking's calendar event, as its e-mails attach it and GET /bookings/{id}/calendar.ics answers it: one
 * UID per booking (`<booking id>@<APP_URL's host>`), SEQUENCE the booking's `calendar_sequence` (raised by each
 * reschedule and the cancellation), times in UTC, organized by the marketplace's sender address.
 */
@Injectable()
export class BookingCalendar {
  private readonly uidDomain: string;
  private readonly organizer: Attendee;

  constructor(config: ConfigService<AppConfig, true>) {
    this.uidDomain = new URL(config.get('http', { infer: true }).appUrl).hostname || 'marketplace.local';
    this.organizer = organizerOf(config.get('mail', { infer: true }).from);
  }

  uidOf(bookingId: string): string {
    return `${bookingId}@${this.uidDomain}`;
  }

  event(booking: BookingCalendarFacts, method: InviteMethod, attendees: Attendee[], stamp: Date): CalendarEvent {
    const start = new Date(booking.scheduledAt);
    return {
      uid: this.uidOf(booking.bookingId),
      sequence: booking.calendarSequence ?? 0,
      method,
      status: method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED',
      start,
      end: new Date(start.getTime() + booking.durationMinutes * 60_000),
      stamp,
      summary: booking.serviceTitle,
      description: `Booking ID: ${booking.bookingId}`,
      organizer: this.organizer,
      attendees,
    };
  }

  /** The iCalendar text of the booking's event. */
  render(booking: BookingCalendarFacts, method: InviteMethod, attendees: Attendee[], stamp: Date): string {
    return renderCalendarEvent(this.event(booking, method, attendees, stamp));
  }
}

/** `Service Marketplace <no-reply@example.com>` -> its name and address (a bare address names the marketplace). */
function organizerOf(from: string): Attendee {
  const named = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  if (named) return { name: named[1] || 'Service Marketplace', email: named[2] };
  return { name: 'Service Marketplace', email: from.trim() };
}
