import { QueryFailedError } from 'typeorm';
import { isOutage, ServiceUnavailableError } from './outage';

const pgError = (code: string, message = 'error') => Object.assign(new Error(message), { code });
const queryFailed = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('isOutage', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['an admin shutdown (57P01) inside a QueryFailedError', queryFailed(pgError('57P01', 'terminating connection due to administrator command'))],
    ['the database starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['a connection exception (class 08)', pgError('08006')],
    ['a terminated connection', new Error('Connection terminated unexpectedly')],
    ['a pool timeout', new Error('timeout exceeded when trying to connect')],
    ['Redis without its offline queue', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['a Redis command timeout', new Error('Command timed out')],
    ['every address refused', new AggregateError([pgError('ECONNREFUSED'), pgError('ECONNREFUSED')])],
    ['its own error', new ServiceUnavailableError()],
  ])('is true for %s', (_, error) => expect(isOutage(error)).toBe(true));

  it.each([
    ['a unique violation', queryFailed(pgError('23505', 'duplicate key value violates unique constraint "users_email_key"'))],
    ['a syntax error in a statement', queryFailed(pgError('42601'))],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['a thrown string', 'ECONNREFUSED'],
    ['null', null],
  ])('is false for %s', (_, error) => expect(isOutage(error)).toBe(false));
});
