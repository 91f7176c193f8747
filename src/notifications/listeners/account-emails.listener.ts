import { applyDecorators, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { OnEvent } from '@nestjs/event-emitter';
import { AfterCommit, TransactionalEvent } from '../../common/database/unit-of-work';
import { DomainEvent, inTransaction } from '../../common/events/domain-event';
import { AppConfig } from '../../config/app.config';
import { PasswordResetRequestedEvent } from '../../password-reset/events/password-reset-requested.event';
import { EmailChangedEvent, EmailChangeRequestedEvent, EmailVerificationRequestedEvent } from '../../users/events/account-email.events';
import { EmailSender } from '../email/email-sender.service';
import { emailChangeConfirmationEmail, emailChangedNotice, emailVerificationEmail, LinkBase, passwordResetEmail } from '../templates/account-emails';
import { EmailDraft } from '../templates/notification-templates';

interface EventClass<E extends DomainEvent> {
  readonly eventName: E['name'];
  new (...args: never[]): E;
}

interface AccountEmail<E extends DomainEvent> {
  event: EventClass<E>;
  template: (event: E, links: LinkBase) => EmailDraft;
}

const accountEmail = <E extends DomainEvent>(entry: AccountEmail<E>): AccountEmail<E> => entry;

/**
 * Every event that e-mails an account's owner a link (or tells their old address), declared once: the
 * subscription and the template both come from this list. E-mail only, no stored notification: these carry
 * single-use tokens, which the notification list (readable with an access token) must never show.
 */
export const ACCOUNT_EMAILS = [
  accountEmail({ event: PasswordResetRequestedEvent, template: passwordResetEmail }),
  accountEmail({ event: EmailVerificationRequestedEvent, template: emailVerificationEmail }),
  accountEmail({ event: EmailChangeRequestedEvent, template: emailChangeConfirmationEmail }),
  accountEmail({ event: EmailChangedEvent, template: emailChangedNotice }),
] as const;

type InstanceOf<C> = C extends EventClass<infer E> ? E : never;
type AccountEmailEvent = InstanceOf<(typeof ACCOUNT_EMAILS)[number]['event']>;

const templates = new Map<string, (event: AccountEmailEvent, links: LinkBase) => EmailDraft>(
  ACCOUNT_EMAILS.map((entry) => [entry.event.eventName, entry.template as (event: AccountEmailEvent, links: LinkBase) => EmailDraft]),
);

const OnEveryAccountEmailEvent = (): MethodDecorator =>
  applyDecorators(...ACCOUNT_EMAILS.map(({ event }) => OnEvent(inTransaction(event.eventName), { suppressErrors: false })));

/**
 * Queues the e-mail in the outbox in the event's transaction (an error rolls the change back: no token without
 * its e-mail), and after commit hands it to the sender, which retries until the mail server takes it.
 */
@Injectable()
export class AccountEmailsListener {
  private readonly links: LinkBase;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly emails: EmailSender,
  ) {
    const http = config.get('http', { infer: true });
    this.links = { appUrl: http.appUrl, frontendUrl: http.frontendUrl };
  }

  @OnEveryAccountEmailEvent()
  async onAccountEmailEvent({ event, manager }: TransactionalEvent<AccountEmailEvent>): Promise<AfterCommit> {
    const template = templates.get(event.name);
    if (!template) throw new Error(`No account e-mail for ${event.name}`);
    const id = await this.emails.enqueue(manager, { ...template(event, this.links), notificationId: null });
    return () => this.emails.sendSoon([id]);
  }
}
