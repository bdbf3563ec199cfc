import { Worker } from 'node:worker_threads';
import type { AuthorityKind } from '../db/schema.ts';
import { FileIssuesError, type FileIssue } from './file.issues.ts';
import { decodeDirectoryText, type DirectoryEncoding } from './text.decode.ts';
import { parseDestatis } from './destatis.format.ts';
import { parseKvdaten, type DirectoryEntry, type DirectoryFormat, type ParsedDirectory } from './kvdaten.format.ts';

/**
 * Reading a directory file: bytes → text (encoding recognised) → format recognised by
 * the header → entries. Nothing here touches the database or knows HTTP, so the same
 * code runs in the calling thread or in a worker thread.
 *
 * A large file is read in a worker thread: decoding and parsing 50 MB take seconds of
 * CPU, and in the service's own thread they would hold up every other request
 * (`/health` did not answer for 7–9 s). The entries come back in chunks, one per turn of
 * the event loop, because deserialising hundreds of thousands of objects at once would
 * block it again. Small files – the Brandenburg fixture that every start and test loads
 * is 100 KB, read in ~20 ms – are read in place: a worker costs more than it saves there.
 */

export interface DirectoryReading {
  format: DirectoryFormat;
  encoding: DirectoryEncoding;
  entries: DirectoryEntry[];
  /** Entries per kind, and the Länder they belong to (worked out where the file is read). */
  counts: Partial<Record<AuthorityKind, number>>;
  lands: string[];
  provides: ParsedDirectory['provides'];
  /** Rows left out because they are no municipal administration, counted per `organisationsart`. */
  skipped: Record<string, number>;
}

/** Files up to this size are read in the calling thread. */
export const INLINE_READ_MAX_BYTES = 256 * 1024;
const ENTRIES_PER_MESSAGE = 2000;

/** Recognises the format by its header line. */
export function detectDirectoryFormat(text: string): DirectoryFormat {
  const firstLine = (text.split(/\r?\n/, 1)[0] ?? '').replace(/^\uFEFF/, '').replace(/"/g, '').trim().toLowerCase();
  if (/^satzart\s*,/.test(firstLine)) return 'destatis';
  if (firstLine.split(';').some((name) => name.trim() === 'regionalschluessel')) return 'kvdaten';
  throw new FileIssuesError([
    {
      line: 1,
      column: 'regionalschluessel',
      message: 'Pflichtspalte fehlt; erwartet wird kvdaten.csv (Spalte regionalschluessel, „;“-getrennt) oder Destatis AuszugGV (Spalte satzart)',
    },
  ]);
}

/** Decodes, recognises and validates a directory file in the calling thread. Throws FileIssuesError. */
export function readDirectoryText(content: Uint8Array, land?: string): DirectoryReading {
  const { text, encoding } = decodeDirectoryText(content);
  const parsed = detectDirectoryFormat(text) === 'destatis' ? parseDestatis(text) : parseKvdaten(text);
  const inLand = <T extends { land: string }>(rows: T[]) => (land === undefined ? rows : rows.filter((row) => row.land === land));
  const entries = inLand(parsed.entries);
  const skipped = new Map<string, number>();
  for (const row of inLand(parsed.skipped)) skipped.set(row.organisationsart, (skipped.get(row.organisationsart) ?? 0) + 1);
  if (entries.length === 0) {
    const others = skipped.size > 0 ? ` (nur ${[...skipped.values()].reduce((a, b) => a + b, 0)} andere Stellen wie ${[...skipped.keys()][0]})` : '';
    throw new FileIssuesError([{ message: `${land === undefined ? 'Datei enthält keine Behörden' : `Datei enthält keine Behörden des Landes ${land}`}${others}` }]);
  }
  const counts = new Map<AuthorityKind, number>();
  for (const entry of entries) counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1);
  return {
    format: parsed.format,
    encoding,
    entries,
    counts: Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))),
    lands: [...new Set(entries.map((entry) => entry.land))].sort(),
    provides: parsed.provides,
    skipped: Object.fromEntries([...skipped].sort(([a], [b]) => a.localeCompare(b, 'de'))),
  };
}

/** Reads a directory file without holding up the event loop (see the module comment). Throws FileIssuesError. */
export async function readDirectoryFile(content: Uint8Array, land?: string): Promise<DirectoryReading> {
  if (content.byteLength <= INLINE_READ_MAX_BYTES) return readDirectoryText(content, land);
  return readInWorker(content, land);
}

/** Messages of the worker (directory.read.worker.ts). */
export type WorkerMessage =
  | { type: 'entries'; entries: DirectoryEntry[] }
  | { type: 'done'; reading: Omit<DirectoryReading, 'entries'> }
  | { type: 'issues'; issues: FileIssue[] }
  | { type: 'failed'; message: string; stack?: string };

/** The worker waits for this after each chunk of entries. */
export const NEXT_CHUNK = 'next';
export { ENTRIES_PER_MESSAGE };

function readInWorker(content: Uint8Array, land: string | undefined): Promise<DirectoryReading> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./directory.read.worker.ts', import.meta.url), { workerData: { content, land } });
    const entries: DirectoryEntry[] = [];
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'entries':
          for (const entry of message.entries) entries.push(entry);
          // Let other callbacks run before the next chunk is deserialised.
          setImmediate(() => worker.postMessage(NEXT_CHUNK));
          break;
        case 'done':
          settle(() => resolve({ ...message.reading, entries }));
          break;
        case 'issues':
          settle(() => reject(new FileIssuesError(message.issues)));
          break;
        case 'failed':
          settle(() => reject(Object.assign(new Error(`Verzeichnisdatei konnte nicht gelesen werden: ${message.message}`), { stack: message.stack })));
          break;
      }
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) => settle(() => reject(new Error(`Lese-Thread für die Verzeichnisdatei endete vorzeitig (Code ${code})`))));
  });
}
