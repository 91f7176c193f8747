import type { AppConfig } from './app.config';

/** The pages a link in an e-mail opens: the web app's (FRONTEND_URL) or, without one, the API's own. */
export const EMAIL_LINK_PAGES = ['/reset-password', '/verify-email', '/confirm-email-change', '/revert-email-change'] as const;
export type EmailLinkPage = (typeof EMAIL_LINK_PAGES)[number];

/** `{FRONTEND_URL or APP_URL}{page}?token=...`: every link in an e-mail is built here. */
export function emailLink(http: Pick<AppConfig['http'], 'appUrl' | 'frontendUrl'>, page: EmailLinkPage, token: string): string {
  return `${http.frontendUrl ?? http.appUrl}${page}?token=${encodeURIComponent(token)}`;
}
