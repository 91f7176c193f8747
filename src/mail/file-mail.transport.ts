import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MailMessage, MailTransport, SentMail } from './mail-message';

/** Development transport: one `<kind>_<timestamp>_<id>.txt` per message, holding To, Subject and body. */
export class FileMailTransport extends MailTransport {
  constructor(private readonly directory: string) {
    super();
  }

  async deliver(message: MailMessage): Promise<SentMail> {
    const id = message.id ?? randomUUID();
    const timestamp = new Date().toISOString().replace(/[-:.]/g, '');
    await mkdir(this.directory, { recursive: true });
    const content = `To: ${message.to}\nSubject: ${message.subject}\n\n${message.text}\n`;
    await writeFile(join(this.directory, `${message.kind}_${timestamp}_${id}.txt`), content, { flag: 'wx' });
    return { id };
  }
}
