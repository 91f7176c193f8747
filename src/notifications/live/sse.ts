import { ValidationFailedError } from '../../common/errors/domain.error';

/** A field value may not hold a line break: it would end the field (and could forge another one). */
const singleLine = (value: string) => value.replace(/[\r\n]+/g, ' ');

/**
 * One server-sent event (WHATWG HTML, "Server-sent events"): `id:`, `event:`, one `data:` line per line of
 * the data, and a blank line that dispatches it.
 */
export function formatSseEvent(event: { id?: string | number; event?: string; data: string }): string {
  let frame = '';
  if (event.id !== undefined) frame += `id: ${singleLine(String(event.id))}\n`;
  if (event.event) frame += `event: ${singleLine(event.event)}\n`;
  for (const line of event.data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

/** A comment: clients ignore it, proxies see traffic (the heartbeat). */
export function formatSseComment(text: string): string {
  return `${text
    .split(/\r\n|\r|\n/)
    .map((line) => `: ${line}`)
    .join('\n')}\n\n`;
}

/** Tells the client how long to wait before reconnecting after the connection drops. */
export function formatSseRetry(milliseconds: number): string {
  return `retry: ${Math.max(0, Math.floor(milliseconds))}\n\n`;
}

/**
 * The `Last-Event-ID` a reconnecting client sends: the position of the last notification it received.
 * Absent or empty means "from now on"; anything but a non-negative integer is refused.
 */
export function parseLastEventId(value: string | string[] | undefined): number | null {
  const text = (Array.isArray(value) ? value[value.length - 1] : value)?.trim();
  if (!text) return null;
  if (!/^\d{1,15}$/.test(text)) {
    throw new ValidationFailedError([
      { field: 'Last-Event-ID', message: 'Last-Event-ID must be the id of an event this stream sent (a non-negative integer)' },
    ]);
  }
  return Number(text);
}
