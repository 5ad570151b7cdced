export interface FieldError {
  field: string;
  message: string;
}

export interface DomainErrorOptions {
  detail?: string;
  /** Extra members of the problem document (RFC 9457 extensions). */
  extensions?: Record<string, unknown>;
  /** Response headers that belong to this error, e.g. Retry-After. */
  headers?: Record<string, string>;
}

/**
 * Base of every error a caller may see. `code` becomes the problem `type`, so clients can
 * branch on it without parsing the message.
 */
export class DomainError extends Error {
  readonly detail?: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    options: DomainErrorOptions = {},
  ) {
    super(options.detail ?? title);
    this.name = new.target.name;
    this.detail = options.detail;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

export class ValidationFailedError extends DomainError {
  constructor(errors: FieldError[], detail = 'The request has invalid fields.') {
    super('validation-failed', 400, 'Invalid request', { detail, extensions: { errors } });
  }
}

export class NotFoundError extends DomainError {
  constructor(detail: string) {
    super('not-found', 404, 'Not found', { detail });
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, detail: string) {
    super(code, 409, 'Conflict', { detail });
  }
}

export class UnauthorizedError extends DomainError {
  constructor(detail = 'A valid access token is required.') {
    super('unauthorized', 401, 'Unauthorized', {
      detail,
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  }
}

export class ForbiddenError extends DomainError {
  constructor(detail: string, code = 'forbidden') {
    super(code, 403, 'Forbidden', { detail });
  }
}

export class UnprocessableError extends DomainError {
  constructor(code: string, detail: string) {
    super(code, 422, 'Unprocessable request', { detail });
  }
}

/** Retry-After in whole seconds (rounded up, at least 1) plus the exact milliseconds. */
function retryMembers(retryAfterMs: number) {
  const ms = Math.max(0, Math.ceil(retryAfterMs));
  return {
    extensions: { retryAfterMs: ms },
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) },
  };
}

export class TooManyRequestsError extends DomainError {
  constructor(code: string, detail: string, retryAfterMs: number) {
    super(code, 429, 'Too many requests', { detail, ...retryMembers(retryAfterMs) });
  }
}

export class ServiceUnavailableError extends DomainError {
  constructor(code: string, detail: string, retryAfterMs: number) {
    super(code, 503, 'Service unavailable', { detail, ...retryMembers(retryAfterMs) });
  }
}

export class BadGatewayError extends DomainError {
  constructor(code: string, detail: string) {
    super(code, 502, 'Bad gateway', { detail });
  }
}
