import { ConfigService } from '@nestjs/config';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { EntityManager } from 'typeorm';
import { inTransaction } from '../../common/events/domain-event';
import { PasswordResetRequestedEvent } from '../../password-reset/events/password-reset-requested.event';
import { EmailChangedEvent, EmailChangeRequestedEvent, EmailVerificationRequestedEvent } from '../../users/events/account-email.events';
import { EmailSender } from '../email/email-sender.service';
import { ACCOUNT_EMAILS, AccountEmailsListener } from './account-emails.listener';

const TO = { userId: 'u1', email: 'ada@example.com', firstName: 'Ada' };
const SAMPLES = [
  new PasswordResetRequestedEvent(TO, 'reset-token', 60),
  new EmailVerificationRequestedEvent(TO, 'verify-token', 48),
  new EmailChangeRequestedEvent({ ...TO, email: 'new@example.com' }, 'change-token', 24),
  new EmailChangedEvent(TO, 'new@example.com', { token: 'revert-token', ttlHours: 168 }),
];

describe('AccountEmailsListener', () => {
  const emails = { enqueue: jest.fn().mockResolvedValue('mail-1'), sendSoon: jest.fn() };
  let emitter: EventEmitter2;

  beforeAll(async () => {
    const config = { get: () => ({ appUrl: 'https://api.example', frontendUrl: 'https://app.example' }) };
    const moduleRef = await Test.createTestingModule({
      imports: [EventEmitterModule.forRoot()],
      providers: [AccountEmailsListener, { provide: EmailSender, useValue: emails }, { provide: ConfigService, useValue: config }],
    }).compile();
    await moduleRef.init();
    emitter = moduleRef.get(EventEmitter2);
  });

  it('has a sample of every account e-mail event', () => {
    expect(SAMPLES.map((event) => event.name).sort()).toEqual(ACCOUNT_EMAILS.map(({ event }) => event.eventName).sort());
  });

  it.each(SAMPLES.map((event) => [event.name, event] as const))(
    '%s: queues its e-mail in the transaction, with the link on FRONTEND_URL, and sends it after commit',
    async (name, event) => {
      emails.enqueue.mockClear();
      emails.sendSoon.mockClear();
      const manager = {} as EntityManager;
      const handed: unknown[] = await emitter.emitAsync(inTransaction(name), { event, manager });
      expect(emails.enqueue).toHaveBeenCalledWith(manager, expect.objectContaining({ notificationId: null, to: event.to.email }));
      const [[, email]] = emails.enqueue.mock.calls as Array<[EntityManager, { text: string }]>;
      expect(email.text).toMatch(/https:\/\/app\.example\/[a-z-]+\?token=[a-z]+-token/);
      expect(emails.sendSoon).not.toHaveBeenCalled();
      await (handed[0] as () => Promise<void>)();
      expect(emails.sendSoon).toHaveBeenCalledWith(['mail-1']);
    },
  );

  it("an admin's change tells the old address without a revert link", async () => {
    emails.enqueue.mockClear();
    await emitter.emitAsync(inTransaction(EmailChangedEvent.eventName), { event: new EmailChangedEvent(TO, 'new@example.com', null), manager: {} });
    const [[, email]] = emails.enqueue.mock.calls as Array<[EntityManager, { text: string }]>;
    expect(email.text).toContain('An administrator changed');
    expect(email.text).not.toMatch(/https?:\/\//);
  });
});
