/**
 * CSV as German spreadsheet software opens it: UTF-8 with a byte order mark (else Excel
 * reads Windows-1252), `;` between fields (the comma is the decimal sign), CRLF lines,
 * a field quoted when it holds `;`, `"`, CR or LF (quotes doubled, RFC 4180). A cell a
 * spreadsheet would take for a formula – starting with `=`, `+`, `-`, `@`, TAB or CR, as an
 * authority's free text may – gets a leading `'` (OWASP "CSV Injection"), so it shows as text.
 */

import { berlinDateTimeDigits } from '../time/berlin.clock.ts';

export const BOM = '\uFEFF';
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[;"\r\n]/;

export type CsvCell = string | number | boolean | null | undefined;

/** One cell as text: neutralised when a spreadsheet would read it as a formula, quoted when needed. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  // Numbers are written by the program, not typed by anyone: a negative one stays a number.
  let text = typeof value === 'boolean' ? (value ? 'ja' : 'nein') : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A whole file: BOM, the header line, one line per row, each line ended by CRLF. */
export function toCsv(headers: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const line = (cells: readonly CsvCell[]) => cells.map(csvCell).join(';') + '\r\n';
  return BOM + line(headers) + rows.map(line).join('');
}

/** An instant (ISO string or Date) as Berlin's clocks showed it: `dd.mm.yyyy hh:mm`; '' for none. */
export function germanDateTime(instant: string | Date | null | undefined): string {
  if (instant === null || instant === undefined) return '';
  return berlinDateTimeDigits(new Date(instant));
}

/** A calendar day YYYY-MM-DD as `dd.mm.yyyy`; '' for none. */
export function germanDate(date: string | null | undefined): string {
  if (!date) return '';
  const [year, month, day] = date.slice(0, 10).split('-');
  return `${day}.${month}.${year}`;
}
