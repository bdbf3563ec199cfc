import type { TSchema } from 'typebox';
import type { FieldError } from '../errors/domain.errors.ts';
import { fieldErrorsOf, schemaIssuesOf } from '../validation/field-errors.ts';
import { onePerField, type FieldOf } from './staff-route.kit.ts';

/**
 * The staff's forms check what they would send against the API's own request schema
 * (TypeBox, as the engine checks event payloads), so a form takes exactly what the API
 * takes, with the API's German messages. A schema path becomes the form field that holds
 * it; list entries and lines are named by their number.
 */

/** The entries of a list field: one per line, or separated by commas, semicolons or blanks. */
export function formList(text: string): string[] {
  return text.split(/[\s,;]+/).filter(Boolean);
}

export function schemaErrors(schema: TSchema, value: unknown, fieldOf: FieldOf): FieldError[] {
  const issues = schemaIssuesOf(schema, value);
  return onePerField(fieldErrorsOf(issues, ''), fieldOf);
}

/** `/leikaKeys/2` → „Eintrag 3“ for list fields; other paths name their first segment. */
export function entryOf(pointer: string, word = 'Eintrag'): string | undefined {
  const index = /\/(\d+)(?:\/|$)/.exec(pointer)?.[1];
  return index === undefined ? undefined : `${word} ${Number(index) + 1}`;
}

/** Summary entries name the field by its label: „Titel: höchstens 300 Zeichen“. */
export function labelled(errors: readonly FieldError[], labels: Readonly<Record<string, string>>): FieldError[] {
  return errors.map((error) => ({ field: error.field, message: labels[error.field] ? `${labels[error.field]}: ${error.message}` : error.message }));
}
