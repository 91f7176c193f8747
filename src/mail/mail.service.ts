import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config/app.config';
import { FileMailTransport } from './file-mail.transport';
import { MailMessage, MailTransport, SentMail } from './mail-message';
import { SmtpMailTransport } from './smtp-mail.transport';

/** The one way to send e-mail: SMTP when `SMTP_URL` is set, otherwise files in `EMAIL_OUTPUT_DIR`. */
@Injectable()
export class MailService implements OnApplicationShutdown {
  private readonly logger = new Logger(MailService.name);
  private readonly transport: MailTransport;

  constructor(config: ConfigService<AppConfig, true>) {
    const mail = config.get('mail', { infer: true });
    this.transport = mail.smtpUrl ? new SmtpMailTransport(mail.smtpUrl, mail.from) : new FileMailTransport(mail.outputDir, mail.from);
  }

  /** Delivers or throws; callers that must not fail catch and retry. */
  async send(message: MailMessage): Promise<SentMail> {
    const sent = await this.transport.deliver(message);
    this.logger.log({ kind: message.kind, mailId: sent.id }, 'Mail sent');
    return sent;
  }

  onApplicationShutdown(): void {
    if (this.transport instanceof SmtpMailTransport) this.transport.close();
  }
}
