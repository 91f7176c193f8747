import type { SendMailOptions } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { MailMessage } from './mail-message';

/** The domain of the Message-IDs: the sender address's, so that receivers see ids of the sending domain. */
export function messageIdDomainOf(from: string): string {
  return /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'marketplace.local';
}

/** What nodemailer builds the message from, for every transport alike (SMTP sends it; files keep it as .eml). */
export function mailOptions(message: MailMessage, from: string, messageIdDomain = messageIdDomainOf(from)): SendMailOptions {
  const { calendar } = message;
  return {
    from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    headers: { 'X-Mail-Kind': message.kind },
    ...(message.id ? { messageId: `<${message.id}@${messageIdDomain}>` } : {}),
    // nodemailer sends it as a text/calendar alternative (what Outlook and Gmail act on) and as an attachment.
    ...(calendar ? { icalEvent: { method: calendar.method, filename: calendar.filename ?? 'invite.ics', content: calendar.content } } : {}),
  };
}

/** The whole RFC 5322 message, as an SMTP server would receive it. */
export function composeMail(message: MailMessage, from: string): Promise<Buffer> {
  return new MailComposer(mailOptions(message, from)).compile().build();
}
