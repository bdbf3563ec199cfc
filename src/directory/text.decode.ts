import iconv from 'iconv-lite';
import { FileIssuesError } from './file.issues.ts';

/**
 * Turns the bytes of an uploaded directory file into text. The formats are UTF-8 (with
 * BOM), but German offices save CSV from Excel, whose default is Windows-1252: such a
 * file is recognised – not valid UTF-8, but valid Windows-1252 – and converted. A UTF-8
 * file that is damaged, cut off inside a character, UTF-16 without BOM, an Excel
 * workbook or any other binary keeps a clear error, never a guess.
 */

export type DirectoryEncoding = 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be';

export interface DecodedText {
  text: string;
  encoding: DirectoryEncoding;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
/** Bytes Windows-1252 leaves undefined. */
const UNDEFINED_IN_1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);
/** Share of NUL bytes at the start above which a file is UTF-16 without BOM or binary, not text with a stray NUL. */
const NUL_SHARE_OF_NON_TEXT = 0.1;
const SAMPLE_BYTES = 64 * 1024;

const SIGNATURES: readonly { bytes: readonly number[]; message: string }[] = [
  {
    bytes: [0x50, 0x4b, 0x03, 0x04],
    message: 'Datei ist eine Excel-Arbeitsmappe (.xlsx) oder ein ZIP-Archiv, keine CSV-Datei; bitte in Excel als „CSV UTF-8 (durch Trennzeichen getrennt)“ speichern',
  },
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    message: 'Datei ist eine Excel-Arbeitsmappe im alten .xls-Format, keine CSV-Datei; bitte in Excel als „CSV UTF-8 (durch Trennzeichen getrennt)“ speichern',
  },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], message: 'Datei ist ein PDF-Dokument, keine CSV-Datei' },
];

const startsWith = (content: Uint8Array, bytes: readonly number[]) => bytes.every((byte, i) => content[i] === byte);

/** Decodes strict UTF-8 and drops a leading BOM; names the line of the first bad byte. */
export function decodeUtf8(content: Uint8Array): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(content);
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch {
    throw utf8Error(content, firstInvalidUtf8Offset(content));
  }
}

/** Recognises the encoding of a directory file and decodes it; see the module comment. */
export function decodeDirectoryText(content: Uint8Array): DecodedText {
  for (const signature of SIGNATURES) {
    if (startsWith(content, signature.bytes)) throw new FileIssuesError([{ message: signature.message }]);
  }
  if (startsWith(content, [0xff, 0xfe]) || startsWith(content, [0xfe, 0xff])) return decodeUtf16(content);
  if (startsWith(content, UTF8_BOM)) return { text: decodeUtf8(content), encoding: 'utf-8' };

  const sample = content.subarray(0, SAMPLE_BYTES);
  let nuls = 0;
  for (const byte of sample) if (byte === 0) nuls++;
  if (sample.length > 0 && nuls / sample.length >= NUL_SHARE_OF_NON_TEXT) {
    throw new FileIssuesError([
      {
        line: 1,
        message: `Datei ist keine Textdatei in UTF-8 oder Windows-1252: ${Math.round((100 * nuls) / sample.length)} % NUL-Bytes (vermutlich UTF-16 ohne BOM oder eine Binärdatei); bitte als „CSV UTF-8“ speichern`,
      },
    ]);
  }

  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(content), encoding: 'utf-8' };
  } catch {
    // not UTF-8: look closer below
  }
  const scan = scanUtf8(content);
  // Damaged UTF-8 (cut off inside a character, one bad byte among many good umlauts) is
  // not re-read as Windows-1252: that would turn every "ä" of the file into "Ã¤".
  if (scan.firstInvalid !== null && (scan.truncatedAtEnd || scan.validMultibyte > scan.invalid)) {
    throw utf8Error(content, scan.firstInvalid);
  }

  for (let i = 0; i < content.length; i++) {
    const byte = content[i]!;
    const control = byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x00;
    if (control || byte === 0x7f || UNDEFINED_IN_1252.has(byte)) {
      throw new FileIssuesError([
        {
          line: countLines(content, i),
          message: `Kodierung nicht erkannt: weder UTF-8 noch Windows-1252 (Byte 0x${hex(byte)}); bitte als „CSV UTF-8“ speichern`,
        },
      ]);
    }
  }
  return { text: iconv.decode(Buffer.from(content.buffer, content.byteOffset, content.byteLength), 'windows-1252'), encoding: 'windows-1252' };
}

function decodeUtf16(content: Uint8Array): DecodedText {
  const encoding = content[0] === 0xff ? 'utf-16le' : 'utf-16be';
  try {
    const text = new TextDecoder(encoding, { fatal: true }).decode(content);
    return { text: text.startsWith('\uFEFF') ? text.slice(1) : text, encoding };
  } catch {
    throw new FileIssuesError([{ message: `Datei beginnt als ${encoding.toUpperCase()}, enthält aber ungültige Zeichen (abgeschnitten?); bitte als „CSV UTF-8“ speichern` }]);
  }
}

function utf8Error(content: Uint8Array, offset: number): FileIssuesError {
  const line = countLines(content, offset);
  const byte = content[offset];
  if (isIncompleteAtEnd(content, offset)) {
    return new FileIssuesError([{ line, message: 'Datei endet mitten in einem UTF-8-Zeichen – ist sie abgeschnitten? Bitte die vollständige Datei hochladen' }]);
  }
  const shown = byte === undefined ? '' : ` (Byte 0x${hex(byte)})`;
  return new FileIssuesError([
    {
      line,
      message: `Datei ist nicht durchgehend UTF-8-kodiert${shown}; bitte als UTF-8 speichern (Teile in ISO-8859-1/Windows-1252?)`,
    },
  ]);
}

const hex = (byte: number) => byte.toString(16).toUpperCase().padStart(2, '0');

function countLines(content: Uint8Array, end: number): number {
  let line = 1;
  for (let i = 0; i < end; i++) if (content[i] === 0x0a) line++;
  return line;
}

/** Length of the UTF-8 sequence a lead byte starts, 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Whether the invalid sequence at `offset` is a correct beginning that the end of the file cuts off. */
function isIncompleteAtEnd(content: Uint8Array, offset: number): boolean {
  const length = sequenceLength(content[offset] ?? 0);
  if (length < 2 || offset + length <= content.length) return false;
  for (let k = offset + 1; k < content.length; k++) if ((content[k]! & 0xc0) !== 0x80) return false;
  return true;
}

/** Length of the valid sequence at `i`, or 0 when it is invalid. */
function validSequenceAt(content: Uint8Array, i: number): number {
  const b = content[i]!;
  const length = sequenceLength(b);
  if (length <= 1) return length;
  if (i + length > content.length) return 0;
  let codePoint = b & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const next = content[i + k]!;
    if ((next & 0xc0) !== 0x80) return 0;
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  const min = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000;
  if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return 0;
  return length;
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence (length when none). */
function firstInvalidUtf8Offset(content: Uint8Array): number {
  return scanUtf8(content).firstInvalid ?? content.length;
}

interface Utf8Scan {
  firstInvalid: number | null;
  /** Invalid bytes (each one that cannot start or continue a valid sequence). */
  invalid: number;
  /** Valid sequences of two or more bytes: the umlauts of a UTF-8 file. */
  validMultibyte: number;
  /** The only problem is a sequence the end of the file cuts off. */
  truncatedAtEnd: boolean;
}

function scanUtf8(content: Uint8Array): Utf8Scan {
  let firstInvalid: number | null = null;
  let invalid = 0;
  let validMultibyte = 0;
  let i = 0;
  while (i < content.length) {
    if (content[i]! < 0x80) {
      i++;
      continue;
    }
    const length = validSequenceAt(content, i);
    if (length > 1) {
      validMultibyte++;
      i += length;
      continue;
    }
    firstInvalid ??= i;
    invalid++;
    i++;
  }
  // A lone non-ASCII byte at the very end of a file without umlauts is more likely Windows-1252.
  const truncatedAtEnd = firstInvalid !== null && validMultibyte > 0 && isIncompleteAtEnd(content, firstInvalid);
  return { firstInvalid, invalid, validMultibyte, truncatedAtEnd };
}
