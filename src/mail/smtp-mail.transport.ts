import { createTransport, Transporter } from 'nodemailer';
import { MailMessage, MailTransport, SentMail } from './mail-message';

/** Production transport: SMTP through nodemailer, configured by `SMTP_URL`. */
export class SmtpMailTransport extends MailTransport {
  private readonly transporter: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    super();
    this.transporter = createTransport(smtpUrl);
  }

  async deliver(message: MailMessage): Promise<SentMail> {
    const info = (await this.transporter.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      headers: { 'X-Mail-Kind': message.kind },
    })) as { messageId: string };
    return { id: info.messageId };
  }

  close(): void {
    this.transporter.close();
  }
}
