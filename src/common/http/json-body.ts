import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Server } from 'node:http';
import { ValidationFailedError } from '../errors/domain.error';

/** No request body nests more than a few levels; class-transformer would overflow the stack on thousands (a 500). */
const MAX_JSON_DEPTH = 32;
/** `"\ud800"` is valid JSON but not text (I-JSON, RFC 7493, forbids it): validator's isEmail throws on one (a 500). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Why a parsed JSON body is refused (nested too deep, or a string or name that is not Unicode text), found without recursion. */
export function bodyDefect(value: unknown): string | null {
  const pending: Array<[unknown, number]> = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node === 'string' && LONE_SURROGATE.test(node)) return 'contains a lone UTF-16 surrogate, which is not text';
    if (node === null || typeof node !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) return `nests more than ${MAX_JSON_DEPTH} levels deep`;
    for (const [name, child] of Object.entries(node)) pending.push([name, depth], [child, depth + 1]);
  }
  return null;
}

/** Fastify's JSON parser (prototype poisoning refused), then the scan above: a defective body is a 400 problem. */
export function registerJsonBodyParser(app: NestFastifyApplication, bodyLimit: number): void {
  const parseJson = app.getHttpAdapter().getInstance().getDefaultJsonParser('error', 'error');
  app.useBodyParser<Server>('application/json', { bodyLimit }, (request, body, done) =>
    parseJson(request, body.toString('utf8'), (error, value) => {
      if (error) return done(error, undefined);
      const defect = bodyDefect(value);
      if (defect) return done(new ValidationFailedError([{ field: 'body', message: defect }]), undefined);
      done(null, value);
    }),
  );
}
