import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mailDir, pool } from './context';
import { boss, EMAIL_QUEUE } from './jobs';
import { rows } from './sql';

/** E-mail jobs worked at once (the app's JOB_CONCURRENCY default). */
const CONCURRENCY = 5;
const workers: string[] = [];

/** One e-mail job, as the app's EmailSender: claim the row, write it as a file, mark it sent, in one transaction. */
async function sendOne(emailId: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('START TRANSACTION');
    const [email] = await rows<{ id: string; kind: string; recipient: string; subject: string; body: string; calendar: { content: string } | null }>(
      client,
      {
        text: `SELECT id, kind, recipient, subject, body, calendar, attempts FROM email_outbox
        WHERE id = ANY($1::uuid[]) AND status = 'PENDING'
        ORDER BY created_at, id
        FOR UPDATE SKIP LOCKED`,
      },
      [[emailId]],
    );
    if (email) {
      await mkdir(mailDir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[-:.]/g, '');
      await writeFile(
        join(mailDir, `${email.kind}_${stamp}_${email.id}.txt`),
        `To: ${email.recipient}\nSubject: ${email.subject}\n\n${email.body}\n${email.calendar ? `\n${email.calendar.content}` : ''}`,
        {
          flag: 'wx',
        },
      );
      await client.query(
        `UPDATE email_outbox SET status = 'SENT', attempts = attempts + 1, sent_at = now(), transport_message_id = $2, last_error = NULL WHERE id = $1`,
        [email.id, email.id],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Starts the engine and this process's e-mail workers (as the app's JobEngine at bootstrap). */
export async function startMailWorkers(): Promise<void> {
  await boss.start();
  // As the app declares them (whichever of the two starts first creates them).
  await boss.createQueue('email.dead', { name: 'email.dead', retryLimit: 0 });
  await boss.createQueue(EMAIL_QUEUE, {
    name: EMAIL_QUEUE,
    policy: 'standard',
    retryLimit: 10,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 120,
    deadLetter: 'email.dead',
  });
  for (let i = 0; i < CONCURRENCY; i++) {
    let id = '';
    id = await boss.work<{ emailId: string }>(EMAIL_QUEUE, { batchSize: 1, pollingIntervalSeconds: 1 }, async (jobs) => {
      if (jobs.length) boss.notifyWorker(id);
      for (const job of jobs) await sendOne(job.data.emailId);
    });
    workers.push(id);
  }
}

/** After commit: this process's e-mail workers look for the new jobs now (as EmailSender.sendSoon). */
export function sendSoon(ids: string[]): void {
  if (ids.length) for (const id of workers) boss.notifyWorker(id);
}
