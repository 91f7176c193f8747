import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Role } from '../../../src/common/auth/role.enum';
import type { BookingResponse } from '../../../src/bookings/dto/booking.response';
import { AROUND_THE_CLOCK, book, gridStartIn } from '../../factories/booking.factory';
import { createMarketplace, Marketplace } from '../../factories/marketplace.factory';
import { createUser, TestUser } from '../../factories/user.factory';
import { parseInvite, parseMailWithInvite } from '../../helpers/icalendar';
import { MailFile, waitForMail } from '../../helpers/mail';
import { expectProblem } from '../../helpers/problem';
import { ReceivedMail, startSmtpServer, TestSmtpServer } from '../../helpers/smtp';
import { createTestApp, TestApp } from '../../helpers/test-app';

/** A service open around the clock with 30-minute bookings: any grid start a day or more ahead is bookable and movable. */
const anyTime = { service: { availability: AROUND_THE_CLOCK, durationMinutes: 30, title: 'Window cleaning, 3 floors' } };
const MAIL_FROM = 'Service Marketplace <bookings@marketplace.test>';

const emlOf = (dir: string, mail: MailFile): Buffer => readFileSync(join(dir, mail.file.replace(/\.txt$/, '.eml')));

async function outboxRow(t: TestApp, to: string, kind: string): Promise<{ id: string; calendar: { method: string; content: string } | null }> {
  const rows = await t.dataSource.query<Array<{ id: string; calendar: { method: string; content: string } | null }>>(
    'SELECT id, calendar FROM email_outbox WHERE recipient = $1 AND kind = $2 ORDER BY created_at DESC',
    [to, kind],
  );
  return rows[0];
}

/** The first message of this kind to `to` the server received (the customer also gets a payment receipt). */
async function waitForKind(smtp: TestSmtpServer, to: string, kind: string): Promise<ReceivedMail> {
  await smtp.waitFor(to);
  for (const giveUpAt = Date.now() + 10_000; Date.now() < giveUpAt; await sleep(25)) {
    const found = smtp.received.find((mail) => mail.rcptTo.includes(to) && mail.headers['x-mail-kind'] === kind);
    if (found) return found;
  }
  throw new Error(`no ${kind} message to ${to} arrived`);
}

describe('calendar invites', () => {
  describe('file transport: the .eml beside each .txt carries the invite', () => {
    let t: TestApp;
    let market: Marketplace;
    let booking: BookingResponse;

    beforeAll(async () => {
      t = await createTestApp({ MAIL_FROM });
      market = await createMarketplace(t, anyTime);
      booking = await book(t, market.customer, market.service, gridStartIn(48));
    });
    afterAll(() => t.close());

    it('confirmation: a whole RFC 5322 message that mailparser reads, its Message-ID the outbox row’s, with a METHOD:REQUEST event', async () => {
      const [mail] = await waitForMail(t.mailDir, 'booking_confirmation', market.customer.email);
      const { mail: parsed, ics, invite } = await parseMailWithInvite(emlOf(t.mailDir, mail));
      expect(parsed.subject).toBe(mail.subject);
      expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '').toBe(market.customer.email);
      expect(parsed.from?.text).toContain('bookings@marketplace.test');
      expect(parsed.text?.trim()).toBe(mail.body.trim());
      const row = await outboxRow(t, market.customer.email, 'booking_confirmation');
      expect(parsed.messageId).toBe(`<${row.id}@marketplace.test>`);
      // What the outbox stored is what went out: a retry sends the same bytes.
      expect(row.calendar).toEqual(expect.objectContaining({ method: 'REQUEST', content: ics }));

      expect(invite).toEqual({
        method: 'REQUEST',
        uid: `${booking.id}@localhost`,
        sequence: 0,
        status: 'CONFIRMED',
        summary: 'Window cleaning, 3 floors',
        start: new Date(booking.scheduledAt),
        end: new Date(new Date(booking.scheduledAt).getTime() + 30 * 60_000),
        organizer: 'mailto:bookings@marketplace.test',
        attendees: [`mailto:${market.customer.email}`],
      });
      expect(ics).toMatch(/^DTSTART:\d{8}T\d{6}Z\r$/m);
    });

    it('the provider’s new-booking e-mail carries the same event, with the provider as attendee', async () => {
      const [mail] = await waitForMail(t.mailDir, 'booking_notification_provider', market.provider.email);
      const { invite } = await parseMailWithInvite(emlOf(t.mailDir, mail));
      expect(invite).toMatchObject({ method: 'REQUEST', uid: `${booking.id}@localhost`, sequence: 0, attendees: [`mailto:${market.provider.email}`] });
    });

    it('a reschedule sends the same UID with SEQUENCE raised and the new time; the cancellation a METHOD:CANCEL raised again', async () => {
      const moved = gridStartIn(72);
      await t.http.put(`/bookings/${booking.id}`).set(market.customer.auth).send({ scheduledAt: moved }).expect(200);
      const [update] = await waitForMail(t.mailDir, 'booking_update', market.customer.email);
      const rescheduled = (await parseMailWithInvite(emlOf(t.mailDir, update))).invite;
      expect(rescheduled).toMatchObject({ method: 'REQUEST', uid: `${booking.id}@localhost`, sequence: 1, status: 'CONFIRMED', start: new Date(moved) });

      await t.http.delete(`/bookings/${booking.id}`).set(market.customer.auth).expect(200);
      const [cancellation] = await waitForMail(t.mailDir, 'booking_cancellation', market.customer.email);
      const cancelled = (await parseMailWithInvite(emlOf(t.mailDir, cancellation))).invite;
      expect(cancelled).toMatchObject({ method: 'CANCEL', uid: `${booking.id}@localhost`, sequence: 2, status: 'CANCELLED', start: new Date(moved) });
      const [providerCopy] = await waitForMail(t.mailDir, 'booking_cancellation', market.provider.email);
      expect((await parseMailWithInvite(emlOf(t.mailDir, providerCopy))).invite).toMatchObject({
        method: 'CANCEL',
        uid: `${booking.id}@localhost`,
        sequence: 2,
      });
    });

    it('an e-mail about no booking change (a password change) has no calendar part, and its .eml is still written', async () => {
      const user = await createUser(t, Role.CUSTOMER);
      await t.http.post('/password-reset/request').send({ email: user.email }).expect(202);
      const [mail] = await waitForMail(t.mailDir, 'password_reset', user.email);
      const raw = emlOf(t.mailDir, mail).toString('utf8');
      expect(raw).toMatch(/^Message-ID: </im);
      expect(raw).not.toMatch(/text\/calendar/i);
    });
  });

  describe('GET /bookings/{id}/calendar.ics', () => {
    let t: TestApp;
    let market: Marketplace;
    let admin: TestUser;
    let stranger: TestUser;
    let booking: BookingResponse;

    beforeAll(async () => {
      t = await createTestApp();
      market = await createMarketplace(t, anyTime);
      [admin, stranger] = await Promise.all([createUser(t, Role.ADMIN), createUser(t, Role.CUSTOMER)]);
      booking = await book(t, market.customer, market.service, gridStartIn(48));
    });
    afterAll(() => t.close());

    it('answers the booking’s parties and admins with the event its e-mails carry (text/calendar, UTF-8)', async () => {
      const [mail] = await waitForMail(t.mailDir, 'booking_confirmation', market.customer.email);
      const mailed = (await parseMailWithInvite(readFileSync(join(t.mailDir, mail.file.replace(/\.txt$/, '.eml'))))).invite;
      for (const caller of [market.customer, market.provider, admin]) {
        const response = await t.http.get(`/bookings/${booking.id}/calendar.ics`).set(caller.auth).expect(200);
        expect(response.headers['content-type']).toBe('text/calendar; charset=utf-8');
        const served = parseInvite(response.text);
        expect(served).toMatchObject({
          method: 'REQUEST',
          uid: mailed.uid,
          sequence: mailed.sequence,
          start: mailed.start,
          end: mailed.end,
          summary: mailed.summary,
        });
      }
    });

    it('follows the booking: SEQUENCE raised by a move, METHOD:CANCEL once cancelled', async () => {
      const other = await book(t, market.customer, market.service, gridStartIn(50));
      const moved = gridStartIn(80);
      await t.http.put(`/bookings/${other.id}`).set(market.customer.auth).send({ scheduledAt: moved }).expect(200);
      let served = parseInvite((await t.http.get(`/bookings/${other.id}/calendar.ics`).set(market.customer.auth).expect(200)).text);
      expect(served).toMatchObject({ method: 'REQUEST', sequence: 1, start: new Date(moved), status: 'CONFIRMED' });
      await t.http.delete(`/bookings/${other.id}`).set(market.provider.auth).expect(200);
      served = parseInvite((await t.http.get(`/bookings/${other.id}/calendar.ics`).set(market.provider.auth).expect(200)).text);
      expect(served).toMatchObject({ method: 'CANCEL', sequence: 2, status: 'CANCELLED', uid: `${other.id}@localhost` });
    });

    it('is a 404 problem for anyone else and for an unknown booking, 401 without a token', async () => {
      expectProblem(await t.http.get(`/bookings/${booking.id}/calendar.ics`).set(stranger.auth), 404, 'NOT_FOUND');
      expectProblem(await t.http.get('/bookings/00000000-0000-4000-8000-000000000000/calendar.ics').set(market.customer.auth), 404, 'NOT_FOUND');
      await t.http.get(`/bookings/${booking.id}/calendar.ics`).expect(401);
    });
  });

  describe('SMTP: a real server receives the invite', () => {
    let t: TestApp;
    let smtp: TestSmtpServer;

    beforeAll(async () => {
      smtp = await startSmtpServer({ disabledCommands: ['STARTTLS'] });
      t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM });
    });
    afterAll(async () => {
      await t.close();
      await smtp.close();
    });

    it('the confirmation arrives as multipart with a text/calendar; method=REQUEST part that parses as the booking’s event', async () => {
      const market = await createMarketplace(t, anyTime);
      const booking = await book(t, market.customer, market.service, gridStartIn(48));
      const received = await waitForKind(smtp, market.customer.email, 'booking_confirmation');
      expect(received.headers['content-type']).toMatch(/^multipart\//);
      expect(received.raw.toString('latin1')).toMatch(/text\/calendar; charset=utf-8; method=REQUEST/i);
      const { mail, invite } = await parseMailWithInvite(received.raw);
      expect(mail.text).toContain('Your booking is confirmed and paid.');
      expect(mail.messageId).toBe(`<${(await outboxRow(t, market.customer.email, 'booking_confirmation')).id}@marketplace.test>`);
      expect(invite).toMatchObject({ method: 'REQUEST', uid: `${booking.id}@localhost`, sequence: 0, start: new Date(booking.scheduledAt) });
    });
  });
});
