import { registerDecorator, ValidationOptions } from 'class-validator';

export const PASSWORD_MIN_BYTES = 8;
/** bcrypt ignores everything past 72 bytes, so a longer password would be silently truncated. */
export const PASSWORD_MAX_BYTES = 72;

const CHARACTER_CLASSES: RegExp[] = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{L}\p{Nd}]/u];

/** Returns why the password is not acceptable, or null when it is. */
export function passwordPolicyViolation(password: unknown): string | null {
  if (typeof password !== 'string') return 'must be a string';
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes < PASSWORD_MIN_BYTES) return `must be at least ${PASSWORD_MIN_BYTES} bytes long`;
  if (bytes > PASSWORD_MAX_BYTES) return `must be at most ${PASSWORD_MAX_BYTES} bytes long`;
  const classes = CHARACTER_CLASSES.filter((pattern) => pattern.test(password)).length;
  if (classes < 3) return 'must contain at least three of: lower-case letters, upper-case letters, digits, symbols';
  return null;
}

export function MeetsPasswordPolicy(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'meetsPasswordPolicy',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => passwordPolicyViolation(value) === null,
        defaultMessage: (args) => `${args?.property ?? 'password'} ${passwordPolicyViolation(args?.value) ?? 'is invalid'}`,
      },
    });
  };
}
