/**
 * Errors that map to an RFC 9457 problem response. Service code throws these; the
 * single error handler in app.ts renders them as application/problem+json.
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  /** Extra members of the problem document, e.g. `errors` or `allowedEvents`. */
  readonly extensions: Record<string, unknown>;
  constructor(status: number, title: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    this.extensions = extensions;
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.name = 'ProblemError';
  }

  /** Fastify's name for it: error handlers that only know `statusCode` (the answer pages') still see a 4xx. */
  get statusCode(): number {
    return this.status;
  }
}

export interface FieldError {
  /** JSON pointer or dotted path of the offending field, e.g. `/title` or `responsibility.level`. */
  field: string;
  message: string;
}

export class ValidationProblem extends ProblemError {
  readonly errors: FieldError[];
  constructor(detail: string, errors: FieldError[]) {
    super(422, 'Ungültige Eingabe', detail, { errors });
    this.errors = errors;
  }
}

export class NotFoundProblem extends ProblemError {
  constructor(what: string) {
    super(404, 'Nicht gefunden', what);
  }
}

export class ConflictProblem extends ProblemError {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(409, 'Konflikt', detail, extensions);
  }
}

export class ForbiddenProblem extends ProblemError {
  constructor(detail: string) {
    super(403, 'Keine Berechtigung', detail);
  }
}

export class UnauthorizedProblem extends ProblemError {
  constructor(detail: string) {
    super(401, 'Nicht angemeldet', detail);
  }
}
