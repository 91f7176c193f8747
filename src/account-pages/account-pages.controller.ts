import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientContextOf } from '../common/decorators/client-context.decorator';
import { Public } from '../common/decorators/public.decorator';
import { DomainError } from '../common/errors/domain.error';
import { PasswordResetService } from '../password-reset/password-reset.service';
import { EmailChangeService } from '../users/email-change.service';
import { EmailVerificationService } from '../users/email-verification.service';
import { passwordPolicyViolation } from '../users/password-policy';
import { ACCOUNT_PAGE_CSP, form, page, paragraph, passwordField } from './html';

type Fields = Record<string, unknown>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const tokenOf = (query: Fields): string | undefined => {
  const token = text(query.token);
  return token && token.length <= 200 ? token : undefined;
};

const INCOMPLETE = 'This link is incomplete. Open it again from the e-mail, or copy the whole address into the browser.';

/**
 * The pages the links in e-mails open when no FRONTEND_URL is set (the module is then registered): plain HTML,
 * no script, no external assets, a strict CSP. Opening a link shows a form; only submitting it acts (a mail
 * scanner that fetches links changes nothing). They call the same services as the JSON API, and are not part of
 * the OpenAPI document: they answer HTML, for people.
 */
@ApiExcludeController()
@Public()
@Controller()
export class AccountPagesController {
  constructor(
    private readonly resets: PasswordResetService,
    private readonly verification: EmailVerificationService,
    private readonly emailChanges: EmailChangeService,
  ) {}

  @Get('reset-password')
  showReset(@Query() query: Fields, @Res() reply: FastifyReply): void {
    if (!tokenOf(query)) return this.send(reply, 400, page('Choose a new password', paragraph(INCOMPLETE, 'error')));
    this.send(reply, 200, this.resetForm());
  }

  @Post('reset-password')
  @HttpCode(200)
  async reset(@Query() query: Fields, @Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const token = tokenOf(query);
    if (!token) return this.send(reply, 400, page('Choose a new password', paragraph(INCOMPLETE, 'error')));
    const password = text(body?.newPassword);
    const violation = passwordPolicyViolation(password);
    if (violation) return this.send(reply, 400, this.resetForm(`The new password ${violation}.`));
    if (password !== text(body?.confirmPassword)) return this.send(reply, 400, this.resetForm('The two passwords are not the same.'));
    await this.outcome(reply, 'Choose a new password', () => this.resets.confirm(token, password as string, clientContextOf(request)), [
      'Your password has been changed. You can now sign in with it.',
    ]);
  }

  @Get('verify-email')
  showVerify(@Query() query: Fields, @Res() reply: FastifyReply): void {
    const title = 'Verify your e-mail address';
    if (!tokenOf(query)) return this.send(reply, 400, page(title, paragraph(INCOMPLETE, 'error')));
    this.send(reply, 200, page(title, paragraph('Confirm that this address is yours.') + form('', 'Verify my e-mail address')));
  }

  @Post('verify-email')
  @HttpCode(200)
  async verify(@Query() query: Fields, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const token = tokenOf(query);
    if (!token) return this.send(reply, 400, page('Verify your e-mail address', paragraph(INCOMPLETE, 'error')));
    await this.outcome(reply, 'Verify your e-mail address', () => this.verification.verify(token, clientContextOf(request)), [
      'Your e-mail address is verified. Thank you!',
    ]);
  }

  @Get('confirm-email-change')
  showConfirmChange(@Query() query: Fields, @Res() reply: FastifyReply): void {
    const title = 'Confirm your new e-mail address';
    if (!tokenOf(query)) return this.send(reply, 400, page(title, paragraph(INCOMPLETE, 'error')));
    const explain = paragraph('Your account will use this address from now on; the old address is told, and can undo the change.');
    this.send(reply, 200, page(title, explain + form('', 'Use this address')));
  }

  @Post('confirm-email-change')
  @HttpCode(200)
  async confirmChange(@Query() query: Fields, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const token = tokenOf(query);
    if (!token) return this.send(reply, 400, page('Confirm your new e-mail address', paragraph(INCOMPLETE, 'error')));
    await this.outcome(reply, 'Confirm your new e-mail address', () => this.emailChanges.confirm(token, clientContextOf(request)), [
      'Your e-mail address has been changed. Sign in with the new one from now on.',
    ]);
  }

  @Get('revert-email-change')
  showRevert(@Query() query: Fields, @Res() reply: FastifyReply): void {
    if (!tokenOf(query)) return this.send(reply, 400, page('Undo the e-mail change', paragraph(INCOMPLETE, 'error')));
    this.send(reply, 200, this.revertForm());
  }

  @Post('revert-email-change')
  @HttpCode(200)
  async revert(@Query() query: Fields, @Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const token = tokenOf(query);
    if (!token) return this.send(reply, 400, page('Undo the e-mail change', paragraph(INCOMPLETE, 'error')));
    const password = text(body?.newPassword);
    const violation = password === undefined ? null : passwordPolicyViolation(password);
    if (violation) return this.send(reply, 400, this.revertForm(`The new password ${violation}.`));
    await this.outcome(reply, 'Undo the e-mail change', () => this.emailChanges.revert(token, password, clientContextOf(request)), [
      'Your account has its e-mail address back, and every device was signed out.',
      password ? 'Sign in with your new password.' : 'If the change was not yours, choose a new password now: ask for a password reset link.',
    ]);
  }

  private resetForm(error?: string): string {
    const fields =
      passwordField('newPassword', 'New password', { required: true, autocomplete: 'new-password' }) +
      passwordField('confirmPassword', 'The same password again', { required: true, autocomplete: 'new-password' });
    const hint = paragraph('8 to 72 characters, with at least three of: lower-case letters, upper-case letters, digits, symbols.', 'hint');
    return page('Choose a new password', (error ? paragraph(error, 'error') : '') + hint + form(fields, 'Set the new password'));
  }

  private revertForm(error?: string): string {
    const explain = paragraph(
      'This gives your account its previous e-mail address back and signs out every device. If you did not make the change, ' +
        'also choose a new password: whoever made it may know the current one.',
    );
    const fields = passwordField('newPassword', 'New password (recommended)', { required: false, autocomplete: 'new-password' });
    return page('Undo the e-mail change', (error ? paragraph(error, 'error') : '') + explain + form(fields, 'Restore my address and sign out everywhere'));
  }

  /** Runs the action and answers its outcome as a page: success, or the reason a person can act on. */
  private async outcome(reply: FastifyReply, title: string, action: () => Promise<unknown>, success: string[]): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof DomainError) || error.status >= 500) throw error;
      const reason =
        error.code === 'EMAIL_TAKEN'
          ? 'That e-mail address is now used by another account, so the change cannot be made.'
          : 'This link is invalid, has expired or was already used. Ask for a new one.';
      return this.send(reply, error.status, page(title, paragraph(reason, 'error')));
    }
    this.send(reply, 200, page(title, success.map((line, index) => paragraph(line, index === 0 ? 'ok' : undefined)).join('')));
  }

  private send(reply: FastifyReply, status: number, html: string): void {
    void reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', ACCOUNT_PAGE_CSP)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(html);
  }
}
