import type { Response } from 'supertest';
import type { FieldError } from '../../src/common/errors/domain.error';
import type { Problem } from '../../src/common/errors/problem';

/**
 * Asserts an RFC 9457 answer: the status, `application/problem+json`, every member of the shape, and
 * (when given) the stable `code`. Returns the body for further checks.
 */
export function expectProblem(response: Response, status: number, code?: string): Problem {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.body as Problem;
  expect(problem).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code: code ?? expect.any(String),
      requestId: expect.any(String),
    }),
  );
  expect(problem.requestId).toBe(response.headers['x-request-id']);
  return problem;
}

/** A 400 validation problem whose `errors` name `field` (and, when given, a message matching `message`). */
export function expectFieldError(response: Response, field: string, message?: RegExp): FieldError[] {
  const problem = expectProblem(response, 400, 'VALIDATION_FAILED');
  expect(problem.errors).toEqual(expect.arrayContaining([{ field, message: message ? expect.stringMatching(message) : expect.any(String) }]));
  return problem.errors ?? [];
}
