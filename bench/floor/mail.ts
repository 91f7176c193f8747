import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mailDir, pool } from './context';
import { rows } from './sql';

const mailQueue: string[] = [];
let draining = false;

/** After commit: claim the e-mails, write them as files, mark them sent, 20 per transaction (as the app's outbox). */
export function sendSoon(ids: string[]): void {
  mailQueue.push(...ids);
  if (draining) return;
  draining = true;
  void (async () => {
    while (mailQueue.length) {
      const batch = mailQueue.splice(0, 20);
      const client = await pool.connect();
      try {
        await client.query('START TRANSACTION');
        const claimed = await rows<{ id: string; kind: string; recipient: string; subject: string; body: string }>(
          client,
          {
            text: `SELECT id, kind, recipient, subject, body, attempts FROM email_outbox
                    WHERE id = ANY($1::uuid[]) AND status = 'PENDING'
                    ORDER BY created_at, id
                    FOR UPDATE SKIP LOCKED`,
          },
          [batch],
        );
        for (let start = 0; start < claimed.length; start += 5) {
          const chunk = claimed.slice(start, start + 5);
          await Promise.all(
            chunk.map(async (email) => {
              await mkdir(mailDir, { recursive: true });
              const stamp = new Date().toISOString().replace(/[-:.]/g, '');
              await writeFile(join(mailDir, `${email.kind}_${stamp}_${email.id}.txt`), `To: ${email.recipient}\nSubject: ${email.subject}\n\n${email.body}\n`, {
                flag: 'wx',
              });
            }),
          );
          for (const email of chunk) {
            await client.query(
              `UPDATE email_outbox SET status = 'SENT', attempts = attempts + 1, sent_at = now(), transport_message_id = $2, last_error = NULL WHERE id = $1`,
              [email.id, email.id],
            );
          }
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        console.error(error);
      } finally {
        client.release();
      }
    }
    draining = false;
  })();
}
