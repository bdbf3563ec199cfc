import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { TSchema } from 'typebox';
import type { Database } from '../db/schema.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { ConflictError, InvalidInputError, NotFoundError, type FieldError } from '../errors/domain.errors.ts';
import type { MailingSettings } from '../mailings/mailing.service.ts';
import { html, type Html } from '../markup/html.ts';
import { damagedFieldErrors } from './form-body.ts';
import { schemaErrors as formSchemaErrors } from './schema-form.ts';
import type { StaffFrame } from './staff.layout.ts';
import { formFieldOf, isArs, onePerField, pathUuid } from './staff-route.kit.ts';

/**
 * What the pilot and wave pages of a solution share beyond every staff page's kit
 * (staff-route.kit.ts): their dependencies, their path parameters (lower-case ids, an
 * ARS), form values judged by the API's own body schemas (so a page takes exactly what
 * the API takes, and names the form's field), and the boxes for a notice, a refusal and
 * an error summary.
 */

export interface RolloutPagesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
  /** Starting a wave sends the Rollout-Einladung (as the wave API does). */
  mailSettings: MailingSettings;
}

/** Far above any form here (a meeting's notes: 10,000 characters, percent-encoded): a too long field is a 422 naming it, not a 413. */
export const ROLLOUT_FORM_BODY_LIMIT = 256 * 1024;

export type Form = Readonly<Record<string, string | string[] | undefined>>;

/** A path's id (not found if it cannot exist), lower-case as the database keeps it. */
export const pathId = (value: string, what: string): string => pathUuid(value, what).toLowerCase();

export function pathArs(value: string): string {
  if (!isArs(value)) throw new NotFoundError(`Behörde ${value} gibt es nicht`);
  return value;
}

/** Every value of a repeated field (checkboxes). */
export function fieldList(form: Form, name: string): string[] {
  const value = form[name];
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** Lines of a textarea, blank ones dropped. */
export const lines = (value: string) => value.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);

/**
 * The body judged by the API's schema; each error names the form field it came from
 * (`/teilnehmende/3` → teilnehmende, `/filter/kreisArs` → kreisArs through `rename`).
 */
export function schemaErrors(schema: TSchema, body: unknown, rename: Readonly<Record<string, string>> = {}): FieldError[] {
  return formSchemaErrors(schema, body, (pointer) => formFieldOf(pointer, rename));
}

/** The fields from which the form parser took characters out (NUL bytes …). */
export const damaged = (form: Form) => damagedFieldErrors(form as never);

/** A domain error as the page shows it again: 409 with the reason, 422 with the fields; anything else is not the form's. */
export function failureOf(error: unknown, rename: Readonly<Record<string, string>> = {}): { status: 409 | 422; reason: string; errors: FieldError[] } | null {
  if (error instanceof ConflictError) return { status: 409, reason: error.detail, errors: [] };
  if (error instanceof InvalidInputError) return { status: 422, reason: error.detail, errors: onePerField(error.errors, (pointer) => formFieldOf(pointer, rename)) };
  return null;
}

export function noticeBox(notice: string | undefined): Html | '' {
  return notice ? html`<div class="kasten" role="status"><p>${notice}</p></div>` : '';
}

/** The machine's (or the service's) refusal above the page. */
export function refusalBox(title: string, reason: string | undefined): Html | '' {
  return reason ? html`<div class="zusammenfassung" role="alert" tabindex="-1"><h2>${title}</h2><p>${reason}</p></div>` : '';
}

/** The error summary: each entry names the field (its label) and jumps to it. */
export function fieldSummary(errors: readonly FieldError[], labelOf: (field: string) => string, anchor: (field: string) => string): Html | '' {
  if (errors.length === 0) return '';
  return html`<div class="zusammenfassung" role="alert" aria-labelledby="fehler-titel" tabindex="-1">
<h2 id="fehler-titel">Bitte prüfen Sie Ihre Angaben</h2>
<ul>${errors.map((e) => html`<li><a href="#${anchor(e.field)}">${labelOf(e.field)}: ${e.message}</a></li>`)}</ul>
</div>`;
}

/** A labelled control's error line and attributes, for forms whose ids carry a prefix. */
export function fieldParts(errors: readonly FieldError[] | undefined, id: string, name: string, hintId?: string) {
  const error = errors?.find((e) => e.field === name);
  const errorId = `fehler-${id}`;
  const ids = [hintId, error ? errorId : undefined].filter(Boolean).join(' ');
  return {
    line: error ? html`<p class="fehler" id="${errorId}"><span class="unsichtbar">Fehler: </span>${error.message}</p>` : ('' as const),
    attributes: html`${ids ? html` aria-describedby="${ids}"` : ''}${error ? html` aria-invalid="true"` : ''}`,
  };
}
