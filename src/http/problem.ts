import { DomainError, type DomainErrorKind } from '../errors/domain.errors.ts';
import { isDatabaseUnavailable } from '../db/connection-loss.ts';

/**
 * The one place where a refusal becomes an HTTP status: domain errors (errors/) carry a
 * kind, this module maps it to an RFC 9457 problem; the error handler renders it as
 * application/problem+json, the answer pages as an HTML page with the same status.
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

/** How long a client should wait before trying again while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * The database cannot be reached for now (restart, failover, connection lost): 503 with
 * Retry-After, so that a client tries again instead of taking it for a fault. Whatever the
 * request was doing ran in a transaction that did not commit – or, if the connection broke
 * during COMMIT, may have: an event sent again then meets its new state (409) or its
 * idempotency key.
 */
export class DatabaseUnavailableProblem extends ProblemError {
  readonly retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS;
  constructor() {
    super(
      503,
      'Vorübergehend nicht verfügbar',
      `Die Datenbank ist gerade nicht erreichbar. Bitte die Anfrage in ${DATABASE_RETRY_AFTER_SECONDS} Sekunden wiederholen.`,
    );
    this.name = 'DatabaseUnavailableProblem';
  }
}

const PROBLEM_OF_KIND: Record<DomainErrorKind, { status: number; title: string }> = {
  'invalid-input': { status: 422, title: 'Ungültige Eingabe' },
  'not-found': { status: 404, title: 'Nicht gefunden' },
  conflict: { status: 409, title: 'Konflikt' },
  forbidden: { status: 403, title: 'Keine Berechtigung' },
  unauthenticated: { status: 401, title: 'Nicht angemeldet' },
};

/** The problem a domain error, an HTTP problem or an unreachable database stands for; null for anything else (a bug: 500). */
export function problemOf(error: unknown): ProblemError | null {
  if (error instanceof ProblemError) return error;
  if (error instanceof DomainError) {
    const { status, title } = PROBLEM_OF_KIND[error.kind];
    return new ProblemError(status, title, error.detail, error.extensions);
  }
  if (isDatabaseUnavailable(error)) return new DatabaseUnavailableProblem();
  return null;
}

/** The status of an error as the HTTP layer answers it: domain kinds mapped, Fastify's own statusCode, else 500. */
export function httpStatusOf(error: unknown): number {
  const problem = problemOf(error);
  if (problem) return problem.status;
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600 ? statusCode : 500;
}
