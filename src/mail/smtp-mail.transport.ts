import { createTransport, Transporter } from 'nodemailer';
import { mailOptions, messageIdDomainOf } from './mail-composition';
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
    this.messageIdDomain = messageIdDomainOf(from);
  }

  async deliver(message: MailMessage): Promise<SentMail> {
    const info = (await this.transporter.sendMail(mailOptions(message, this.from, this.messageIdDomain))) as { messageId: string };
    return { id: info.messageId };
  }

  close(): void {
    this.transporter.close();
  }
}
