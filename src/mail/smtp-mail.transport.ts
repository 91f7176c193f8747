import { createTransport, Transporter } from 'nodemailer';
import { MailMessage, MailTransport, SentMail } from './mail-message';

/** Production transport: SMTP through nodemailer, configured by `SMTP_URL`. */
export class SmtpMailTransport extends MailTransport {
  private readonly transporter: Transporter;
  private readonly messageIdDomain: string;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    super();
    this.transporter = createTransport(smtpUrl);
    this.messageIdDomain = /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'marketplace.local';
  }

  async deliver(message: MailMessage): Promise<SentMail> {
    const info = (await this.transporter.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      headers: { 'X-Mail-Kind': message.kind },
      ...(message.id ? { messageId: `<${message.id}@${this.messageIdDomain}>` } : {}),
    })) as { messageId: string };
    return { id: info.messageId };
  }

  close(): void {
    this.transporter.close();
  }
}
