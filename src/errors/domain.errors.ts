/**
 * What the services, the engine and the validators report when they refuse: a domain
 * outcome, not an HTTP status. The http layer alone (`http/problem.ts`) maps each kind to
 * its status and title in application/problem+json; the CLI prints the detail.
 */

/** One offending field: a JSON pointer or dotted path (`/title`, `responsibility.level`) and what is wrong with it. */
export interface FieldError {
  field: string;
  message: string;
}

export type DomainErrorKind = 'invalid-input' | 'not-found' | 'conflict' | 'forbidden' | 'unauthenticated';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  readonly detail: string;
  /** Further facts for the caller, e.g. `errors` or `allowedEvents`. */
  readonly extensions: Record<string, unknown>;
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    this.detail = detail;
    this.extensions = extensions;
    this.name = new.target.name;
  }
}

/** The input breaks a rule; `errors` names each field. */
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid-input';
  readonly errors: FieldError[];
  constructor(detail: string, errors: FieldError[]) {
    super(detail, { errors });
    this.errors = errors;
  }
}

/** What was asked for does not exist (or is not the caller's to see). */
export class NotFoundError extends DomainError {
  readonly kind = 'not-found';
}

/** Valid input that the current state does not allow. */
export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

/** The caller is known but may not do this. */
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
}

/** The caller is not known (no or an invalid token). */
export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated';
}
