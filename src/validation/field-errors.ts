import type { TSchema } from 'typebox';
import type * as TypeBoxValue from 'typebox/value';
import { createRequire } from 'node:module';
import type { FieldError } from '../errors/domain.errors.ts';
import { MAIL_ADDRESS_PATTERN } from './mail-address.ts';
import { CALENDAR_DATE_PATTERN, EMPTY_OR_MAIL_ADDRESS_PATTERN, HTTP_URL_PATTERN, HTTPS_URL_PATTERN, LINE_PATTERN, NON_BLANK_LINE_PATTERN, TEXT_PATTERN } from './common.schemas.ts';

/**
 * Schema validation issues (ajv's at the HTTP door, TypeBox's in the engine) as the
 * field errors of a 422: one JSON pointer per offending field and a German message a
 * Fachreferat can act on. Both validators report ajv-style issues (keyword, instancePath,
 * params), so one translation serves both and the two doors never disagree in wording.
 */
export interface SchemaIssue {
  keyword: string;
  instancePath: string;
  params?: Record<string, unknown>;
  message?: string;
  /** ajv (verbose): the schema the value failed, for its description. */
  parentSchema?: { description?: string };
}

/*
 * TypeBox's value module (~300 modules) is loaded with the first value checked – an event
 * or a staff form – not at start; synchronously, as the checks are.
 */
let typeBoxValue: typeof TypeBoxValue | undefined;

/** The issues of `value` against `schema`, as TypeBox's Value.Errors reports them. */
export function schemaIssuesOf(schema: TSchema, value: unknown): SchemaIssue[] {
  typeBoxValue ??= createRequire(import.meta.url)('typebox/value') as typeof TypeBoxValue;
  return [...typeBoxValue.Value.Errors(schema, value)] as unknown as SchemaIssue[];
}

/** More errors than this help nobody read a 422 (20,000 wrong ARS in one list …). */
export const MAX_FIELD_ERRORS = 50;

const TYPE_NAMES: Record<string, string> = {
  integer: 'eine ganze Zahl',
  number: 'eine Zahl',
  string: 'Text',
  object: 'ein Objekt',
  array: 'eine Liste',
  boolean: 'true oder false',
  null: 'null',
};

const FORMAT_MESSAGES: Record<string, string> = {
  date: 'muss ein Kalenderdatum im Format JJJJ-MM-TT sein (2025-02-30 gibt es nicht)',
  email: 'muss genau eine E-Mail-Adresse sein (name@domain.de, ohne Anzeigenamen und Zeilenumbruch)',
  uuid: 'muss eine UUID sein',
  uri: 'muss eine vollständige Adresse (URL) sein',
  'date-time': 'muss ein Zeitpunkt nach ISO 8601 sein',
};

const PATTERN_MESSAGES: Record<string, string> = {
  '\\S': 'darf nicht leer sein',
  [TEXT_PATTERN]: 'darf nicht leer sein und außer Zeilenumbrüchen und Tabulatoren keine Steuerzeichen enthalten',
  '^[0-9]{12}$': 'muss ein 12-stelliger Amtlicher Regionalschlüssel sein',
  '^[0-9]{14}$': 'muss ein 14-stelliger Leistungsschlüssel sein',
  '^[0-9]{2}$': 'muss ein 2-stelliger Landesschlüssel sein',
  [LINE_PATTERN]: 'darf keinen Zeilenumbruch und keine Steuerzeichen enthalten',
  [HTTP_URL_PATTERN]: 'muss eine Adresse sein, die mit https:// oder http:// beginnt',
  [HTTPS_URL_PATTERN]: 'muss eine Adresse sein, die mit https:// beginnt',
  [NON_BLANK_LINE_PATTERN]: 'darf nicht leer sein und keinen Zeilenumbruch oder Steuerzeichen enthalten',
  [MAIL_ADDRESS_PATTERN]: FORMAT_MESSAGES.email!,
  [CALENDAR_DATE_PATTERN]: 'muss ein Kalenderdatum JJJJ-MM-TT zwischen 1900 und 2999 sein',
  [EMPTY_OR_MAIL_ADDRESS_PATTERN]: `${FORMAT_MESSAGES.email!}; leer, um sie zu entfernen`,
};

const list = (values: unknown): string =>
  (Array.isArray(values) ? values : [values]).map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(', ');

/** The German message for one issue. */
export function messageOf(issue: SchemaIssue): string {
  const params = issue.params ?? {};
  const limit = params.limit as number | undefined;
  switch (issue.keyword) {
    case 'required':
      return 'Pflichtangabe';
    case 'additionalProperties':
    case 'boolean': // TypeBox reports an unknown property also as `false` schema
      return 'unbekannte Angabe';
    case 'type': {
      const type = String(params.type ?? '');
      return `muss ${type.split(',').map((t) => TYPE_NAMES[t] ?? t).join(' oder ')} sein`;
    }
    case 'maxLength':
      return `höchstens ${limit} Zeichen`;
    case 'minLength':
      return limit === 1 ? 'darf nicht leer sein' : `mindestens ${limit} Zeichen`;
    case 'pattern':
      return (
        PATTERN_MESSAGES[String(params.pattern)] ??
        (issue.parentSchema?.description ? `erwartet: ${issue.parentSchema.description}` : `hat nicht das erwartete Format (${String(params.pattern)})`)
      );
    case 'format':
      return FORMAT_MESSAGES[String(params.format)] ?? `muss das Format „${String(params.format)}“ haben`;
    case 'maximum':
      return `höchstens ${limit}`;
    case 'minimum':
      return `mindestens ${limit}`;
    case 'exclusiveMaximum':
      return `kleiner als ${limit}`;
    case 'exclusiveMinimum':
      return `größer als ${limit}`;
    case 'maxItems':
      return `höchstens ${limit} Einträge`;
    case 'minItems':
      return limit === 1 ? 'mindestens ein Eintrag' : `mindestens ${limit} Einträge`;
    case 'uniqueItems':
      return 'enthält doppelte Einträge';
    case 'minProperties':
      return 'mindestens eine Angabe';
    case 'maxProperties':
      return `höchstens ${limit} Angaben`;
    case 'enum':
      return `erlaubt: ${list(params.allowedValues)}`;
    case 'const':
      return `muss ${list(params.allowedValue)} sein`;
    case 'discriminator':
      return params.error === 'mapping'
        ? `unbekannter Typ „${String(params.tagValue)}“ (welche möglich sind, nennt die API-Dokumentation)`
        : 'Pflichtangabe';
    case 'oneOf':
    case 'anyOf':
      return 'passt zu keiner der erlaubten Formen';
    default:
      return issue.message ?? 'ungültig';
  }
}

/**
 * Field errors of schema issues under a prefix (`/body`, `/querystring`, `/event` …).
 * A missing or unknown property is named itself, not its parent object.
 */
export function fieldErrorsOf(issues: readonly SchemaIssue[], prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const add = (path: string, message: string) => {
    const key = `${path}\u0001${message}`;
    if (seen.has(key) || errors.length >= MAX_FIELD_ERRORS) return;
    seen.add(key);
    errors.push({ field: `${prefix}${path}`, message });
  };
  // A union of literals fails once per literal and once as a whole: say it once, with the choices.
  const literals = new Map<string, unknown[]>();
  for (const issue of issues) {
    if (issue.keyword === 'const') literals.set(issue.instancePath, [...(literals.get(issue.instancePath) ?? []), issue.params?.allowedValue]);
  }
  for (const issue of issues) {
    const params = issue.params ?? {};
    const choices = literals.get(issue.instancePath);
    if (issue.keyword === 'const' && choices && choices.length > 1) continue;
    const message = issue.keyword === 'anyOf' && choices ? `erlaubt: ${list(choices)}` : messageOf(issue);
    // ajv names one property per issue, TypeBox lists them all
    const named = [
      params.missingProperty,
      params.additionalProperty,
      ...((params.requiredProperties as unknown[] | undefined) ?? []),
      ...((params.additionalProperties as unknown[] | undefined) ?? []),
    ].filter((name): name is string => typeof name === 'string');
    if (issue.keyword === 'discriminator') add(`${issue.instancePath}/${String(params.tag ?? 'type')}`, message);
    else if (named.length) for (const name of named) add(`${issue.instancePath}/${escapePointer(name)}`, message);
    else add(issue.instancePath, message);
  }
  return errors;
}

/** RFC 6901: `~` and `/` in a property name. */
export function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}
