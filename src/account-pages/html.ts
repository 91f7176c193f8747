import { createHash } from 'node:crypto';

/** The pages' one style sheet, inline; the CSP allows exactly this text (by its hash), nothing else. */
const STYLE = [
  'body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1f2328;margin:0}',
  'main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}',
  'h1{font-size:1.35rem;margin:0 0 1rem}p{line-height:1.5}label{display:block;margin:1rem 0 .25rem;font-weight:600}',
  'input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #c4c8cc;border-radius:4px;font-size:1rem}',
  'button{margin-top:1.25rem;width:100%;padding:.65rem;border:0;border-radius:4px;background:#1f6feb;color:#fff;font-size:1rem;cursor:pointer}',
  '.error{color:#b42318;font-weight:600}.ok{color:#1a7f37;font-weight:600}.hint{color:#57606a;font-size:.9rem}',
].join('');

/**
 * No script, no external anything: forms post to this origin, styles only the one above. No framing, no
 * `<base>`, and the page's URL (it holds the token) is never sent as a referrer.
 */
export const ACCOUNT_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (character) => ESCAPES[character]);

/** A whole page: `body` is HTML already escaped where it holds text from outside. */
export function page(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)} - Service Marketplace</title>`,
    `<style>${STYLE}</style>`,
    `</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
  ].join('');
}

export const paragraph = (text: string, kind?: 'error' | 'ok' | 'hint'): string => `<p${kind ? ` class="${kind}"` : ''}>${escapeHtml(text)}</p>`;

/** A form that posts back to the page's own URL (which carries the token), so the token is never copied into the page. */
export function form(fields: string, submit: string): string {
  return `<form method="post">${fields}<button type="submit">${escapeHtml(submit)}</button></form>`;
}

export function passwordField(name: string, label: string, options: { required: boolean; autocomplete: string }): string {
  const required = options.required ? ' required' : '';
  return `<label for="${name}">${escapeHtml(label)}</label><input id="${name}" name="${name}" type="password" autocomplete="${options.autocomplete}" minlength="8" maxlength="72"${required}>`;
}
