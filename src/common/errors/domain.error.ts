export interface FieldError {
  field: string;
  message: string;
}

/**
 * A failure the client can act on. Services throw these; the global problem filter turns them into
 * `application/problem+json` with the status and the stable `code`.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends DomainError {
  constructor(errors: FieldError[], message = 'The request has invalid fields.') {
    super(400, 'VALIDATION_FAILED', message, errors);
  }
}

export class NotFoundError extends DomainError {
  constructor(resource: string) {
    super(404, 'NOT_FOUND', `${resource} not found.`);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You are not allowed to do this.', code = 'FORBIDDEN') {
    super(403, code, message);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'Authentication is required.', code = 'UNAUTHORIZED') {
    super(401, code, message);
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

export class UnprocessableError extends DomainError {
  constructor(code: string, message: string, errors?: FieldError[]) {
    super(422, code, message, errors);
  }
}
