import { actorOf, type Principal } from '../auth/api-token.service.ts';
import type { EventResult } from '../engine/workflow.engine.ts';
import { NotFoundError, type FieldError } from '../errors/domain.errors.ts';

/**
 * What every staff page's route module needs alike, and nothing page-specific: routes
 * hidden from the OpenAPI document, path ids that cannot exist answered as not found, a
 * form field's text, engine and schema errors named by the form field they belong to,
 * and an event sent in the signed-in person's name with the engine's answer turned into
 * the page's (done, or the form again with 403/409/422). Rendering belongs to the pages.
 */

/** Staff pages are no part of the API's OpenAPI document. */
export const HIDDEN = { schema: { hide: true } } as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ARS = /^[0-9]{12}$/;

export const isUuid = (value: string) => UUID.test(value);
export const isArs = (value: string) => ARS.test(value);

/**
 * A path's id as sent. The API's Uuid schema refuses other ids with 422; a page for a
 * path that cannot exist is simply not found („EfA-Lösung … gibt es nicht“).
 */
export function pathUuid(value: string, what: string): string {
  if (!UUID.test(value)) throw new NotFoundError(`${what} ${value} gibt es nicht`);
  return value;
}

/** A parsed form (form-body.ts: repeated keys are arrays), or any body. */
export type FormLike = Readonly<Record<string, unknown>> | null | undefined;

/** A form field's (first) value as sent; '' when absent or not text. */
export function formText(form: FormLike, name: string): string {
  const value = form?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

/** The same without the blanks around it. */
export const formTextTrimmed = (form: FormLike, name: string): string => formText(form, name).trim();

/**
 * The form field a schema path names, and for list fields the entry's words
 * (`/leikaKeys/2` → leikaKeys, „Eintrag 3“); or just the field's name.
 */
export type FieldOf = (pointer: string) => string | { field: string; entry?: string };

/**
 * `/event/override/reason`, `/body/filter/kreisArs`, `/authorities/2` → the last named
 * segment (reason, kreisArs, authorities), unless `rename` names the form field otherwise
 * by the whole path (`override/reason`) or by that segment.
 */
export function formFieldOf(pointer: string, rename: Readonly<Record<string, string>> = {}): string {
  const parts = pointer.replace(/^\/(body|params|event)(?=\/|$)/, '').split('/').filter(Boolean);
  const named = parts.filter((part) => !/^\d+$/.test(part));
  const last = named[named.length - 1] ?? '';
  return rename[named.join('/')] ?? rename[last] ?? last;
}

/** Where the solution's and a participant's event forms differ from the event: the override's reason. */
export const EVENT_FORM_FIELDS = { override: 'overrideReason', 'override/reason': 'overrideReason' } as const;

/** The form field of an event's error (`/event/override/reason` → overrideReason). */
export const eventFormFieldOf = (pointer: string) => formFieldOf(pointer, EVENT_FORM_FIELDS);

/**
 * One message per form field: the first, with its entry's words if any. Without
 * `fieldOf` the errors already name their form fields; with it, their schema paths
 * (`/body` taken off first) are turned into form fields.
 */
export function onePerField(errors: readonly FieldError[], fieldOf?: FieldOf): FieldError[] {
  const byField = new Map<string, string>();
  for (const error of errors) {
    const named = fieldOf ? fieldOf(error.field.replace(/^\/body/, '')) : error.field;
    const { field, entry } = typeof named === 'string' ? { field: named, entry: undefined } : named;
    if (!byField.has(field)) byField.set(field, entry ? `${entry}: ${error.message}` : error.message);
  }
  return [...byField].map(([field, message]) => ({ field, message }));
}

/** The sender of an event from a page, as the API's event routes send it: the person, from a client, a ministry within its own solutions. */
export function staffEventSender(principal: Principal) {
  return { actor: actorOf(principal), origin: 'client' as const, ministryScope: principal.role === 'ministry' ? principal.ministry : null };
}

/** The engine's answer as a page gives it: done (redirect with a notice), or the form again. */
export type PageOutcome = { done: true } | { done: false; status: 403 | 409 | 422; reason: string; errors: FieldError[] };

/**
 * applied / already applied (a double submit) → done; invalid → 422 with one error per
 * form field; an event only the system sends → 403; refused, a precondition not met, the
 * solution not active → 409 with the machine's reason. Not found is thrown (the 404 page).
 * `fieldOf` names the form field of an error's schema path (onePerField).
 */
export function pageOutcomeOf(result: EventResult, fieldOf?: FieldOf): PageOutcome {
  switch (result.kind) {
    case 'applied':
    case 'already-applied':
      return { done: true };
    case 'invalid':
      return { done: false, status: 422, reason: result.reason, errors: onePerField(result.errors, fieldOf) };
    case 'not-found':
      throw new NotFoundError(result.reason);
    case 'system-only':
      return { done: false, status: 403, reason: result.reason, errors: [] };
    case 'refused':
    case 'precondition-failed':
    case 'solution-inactive':
      return { done: false, status: 409, reason: result.reason, errors: [] };
  }
}
