import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ValidationFailedError } from '../errors/domain.error';

/**
 * For a route that takes no body: fields sent anyway (`{"userId": ...}`) are refused like unknown fields
 * everywhere else (400), rather than ignored so that the change looks accepted. No body, or `{}`, passes.
 */
export const NoBody = createParamDecorator((_: unknown, context: ExecutionContext): undefined => {
  const body = context.switchToHttp().getRequest<{ body?: unknown }>().body;
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) throw new ValidationFailedError([{ field: 'body', message: 'this route takes no body' }]);
  const fields = Object.keys(body);
  if (fields.length) throw new ValidationFailedError(fields.map((field) => ({ field, message: `${field} is not an allowed field` })));
  return undefined;
});
