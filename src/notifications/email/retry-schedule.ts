/**
 * How long to wait before the next attempt at an e-mail that has failed `failures` times: the base delay
 * (MAIL_RETRY_INTERVAL_MS), doubled after each further failure, never more than `maxMs`. Deterministic: an
 * e-mail's attempts are spread by when each was written, and each attempt is a job of its own (see EmailSender).
 */
export function retryDelayMs(failures: number, baseMs: number, maxMs: number): number {
  if (failures < 1) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 40));
}

/**
 * True when the server refused this message for good (RFC 5321: a 5xx reply to the envelope or the data,
 * e.g. 550 no such mailbox): sending it again cannot succeed. Anything else (connection refused, timeouts,
 * 4xx, authentication) is about the server or the moment and is retried.
 */
export function isPermanentMailError(error: unknown): boolean {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  return (code === 'EENVELOPE' || code === 'EMESSAGE') && typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
}
