import ICAL from 'ical.js';
import { simpleParser, type Attachment, type ParsedMail } from 'mailparser';

/** One VEVENT as a calendar client reads it (through ical.js), with its calendar's METHOD. */
export interface ParsedInvite {
  method: string | null;
  uid: string;
  sequence: number;
  status: string | null;
  summary: string;
  start: Date;
  end: Date;
  organizer: string | null;
  attendees: string[];
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : value === null || value === undefined ? null : JSON.stringify(value));
/** `MAILTO:` and `mailto:` are the same URI scheme. */
const address = (value: unknown): string | null => text(value)?.replace(/^mailto:/i, 'mailto:') ?? null;

/** Parses an iCalendar object holding one event; throws if ical.js does not accept it. */
export function parseInvite(ics: string): ParsedInvite {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const vevents = calendar.getAllSubcomponents('vevent');
  if (vevents.length !== 1) throw new Error(`expected one VEVENT, found ${vevents.length}`);
  const [vevent] = vevents;
  const event = new ICAL.Event(vevent);
  return {
    method: text(calendar.getFirstPropertyValue('method')),
    uid: event.uid,
    sequence: event.sequence,
    status: text(vevent.getFirstPropertyValue('status')),
    summary: event.summary,
    start: event.startDate.toJSDate(),
    end: event.endDate.toJSDate(),
    organizer: address(vevent.getFirstPropertyValue('organizer')),
    attendees: vevent.getAllProperties('attendee').map((property) => address(property.getFirstValue()) ?? ''),
  };
}

/** A whole RFC 5322 message parsed by mailparser, and the calendar invite among its parts. */
export async function parseMailWithInvite(raw: Buffer | string): Promise<{ mail: ParsedMail; ics: string; attachment: Attachment; invite: ParsedInvite }> {
  const mail = await simpleParser(raw);
  const attachment = mail.attachments.find((part) => /^(text\/calendar|application\/ics)$/i.test(part.contentType));
  if (!attachment) throw new Error(`no calendar part among ${mail.attachments.map((part) => part.contentType).join(', ') || 'no attachments'}`);
  const ics = attachment.content.toString('utf8');
  return { mail, ics, attachment, invite: parseInvite(ics) };
}
