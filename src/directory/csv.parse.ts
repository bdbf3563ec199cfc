/**
 * A small RFC 4180 CSV reader for the directory files. It keeps the physical line on
 * which every record starts, so that errors can point the user at "Zeile 17".
 */

/** One problem in an uploaded file, located as precisely as the reader knows it. */
export interface FileIssue {
  /** 1-based physical line; absent when the whole file is concerned. */
  line?: number;
  /** Header name of the column concerned. */
  column?: string;
  message: string;
}

/**
 * The file cannot be read as a directory. Format readers throw this; the importer turns
 * it into a 422 problem. Kept free of HTTP types so that scripts can use the readers too.
 */
export class FileIssuesError extends Error {
  constructor(readonly issues: FileIssue[]) {
    super(describeIssues(issues));
    this.name = 'FileIssuesError';
  }
}

export function describeIssue(issue: FileIssue): string {
  const where = [issue.line === undefined ? null : `Zeile ${issue.line}`, issue.column ? `Spalte ${issue.column}` : null]
    .filter((part) => part !== null)
    .join(', ');
  return where ? `${where}: ${issue.message}` : issue.message;
}

/** The first issue in words, plus how many more there are. */
export function describeIssues(issues: FileIssue[]): string {
  const [first] = issues;
  if (!first) return 'Datei ungültig';
  const more = issues.length - 1;
  return more > 0 ? `${describeIssue(first)} (und ${more} weitere Fehler)` : describeIssue(first);
}

export interface CsvRecord {
  /** 1-based physical line on which the record starts (a quoted field may span lines). */
  line: number;
  fields: string[];
}

export interface CsvOptions {
  delimiter: string;
}

const BOM = '\uFEFF';

/** Decodes strict UTF-8 and drops a leading BOM; names the line of the first bad byte. */
export function decodeUtf8(content: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    const offset = firstInvalidUtf8Offset(content);
    const line = countLines(content, offset);
    const byte = content[offset];
    const hex = byte === undefined ? '' : ` (Byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')})`;
    throw new FileIssuesError([
      {
        line,
        message: `Datei ist nicht UTF-8-kodiert${hex}; bitte als UTF-8 speichern (vermutlich ISO-8859-1/Windows-1252)`,
      },
    ]);
  }
  return text.startsWith(BOM) ? text.slice(1) : text;
}

function countLines(content: Uint8Array, end: number): number {
  let line = 1;
  for (let i = 0; i < end; i++) if (content[i] === 0x0a) line++;
  return line;
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence (length when none). */
function firstInvalidUtf8Offset(content: Uint8Array): number {
  let i = 0;
  while (i < content.length) {
    const b = content[i]!;
    let length: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + length > content.length) return i;
    let codePoint = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = content[i + k]!;
      if ((next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += length;
  }
  return content.length;
}

/**
 * Splits CSV text into records. Quoted fields may contain delimiters, line breaks and
 * doubled quotes; a quote inside an unquoted field is kept literally. Empty lines are
 * skipped. Throws FileIssuesError for an unterminated quote or text after a closing quote.
 */
export function parseCsv(text: string, options: CsvOptions): CsvRecord[] {
  const { delimiter } = options;
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
    throw new Error(`unusable CSV delimiter ${JSON.stringify(delimiter)}`);
  }
  const source = text.startsWith(BOM) ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
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

  while (i < source.length) {
    const char = source[i]!;
    if (atFieldStart && char === '"') {
      const quoteLine = line;
      i++;
      for (;;) {
        if (i >= source.length) {
          throw new FileIssuesError([{ line: quoteLine, message: 'Anführungszeichen wird nicht geschlossen' }]);
        }
        const inner = source[i]!;
        if (inner === '"') {
          if (source[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (inner === '\n' || (inner === '\r' && source[i + 1] !== '\n')) line++;
        field += inner;
        i++;
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
      recordLine = line;
      continue;
    }
    // Unquoted text runs up to the next delimiter or line break: take it in one slice.
    let end = i + 1;
    while (end < source.length) {
      const next = source[end];
      if (next === delimiter || next === '\r' || next === '\n') break;
      end++;
    }
    field += source.slice(i, end);
    atFieldStart = false;
    i = end;
  }
  endRecord();
  return records;
}

/** Header lookup by name: case-insensitive, trimmed, ignoring a stray BOM. */
export class CsvHeader {
  private readonly index = new Map<string, number>();

  constructor(readonly names: readonly string[]) {
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

/** Collects issues up to a limit, so that one upload reports many problems at once. */
export class IssueCollector {
  readonly issues: FileIssue[] = [];

  constructor(private readonly limit = 50) {}

  add(issue: FileIssue): void {
    if (this.issues.length < this.limit) this.issues.push(issue);
  }

  get full(): boolean {
    return this.issues.length >= this.limit;
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new FileIssuesError(this.issues);
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

/** Parses the text and splits off the header line; an empty file is a problem of line 1. */
export function openCsvTable(text: string, options: CsvOptions): CsvTable {
  const [headerRecord, ...rows] = parseCsv(text, options);
  const issues = new IssueCollector();
  if (!headerRecord) {
    issues.add({ line: 1, message: 'Datei ist leer' });
    issues.throwIfAny();
  }
  return { header: new CsvHeader(headerRecord!.fields), headerLine: headerRecord!.line, rows, issues };
}
