import { ValidationError } from '@nestjs/common';
import { FieldError, ValidationFailedError } from '../errors/domain.error';
import { QueryCachingValidationPipe } from './query-caching-validation.pipe';

/** Flattens class-validator's tree into `{field, message}` with dotted paths (`profile.firstName`). */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const all = errors.flatMap((error): FieldError[] => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, '$1 is not an allowed field'),
    }));
    return own.concat(flattenValidationErrors(error.children ?? [], field));
  });
  const seen = new Set<string>();
  return all.filter(({ field, message }) => !seen.has(`${field}\n${message}`) && Boolean(seen.add(`${field}\n${message}`)));
}

/** The global pipe: unknown fields refused, values transformed to the DTO's types, errors as one 400 problem. */
export const validationPipe = new QueryCachingValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => new ValidationFailedError(flattenValidationErrors(errors)),
});
