/** A calendar invite (RFC 5546) an e-mail carries: the METHOD and the whole iCalendar text. */
export interface MailCalendar {
  method: 'REQUEST' | 'CANCEL' | 'PUBLISH';
  /** The iCalendar object (VCALENDAR with its METHOD), exactly as sent. */
  content: string;
  /** The attachment's file name; `invite.ics` when absent. */
  filename?: string;
}

/** One e-mail. `kind` names the message type and, with the file transport, the start of the file name. */
export interface MailMessage {
  kind: string;
  to: string;
  subject: string;
  text: string;
  /**
   * A stable id for this message (the outbox row's id), so that a message sent again after a crash or a
   * lost reply carries the same Message-ID and receivers can tell it is the same one.
   */
  id?: string;
  /** A calendar invite, sent as a text/calendar alternative and as an `.ics` attachment. */
  calendar?: MailCalendar | null;
}

export interface SentMail {
  id: string;
}

export abstract class MailTransport {
  abstract deliver(message: MailMessage): Promise<SentMail>;
}
