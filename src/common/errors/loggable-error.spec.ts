import { QueryFailedError } from 'typeorm';
import { loggableError } from './loggable-error';

describe('loggableError', () => {
  it('keeps what failed and drops the statement parameters and the failing row', () => {
    const driverError = Object.assign(new Error('null value in column "last_name" of relation "users" violates not-null constraint'), {
      code: '23502',
      table: 'users',
      column: 'last_name',
      detail: 'Failing row contains (ann@example.com, $2b$12$abcdefghijklmnopqrstuv, +44 20 7946 0958).',
    });
    const error = new QueryFailedError(
      'INSERT INTO "users"("email", "password_hash") VALUES ($1, $2)',
      ['ann@example.com', '$2b$12$abcdefghijklmnopqrstuv'],
      driverError,
    );

    const logged = loggableError(error);

    expect(logged).toMatchObject({ type: 'QueryFailedError', code: '23502', table: 'users', column: 'last_name' });
    const text = JSON.stringify(logged);
    expect(text).not.toContain('ann@example.com');
    expect(text).not.toContain('$2b$12$');
    expect(text).not.toContain('7946');
  });

  it('redacts a value the server quotes in its message', () => {
    const driverError = Object.assign(new Error('invalid input syntax for type uuid: "ann@example.com"'), { code: '22P02' });
    const logged = loggableError(new QueryFailedError('SELECT 1', ['ann@example.com'], driverError));
    expect(logged.message).toBe('invalid input syntax for type uuid: "[REDACTED]"');
    expect(JSON.stringify(logged)).not.toContain('ann@example.com');
  });

  it('keeps the stack of ordinary errors and follows their cause', () => {
    const logged = loggableError(new Error('outer', { cause: new TypeError('inner') }));
    expect(logged).toMatchObject({ type: 'Error', message: 'outer', cause: { type: 'TypeError', message: 'inner' } });
    expect(logged.stack).toEqual(expect.stringContaining('loggable-error.spec'));
  });
});
