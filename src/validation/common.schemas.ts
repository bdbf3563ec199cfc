import { Type, type TSchema } from 'typebox';
import { MAIL_ADDRESS_MAX_LENGTH, MAIL_ADDRESS_PATTERN } from './mail-address.ts';

/**
 * The building blocks of every request schema (routes and event payloads alike), so that
 * each kind of value has one rule: every string a length limit, every number a range,
 * dates real calendar days, addresses exactly one address. NUL bytes, lone surrogates
 * and nesting depth are refused before any schema runs (src/http/input.guard.ts).
 */

export const Ars = Type.String({ pattern: '^[0-9]{12}$', maxLength: 12, description: '12-stelliger Amtlicher Regionalschlüssel' });
export const Uuid = Type.String({ format: 'uuid', maxLength: 36 });
export const LandKey = Type.String({ pattern: '^[0-9]{2}$', maxLength: 2, description: 'Land (Brandenburg: 12)' });
export const MinistryKey = Type.String({ pattern: '^[A-Za-zÄÖÜäöü-]{2,20}$', maxLength: 20, description: 'Kürzel eines Ministeriums, z. B. MSGIV' });

/**
 * The years a date of this service may fall in (the same bounds as isCalendarDate in
 * time/berlin.clock.ts): PostgreSQL has no year 0000, and a deadline in 9999 pushed on by
 * its reminders leaves the YYYY-MM-DD form – both were a 500.
 */
export const CALENDAR_DATE_PATTERN = '^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$';

/** YYYY-MM-DD, a day that exists (2025-02-30 is refused here, not later by a machine) and a year from 1900 to 2999. */
export const CalendarDate = (description = 'Datum JJJJ-MM-TT') => Type.String({ format: 'date', pattern: CALENDAR_DATE_PATTERN, maxLength: 10, description });

export const MailAddress = (description: string) =>
  Type.String({ format: 'email', pattern: MAIL_ADDRESS_PATTERN, maxLength: MAIL_ADDRESS_MAX_LENGTH, description });

export const EMPTY_OR_MAIL_ADDRESS_PATTERN = `^(${MAIL_ADDRESS_PATTERN.slice(1, -1)})?$`;
/** An address, or '' to remove one. */
export const MailAddressOrEmpty = (description: string) =>
  Type.String({ pattern: EMPTY_OR_MAIL_ADDRESS_PATTERN, maxLength: MAIL_ADDRESS_MAX_LENGTH, description });

/** Free text a person writes: a reason, lessons learned, an answer (2000 characters, like the answer form). */
export const TEXT_MAX_LENGTH = 2000;

/** Control characters other than line breaks and tabs: nobody types them, they only break mails and pages. */
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** Text that says something (not only blanks), line breaks and tabs allowed, no other control characters. */
export const TEXT_PATTERN = '^(?=[\\s\\S]*\\S)[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$';
/** Text a person writes (a reason, a comment, an answer): it goes into mails and pages. */
export const Text = (description: string, maxLength = TEXT_MAX_LENGTH) => Type.String({ minLength: 1, maxLength, pattern: TEXT_PATTERN, description });

export const LINE_PATTERN = '^[^\\x00-\\x1f\\x7f]*$';
/** One line without control characters: names that end up in mail headers or a list. */
export const Line = (description: string, maxLength = 200) => Type.String({ maxLength, pattern: LINE_PATTERN, description });

export const NON_BLANK_LINE_PATTERN = '^[^\\x00-\\x1f\\x7f]*[^\\x00-\\x20\\x7f][^\\x00-\\x1f\\x7f]*$';
/** A title or label: one line that says something (titles end up in mail subjects). */
export const NonBlankLine = (description: string, maxLength = 200) =>
  Type.String({ minLength: 1, maxLength, pattern: NON_BLANK_LINE_PATTERN, description });

export const HTTP_URL_PATTERN = '^https?://[^\\s/?#]+[^\\s]*$';
const HTTP_URL = new RegExp(HTTP_URL_PATTERN);
/**
 * An online service's address as a PVOG export may carry it, in code as in the schemas:
 * http(s), a host, no white space, at most TEXT_MAX_LENGTH characters, and parseable as a
 * URL. An address someone reports as linked must be https on top (isHttpsUrl below).
 */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > TEXT_MAX_LENGTH || !HTTP_URL.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}
export const HttpUrl = (description: string) => Type.String({ maxLength: TEXT_MAX_LENGTH, pattern: HTTP_URL_PATTERN, description });

export const HTTPS_URL_PATTERN = '^https://[^\\s/?#]+[^\\s]*$';
/**
 * The address of an Online-Dienst someone reports as linked (the authority's forms, the
 * linking and go-live events of the API): a public service for citizens runs over TLS, so
 * https only – the forms' hint says "Beginnt mit https://". An address read from a PVOG
 * export stays isHttpUrl: it is evidence of what is published, taken as the export has it.
 */
export function isHttpsUrl(value: unknown): value is string {
  return isHttpUrl(value) && new URL(value).protocol === 'https:';
}
export const HttpsUrl = (description: string) => Type.String({ maxLength: TEXT_MAX_LENGTH, pattern: HTTPS_URL_PATTERN, description });

/** Integer with both bounds, e.g. days or counts. */
export const Bounded = (minimum: number, maximum: number, options: { description?: string; default?: number } = {}) =>
  Type.Integer({ minimum, maximum, ...options });

/** Deadlines in days: a whole number of days within a year. */
export const FristTage = Type.Integer({ minimum: 1, maximum: 365, description: 'Antwortfrist in Tagen (ganze Zahl 1–365)' });

export const PAGE_LIMIT_MAX = 1000;
/** Far beyond any list here; bounded so that a database never sees 1e20. */
export const OFFSET_MAX = 1_000_000;

/** `limit` and `offset` as the query strings take them: optional, with defaults. */
export const Paging = (defaultLimit: number, maxLimit = PAGE_LIMIT_MAX) => ({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxLimit, default: defaultLimit, description: `höchstens so viele Einträge (Standard ${defaultLimit})` })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: OFFSET_MAX, default: 0, description: 'so viele Einträge überspringen' })),
});

/** A comma-separated list of known values, e.g. `stage=informiert,interessiert`. */
export const CsvOf = (values: readonly string[], description: string) =>
  Type.String({
    maxLength: values.reduce((sum, value) => sum + value.length + 1, 0),
    pattern: `^(${values.map(escapeRegExp).join('|')})(,(${values.map(escapeRegExp).join('|')}))*$`,
    description: `${description}; kommagetrennt aus: ${values.join(', ')}`,
  });

export const OneOf = <const Values extends string[]>(values: readonly [...Values], description?: string) =>
  Type.Enum<Values>(values, description ? { description } : {});

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Marks a schema as documentation of a free-form JSON object (a machine's context). */
export const FreeObject = (description: string): TSchema => Type.Object({}, { additionalProperties: true, description });
