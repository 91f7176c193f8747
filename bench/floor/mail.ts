import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mailDir, pool } from './context';
import { boss, EMAIL_QUEUE } from './jobs';
import { rows } from './sql';

/** E-mail jobs worked at once (the app's JOB_CONCURRENCY default). */
const CONCURRENCY = 5;
const workers: string[] = [];

const CLAIMED_COLUMNS = 'id, kind, recipient, subject, body, calendar, attempts';
/** As the app's EmailSender: its batch's rows claimed for its jobs' expiry, in one statement. */
const CLAIM = `WITH claimed AS (
         UPDATE email_outbox SET claimed_until = now() + make_interval(secs => $2)
          WHERE id = ANY($1::uuid[]) AND status = 'PENDING' AND (claimed_until IS NULL OR claimed_until <= now())
         RETURNING ${CLAIMED_COLUMNS}, created_at)
       SELECT ${CLAIMED_COLUMNS}, created_at, NULL::timestamptz AS held_until FROM claimed
       UNION ALL
       SELECT id, NULL, NULL, NULL, NULL, NULL, NULL, created_at, claimed_until FROM email_outbox
        WHERE id = ANY($1::uuid[]) AND status = 'PENDING' AND claimed_until > now()
       ORDER BY created_at, id`;

/** A batch of e-mail jobs, as the app's EmailSender: claim the rows in one statement, then write each as a file and mark it sent. */
async function sendBatch(emailIds: string[]): Promise<void> {
  const claimed = await rows<{
    id: string;
    kind: string;
    recipient: string;
    subject: string;
    body: string;
    calendar: { content: string } | null;
    held_until: Date | null;
  }>(pool, { text: CLAIM }, [emailIds, 120]);
  for (const email of claimed) {
    if (email.held_until) continue; // never in the bench: nobody else sends the floor's e-mails
    await mkdir(mailDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:.]/g, '');
    await writeFile(
      join(mailDir, `${email.kind}_${stamp}_${email.id}.txt`),
      `To: ${email.recipient}\nSubject: ${email.subject}\n\n${email.body}\n${email.calendar ? `\n${email.calendar.content}` : ''}`,
      { flag: 'wx' },
    );
    await pool.query(
      `UPDATE email_outbox SET status = 'SENT', attempts = attempts + 1, sent_at = now(), transport_message_id = $2, last_error = NULL, claimed_until = NULL
        WHERE id = $1`,
      [email.id, email.id],
    );
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
    id = await boss.work<{ emailId: string }>(EMAIL_QUEUE, { batchSize: 10, pollingIntervalSeconds: 1 }, async (jobs) => {
      if (jobs.length) boss.notifyWorker(id);
      if (jobs.length) await sendBatch(jobs.map((job) => job.data.emailId));
    });
    workers.push(id);
  }
}

/** After commit: this process's e-mail workers look for the new jobs now (as EmailSender.sendSoon). */
export function sendSoon(ids: string[]): void {
  if (ids.length) for (const id of workers) boss.notifyWorker(id);
}
