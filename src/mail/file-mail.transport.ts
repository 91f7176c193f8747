import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { composeMail } from './mail-composition';
import { MailMessage, MailTransport, SentMail } from './mail-message';

/**
 * Development transport: one `<kind>_<timestamp>_<id>.txt` per message, holding To, Subject and body, and
 * beside it `<same name>.eml`, the whole message as SMTP would send it (attachments included), which a mail
 * client opens.
 */
export class FileMailTransport extends MailTransport {
  constructor(
    private readonly directory: string,
    private readonly from = 'Service Marketplace <no-reply@marketplace.local>',
  ) {
    super();
  }

  async deliver(message: MailMessage): Promise<SentMail> {
    const id = message.id ?? randomUUID();
    const timestamp = new Date().toISOString().replace(/[-:.]/g, '');
    await mkdir(this.directory, { recursive: true });
    const name = `${message.kind}_${timestamp}_${id}`;
    const eml = await composeMail({ ...message, id }, this.from);
    // The .eml first: whoever watches for the .txt finds its .eml already there.
    await writeFile(join(this.directory, `${name}.eml`), eml, { flag: 'wx' });
    const content = `To: ${message.to}\nSubject: ${message.subject}\n\n${message.text}\n`;
    await writeFile(join(this.directory, `${name}.txt`), content, { flag: 'wx' });
    return { id };
  }
}
