/**
 * A small RFC 4180 CSV reader for the directory files. It keeps the physical line on
 * which every record starts, so that errors can point the user at "Zeile 17".
 */

import { FileIssuesError, IssueCollector } from './file.issues.ts';

export { describeIssue, describeIssues, FileIssuesError, IssueCollector, type FileIssue } from './file.issues.ts';
export { decodeUtf8 } from './text.decode.ts';

export interface CsvRecord {
  /** 1-based physical line on which the record starts (a quoted field may span lines). */
  line: number;
  fields: string[];
}

export interface CsvOptions {
  delimiter: string;
}

const BOM = '\uFEFF';
/** Most NUL bytes reported per file; the first ones locate the damage. */
const MAX_NUL_ISSUES = 20;

/**
 * Splits CSV text into records. Quoted fields may contain delimiters, line breaks and
 * doubled quotes; a quote inside an unquoted field is kept literally. Empty lines are
 * skipped. Throws FileIssuesError for an unterminated quote, text after a closing quote,
 * and NUL characters (which no directory has and PostgreSQL cannot store), naming line,
 * column and character position of each.
 */
export function parseCsv(text: string, options: CsvOptions): CsvRecord[] {
  const { delimiter } = options;
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
    throw new Error(`unusable CSV delimiter ${JSON.stringify(delimiter)}`);
  }
  const source = text.startsWith(BOM) ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const nuls: { line: number; position: number; fieldIndex: number; inHeader: boolean }[] = [];
  let line = 1;
  /** Offset in `source` where the current physical line starts (for character positions). */
  let lineStart = 0;
  let recordLine = 1;
  let fields: string[] = [];
  let field = '';
  let atFieldStart = true;
  let i = 0;

  const endRecord = () => {
    const blank = fields.length === 0 && field === '' && atFieldStart;
    if (!blank) {
      fields.push(field);
      records.push({ line: recordLine, fields });
    }
    fields = [];
    field = '';
    atFieldStart = true;
  };
  const noteNul = (offset: number) => {
    if (nuls.length < MAX_NUL_ISSUES) nuls.push({ line, position: offset - lineStart + 1, fieldIndex: fields.length, inHeader: records.length === 0 });
  };
  /** Appends source[from, to) to the field, counting line breaks and leaving out NULs. */
  const appendQuoted = (from: number, to: number) => {
    const segment = source.slice(from, to);
    if (!/[\r\n\0]/.test(segment)) {
      field += segment;
      return;
    }
    for (let k = from; k < to; k++) {
      const char = source[k]!;
      if (char === '\0') {
        noteNul(k);
        continue;
      }
      if (char === '\n' || (char === '\r' && source[k + 1] !== '\n')) {
        line++;
        lineStart = k + 1;
      }
      field += char;
    }
  };

  while (i < source.length) {
    const char = source[i]!;
    if (atFieldStart && char === '"') {
      const quoteLine = line;
      i++;
      for (;;) {
        const close = source.indexOf('"', i);
        if (close < 0) {
          const cutOff = source.slice(i).includes('\n') ? '' : ' – die Datei endet mitten im Feld; ist sie abgeschnitten?';
          throw new FileIssuesError([{ line: quoteLine, message: `Anführungszeichen wird nicht geschlossen${cutOff}` }]);
        }
        appendQuoted(i, close);
        if (source[close + 1] === '"') {
          field += '"';
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      const after = source[i];
      if (after !== undefined && after !== delimiter && after !== '\r' && after !== '\n') {
        throw new FileIssuesError([{ line, message: 'nach einem schließenden Anführungszeichen muss ein Trennzeichen oder das Zeilenende folgen' }]);
      }
      atFieldStart = false;
      continue;
    }
    if (char === delimiter) {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i++;
      continue;
    }
    if (char === '\r' || char === '\n') {
      endRecord();
      i += char === '\r' && source[i + 1] === '\n' ? 2 : 1;
      line++;
      lineStart = i;
      recordLine = line;
      continue;
    }
    if (char === '\0') {
      noteNul(i);
      atFieldStart = false;
      i++;
      continue;
    }
    // Unquoted text runs up to the next delimiter, line break or NUL: take it in one slice.
    let end = i + 1;
    while (end < source.length) {
      const next = source[end];
      if (next === delimiter || next === '\r' || next === '\n' || next === '\0') break;
      end++;
    }
    field += source.slice(i, end);
    atFieldStart = false;
    i = end;
  }
  endRecord();
  if (nuls.length > 0) {
    const header = records[0]?.fields ?? [];
    throw new FileIssuesError(
      nuls.map(({ line, position, fieldIndex, inHeader }) => ({
        line,
        column: (!inHeader && header[fieldIndex]?.trim()) || `Feld ${fieldIndex + 1}`,
        position,
        message: 'NUL-Zeichen (Byte 0x00) ist in einer Verzeichnisdatei nicht erlaubt; ist die Datei beschädigt oder falsch exportiert?',
      })),
    );
  }
  return records;
}

/** Header lookup by name: case-insensitive, trimmed, ignoring a stray BOM. */
export class CsvHeader {
  private readonly index = new Map<string, number>();

  readonly names: readonly string[];
  constructor(names: readonly string[]) {
    this.names = names;
    names.forEach((name, position) => {
      const key = CsvHeader.normalise(name);
      if (key && !this.index.has(key)) this.index.set(key, position);
    });
  }

  static normalise(name: string): string {
    return name.replace(/^\uFEFF/, '').trim().toLowerCase();
  }

  position(name: string): number | undefined {
    return this.index.get(CsvHeader.normalise(name));
  }

  /** The first of the given names that the header has, with its position. */
  firstOf(names: readonly string[]): { name: string; position: number } | undefined {
    for (const name of names) {
      const position = this.position(name);
      if (position !== undefined) return { name: CsvHeader.normalise(name), position };
    }
    return undefined;
  }
}

/**
 * Whole number with spaces, non-breaking spaces or dots as thousands separators
 * (" 90 164", "1.234"). Empty → null; anything else unreadable → undefined.
 */
export function parseGroupedInteger(raw: string): number | null | undefined {
  const compact = raw.replace(/[\s\u00a0\u202f.]/g, '');
  if (compact === '') return null;
  if (!/^\d+$/.test(compact)) return undefined;
  const value = Number(compact);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Decimal number with a decimal comma or point ("9,43751", "368123.5"). With a comma,
 * dots and spaces count as thousands separators. Empty → null; unreadable → undefined.
 */
export function parseDecimal(raw: string): number | null | undefined {
  let compact = raw.replace(/[\s\u00a0\u202f]/g, '');
  if (compact === '') return null;
  if (compact.includes(',')) compact = compact.replace(/\./g, '').replace(',', '.');
  if (!/^[-+]?\d+(\.\d+)?$/.test(compact)) return undefined;
  return Number(compact);
}

/** A CSV file with a header line: the header, the data rows, and a collector for problems. */
export interface CsvTable {
  header: CsvHeader;
  headerLine: number;
  rows: CsvRecord[];
  issues: IssueCollector;
}

/**
 * Parses the text and splits off the header line; an empty file is a problem of line 1.
 * The header line repeated further down (two exports pasted into one file) is a problem
 * of its line: read as data it would be a row of unknown kind, or worse be taken for one.
 */
export function openCsvTable(text: string, options: CsvOptions): CsvTable {
  const [headerRecord, ...records] = parseCsv(text, options);
  const issues = new IssueCollector();
  if (!headerRecord) {
    issues.add({ line: 1, message: 'Datei ist leer' });
    issues.throwIfAny();
  }
  const headerNames = headerRecord!.fields.map(CsvHeader.normalise);
  const isHeaderAgain = (record: CsvRecord) =>
    record.fields.length >= headerNames.length &&
    headerNames.every((name, index) => CsvHeader.normalise(record.fields[index] ?? '') === name) &&
    record.fields.slice(headerNames.length).every((value) => value.trim() === '');
  const rows: CsvRecord[] = [];
  for (const record of records) {
    if (isHeaderAgain(record)) issues.add({ line: record.line, message: `Die Kopfzeile (Zeile ${headerRecord!.line}) steht hier noch einmal; bitte nur eine Kopfzeile am Anfang der Datei` });
    else rows.push(record);
  }
  checkFieldCounts(headerRecord!, rows, issues);
  return { header: new CsvHeader(headerRecord!.fields), headerLine: headerRecord!.line, rows, issues };
}

/**
 * Every row has the header's number of fields. A shorter row would shift nothing but
 * silently empty its last columns – the mark of a file cut off inside a line – and a
 * row with extra values has a delimiter where none belongs; both are refused. Extra
 * empty fields (a trailing delimiter) are harmless.
 */
function checkFieldCounts(header: CsvRecord, rows: CsvRecord[], issues: IssueCollector): void {
  const expected = header.fields.length;
  rows.forEach((row, index) => {
    const count = row.fields.length;
    if (count < expected) {
      const last = index === rows.length - 1;
      issues.add({
        line: row.line,
        message: `Zeile hat ${count} statt ${expected} Felder${last ? ' – die Datei endet mitten in der Zeile; ist sie abgeschnitten?' : ''}`,
      });
    } else if (count > expected && row.fields.slice(expected).some((value) => value.trim() !== '')) {
      issues.add({ line: row.line, message: `Zeile hat ${count} statt ${expected} Felder; steht ein Trennzeichen in einem Wert ohne Anführungszeichen?` });
    }
  });
}
