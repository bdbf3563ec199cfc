import { ReconciliationBody } from '../busbb/busbb.routes.ts';
import type { ReconciliationInput } from '../busbb/reconciliation.service.ts';
import { fieldErrorsOf, schemaIssuesOf } from '../validation/field-errors.ts';
import type { UploadedFile } from './upload.form.ts';

/**
 * The PVOG/BUS-BB export as uploaded from the page: the same JSON document the API's
 * POST …/reconciliations takes as its body, read from the file's bytes (UTF-8, a BOM
 * allowed) and checked against the API's schema – so the page and the API import the
 * same thing. Returns the body, or the messages that say why the file is unusable.
 */

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const SHOWN_ERRORS = 10;

export type ExportReading = { ok: true; input: ReconciliationInput } | { ok: false; status: 413 | 422; messages: string[] };

export function readExportFile(file: UploadedFile | null, limitBytes: number): ExportReading {
  const refuse = (status: 413 | 422, ...messages: string[]): ExportReading => ({ ok: false, status, messages });
  if (!file || (file.bytes.length === 0 && !file.truncated)) {
    return refuse(422, file?.filename ? `Die Datei „${file.filename}“ ist leer.` : 'Bitte wählen Sie die Exportdatei (JSON) aus.');
  }
  const name = `Die Datei „${file.filename}“`;
  if (file.truncated) return refuse(413, `${name} ist größer als ${Math.round(limitBytes / 1024 / 1024)} MiB; so große Exporte nimmt der Abgleich nicht an.`);
  let text: string;
  try {
    text = UTF8.decode(file.bytes);
  } catch {
    return refuse(422, `${name} ist nicht in UTF-8 kodiert. Bitte exportieren Sie sie als UTF-8 (JSON).`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\u0000')) return refuse(422, `${name} enthält NUL-Zeichen; das ist kein JSON-Export.`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : '';
    return refuse(422, `${name} ist kein vollständiges JSON-Dokument (abgeschnitten oder kein JSON): ${detail}`);
  }
  const issues = schemaIssuesOf(ReconciliationBody, document);
  if (issues.length) {
    const errors = fieldErrorsOf(issues, '');
    return refuse(422, ...errors.slice(0, SHOWN_ERRORS).map((e) => `${name}, ${e.field || 'Dokument'}: ${e.message}`));
  }
  return { ok: true, input: document as ReconciliationInput };
}
