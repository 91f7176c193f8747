/** One e-mail. `kind` names the message type and, with the file transport, the start of the file name. */
export interface MailMessage {
  kind: string;
  to: string;
  subject: string;
  text: string;
}

export interface SentMail {
  id: string;
}

export abstract class MailTransport {
  abstract deliver(message: MailMessage): Promise<SentMail>;
}
