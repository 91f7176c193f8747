import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenApiDocument, operationsOf, ResponseObject, SchemaObject } from './openapi';

/** One kind of answer the app gave: `GET /bookings/0b6c... -> 404 NOT_FOUND`. */
export interface Answer {
  method: string;
  /** The URL's path, without the query. */
  path: string;
  status: number;
  /** The problem's `code`, for a problem document. */
  code?: string;
}

/** Where each worker writes what it saw, set by the global setup for the whole run. */
export const ANSWERS_DIR_VARIABLE = 'E2E_ANSWERS_DIR';

const keyOf = ({ method, path, status, code }: Answer) => `${method} ${path} ${status} ${code ?? ''}`;

/**
 * Every answer the e2e suites receive through the test helpers, kept per suite and written to a file per
 * worker after it, so that the global teardown can hold them against the OpenAPI document
 * (`undocumentedAnswers`): a status or problem code the app really answers but the document does not list
 * fails the run.
 */
export class AnswerLog {
  private readonly seen = new Map<string, Answer>();

  record(exchange: { method: string; url: string; status: number; contentType?: unknown; text: string }): void {
    const path = exchange.url.replace(/^https?:\/\/[^/]+/, '').split('?')[0];
    let code: string | undefined;
    if (String(exchange.contentType).startsWith('application/problem+json')) {
      try {
        const parsed = (JSON.parse(exchange.text) as { code?: unknown }).code;
        code = typeof parsed === 'string' ? parsed : undefined;
      } catch {
        code = undefined;
      }
    }
    const answer = { method: exchange.method.toUpperCase(), path, status: exchange.status, code };
    this.seen.set(keyOf(answer), answer);
  }

  /** Appends what was seen since the last flush to this worker's file (nothing without the global setup's folder). */
  flush(): void {
    const dir = process.env[ANSWERS_DIR_VARIABLE];
    if (!dir || !this.seen.size) return;
    const lines = [...this.seen.values()].map((answer) => `${JSON.stringify(answer)}\n`).join('');
    appendFileSync(join(dir, `answers-${process.pid}.jsonl`), lines);
    this.seen.clear();
  }
}

export const answerLog = new AnswerLog();

/** Every answer the workers wrote into `dir`, once each. */
export function readAnswers(dir: string): Answer[] {
  const unique = new Map<string, Answer>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      const answer = JSON.parse(line) as Answer;
      unique.set(keyOf(answer), answer);
    }
  }
  return [...unique.values()];
}

/** The `code` values a documented problem response lists (its schema's `code` enum). */
export function documentedCodes(response: ResponseObject): string[] {
  const schema = Object.entries(response.content ?? {}).find(([type]) => type === 'application/problem+json')?.[1].schema;
  const codes = (schema?.allOf ?? [schema]).flatMap((part: SchemaObject | undefined) => part?.properties?.code?.enum ?? []);
  return codes.map(String);
}

/**
 * The answers the document does not describe: a status the operation does not list, or a problem `code` its
 * response for that status does not list. Answers for URLs no operation matches (unknown routes, the docs
 * themselves) are not the document's business. Literal paths win over templated ones (`/users/me`, not `/users/{id}`).
 */
export function undocumentedAnswers(document: OpenApiDocument, answers: Answer[]): string[] {
  const operations = operationsOf(document)
    .map(({ method, path, operation }) => ({
      method: method.toUpperCase(),
      path,
      operation,
      pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}/?$`),
      params: (path.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.params - b.params);
  const problems = new Set<string>();
  for (const answer of answers) {
    const match = operations.find(({ method, pattern }) => method === answer.method && pattern.test(answer.path));
    if (!match) continue;
    const name = `${match.method} ${match.path}`;
    const response = match.operation.responses[String(answer.status)];
    if (!response) problems.add(`${name} answered ${answer.status}${answer.code ? ` ${answer.code}` : ''}, which the document does not list`);
    else if (answer.code && answer.status >= 400 && !documentedCodes(response).includes(answer.code))
      problems.add(`${name} answered ${answer.status} ${answer.code}, which its ${answer.status} response does not list`);
  }
  return [...problems].sort();
}
