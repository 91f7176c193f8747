import { registerDecorator, ValidationOptions } from 'class-validator';
import { IANAZone } from 'luxon';
import { normalizeAvailability, normalizeDateOverrides } from './weekly-availability';

/** Validates weekly availability; the message names the first wrong day or window. */
export function IsWeeklyAvailability(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isWeeklyAvailability',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => normalizeAvailability(value).problems.length === 0,
        defaultMessage: (args) => normalizeAvailability(args?.value).problems.join('; '),
      },
    });
}

/** Validates date overrides; the message names the first wrong date or window. */
export function IsDateOverrides(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDateOverrides',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => normalizeDateOverrides(value).problems.length === 0,
        defaultMessage: (args) => normalizeDateOverrides(args?.value).problems.join('; '),
      },
    });
}

/** A real IANA time zone name (`Europe/Berlin`, `UTC`). */
export function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isIanaTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.length <= 64 && IANAZone.isValidZone(value),
        defaultMessage: (args) => `${args?.property ?? 'timezone'} must be an IANA time zone name such as Europe/Berlin`,
      },
    });
}
