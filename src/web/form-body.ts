import type { FieldError } from '../errors/domain.errors.ts';
import { InvalidInputError } from '../errors/domain.errors.ts';
import { CONTROL_CHARACTERS } from '../validation/common.schemas.ts';
import type { FormFields } from '../responses/response.service.ts';

/**
 * The body of a form on an authority's page (application/x-www-form-urlencoded). Every
 * page gives a form with characters that cannot be stored – a NUL byte, another control
 * character (line breaks and tabs are text), a value that is not percent-encoded UTF-8 –
 * back to the person who typed it, with the field named and the text kept: the parser
 * takes those characters out and remembers which fields lost some, and each page route
 * asks `refuseDamagedFields` before it validates anything else. So the input guard
 * (http/input.guard.ts), which answers problem+json for the API, never sees them here, and
 * what comes back in the form is exactly what could be stored.
 */

const DAMAGED = Symbol('Formularfelder mit entfernten Zeichen');
const CONTROL = new RegExp(CONTROL_CHARACTERS.source, 'g');
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF8_LENIENT = new TextDecoder('utf-8');

type ParsedForm = FormFields & { [DAMAGED]?: readonly string[] };

const isHexDigit = (byte: number | undefined) =>
  byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66));

/**
 * One name or value: `+` is a blank, `%XX` a byte, the bytes UTF-8. Not URLSearchParams,
 * which silently puts U+FFFD where the bytes are no UTF-8: here a broken escape or byte
 * sequence is dropped and reported, so that nobody's text is stored with replacement
 * characters in it.
 */
function decodeFormComponent(raw: string): { text: string; damaged: boolean } {
  const source = Buffer.from(raw.replaceAll('+', ' '), 'utf8');
  const bytes = Buffer.alloc(source.length);
  let length = 0;
  let damaged = false;
  for (let i = 0; i < source.length; i++) {
    const byte = source[i]!;
    if (byte !== 0x25) bytes[length++] = byte;
    else if (isHexDigit(source[i + 1]) && isHexDigit(source[i + 2])) {
      bytes[length++] = Number.parseInt(String.fromCharCode(source[i + 1]!, source[i + 2]!), 16);
      i += 2;
    } else damaged = true; // a lone '%': browsers send %25
  }
  let text: string;
  try {
    text = UTF8.decode(bytes.subarray(0, length));
  } catch {
    // another charset, an encoded lone surrogate: the undecodable bytes go, the rest stays
    damaged = true;
    text = UTF8_LENIENT.decode(bytes.subarray(0, length)).replaceAll('\uFFFD', '');
  }
  const clean = text.replace(CONTROL, '');
  return { text: clean, damaged: damaged || clean.length !== text.length };
}

/** Repeated keys (checkboxes) become arrays; characters that cannot be stored are taken out (see above). */
export function parseFormBody(body: string): FormFields {
  const fields: ParsedForm = Object.create(null);
  const damaged = new Set<string>();
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const key = decodeFormComponent(at < 0 ? pair : pair.slice(0, at));
    const value = decodeFormComponent(at < 0 ? '' : pair.slice(at + 1));
    if (key.damaged || value.damaged) damaged.add(key.text);
    const existing = fields[key.text];
    fields[key.text] = existing === undefined ? value.text : Array.isArray(existing) ? [...existing, value.text] : [existing, value.text];
  }
  // not enumerable: the form's values stay plain strings for every reader
  if (damaged.size) Object.defineProperty(fields, DAMAGED, { value: Object.freeze([...damaged]) });
  return fields;
}

/** The form fields' names in the users' words. */
const FIELD_LABELS: Record<string, string> = {
  freitext: 'Bemerkungen',
  wahl: 'Ihre Antwort',
  status: 'Bereitschaft',
  ab: 'Bereit ab',
  gruende: 'Was fehlt noch?',
  schritte: 'Erledigte Schritte',
  onlineDienstUrl: 'Adresse (URL) des Online-Dienstes',
  verknuepftAm: 'Verknüpft am',
  kategorie: 'Bereich',
  betreff: 'Betreff',
  beschreibung: 'Beschreibung',
  text: 'Ihre Nachricht',
};

/** A form field's name as the page labels it; a pilot's checklist reason is its „Begründung“. */
export function formFieldLabel(name: string): string {
  if (name.startsWith('grund-')) return 'Begründung';
  return FIELD_LABELS[name] ?? name;
}

/** The fields from which the parser took characters out, as field errors the form shows. */
export function damagedFieldErrors(fields: FormFields): FieldError[] {
  const names = (fields as ParsedForm)[DAMAGED] ?? [];
  return names.map((name) => ({
    field: name,
    message: `„${formFieldLabel(name)}“ enthielt Zeichen, die nicht gespeichert werden können (Steuerzeichen, etwa aus einer kopierten Vorlage, oder eine fehlerhafte Kodierung). Wir haben sie entfernt – bitte prüfen Sie den Text und senden Sie das Formular noch einmal ab.`,
  }));
}

/** Throws the InvalidInputError that sends the form back (422, the field named, the text kept) when characters were taken out. */
export function refuseDamagedFields(fields: FormFields): void {
  const errors = damagedFieldErrors(fields);
  if (errors.length) throw new InvalidInputError('Das Formular enthielt Zeichen, die nicht gespeichert werden können', errors);
}
