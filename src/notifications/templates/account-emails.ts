import { AppConfig } from '../../config/app.config';
import { emailLink } from '../../config/email-links';
import { PasswordResetRequestedEvent } from '../../password-reset/events/password-reset-requested.event';
import { AccountEmailRecipient, EmailChangedEvent, EmailChangeRequestedEvent, EmailVerificationRequestedEvent } from '../../users/events/account-email.events';
import { EmailDraft } from './notification-templates';

/** Where the links of account e-mails point (FRONTEND_URL, else APP_URL). */
export type LinkBase = Pick<AppConfig['http'], 'appUrl' | 'frontendUrl'>;

const SIGNATURE = ['', '-- ', 'Service Marketplace'];

function accountEmail(kind: string, to: AccountEmailRecipient, subject: string, lines: string[]): EmailDraft {
  return { kind, to: to.email, subject, text: [`Hello ${to.firstName},`, '', ...lines, ...SIGNATURE].join('\n') };
}

const hours = (ttlHours: number) => (ttlHours === 1 ? '1 hour' : ttlHours % 24 === 0 ? `${ttlHours / 24} days` : `${ttlHours} hours`);

export function passwordResetEmail(event: PasswordResetRequestedEvent, links: LinkBase): EmailDraft {
  return accountEmail('password_reset', event.to, 'Reset your password', [
    'Someone asked to reset the password of your Service Marketplace account.',
    `Open this link to choose a new one (valid for ${event.ttlMinutes} minutes, once):`,
    '',
    emailLink(links, '/reset-password', event.token),
    '',
    'If it was not you, ignore this e-mail: your password stays as it is.',
  ]);
}

export function emailVerificationEmail(event: EmailVerificationRequestedEvent, links: LinkBase): EmailDraft {
  return accountEmail('email_verification', event.to, 'Verify your e-mail address', [
    `Please confirm that ${event.to.email} is your address by opening this link (valid for ${hours(event.ttlHours)}, once):`,
    '',
    emailLink(links, '/verify-email', event.token),
    '',
    'If you did not create a Service Marketplace account, ignore this e-mail.',
  ]);
}

export function emailChangeConfirmationEmail(event: EmailChangeRequestedEvent, links: LinkBase): EmailDraft {
  return accountEmail('email_change_confirmation', event.to, 'Confirm your new e-mail address', [
    `Someone asked to use ${event.to.email} as the address of their Service Marketplace account.`,
    `Open this link to confirm it (valid for ${hours(event.ttlHours)}, once); until then the account keeps its current address:`,
    '',
    emailLink(links, '/confirm-email-change', event.token),
    '',
    'If it was not you, ignore this e-mail: nothing changes.',
  ]);
}

export function emailChangedNotice(event: EmailChangedEvent, links: LinkBase): EmailDraft {
  const subject = 'Your e-mail address was changed';
  if (!event.revert) {
    return accountEmail('email_change_notice', event.to, subject, [
      `An administrator changed the e-mail address of your Service Marketplace account from ${event.to.email} to ${event.newEmail}.`,
      'If you did not ask for this, contact support.',
    ]);
  }
  return accountEmail('email_change_notice', event.to, subject, [
    `The e-mail address of your Service Marketplace account was changed from ${event.to.email} to ${event.newEmail}.`,
    '',
    `If it was not you, open this link (valid for ${hours(event.revert.ttlHours)}, once): it gives the account its address back, ` +
      'signs out every device, and lets you choose a new password.',
    '',
    emailLink(links, '/revert-email-change', event.revert.token),
    '',
    'If you made this change, there is nothing to do.',
  ]);
}
