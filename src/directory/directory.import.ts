import { sql, type Kysely } from 'kysely';
import { toJson, type AuthorityKind, type Database, type NewAuthority } from '../db/schema.ts';
import { ValidationProblem } from '../http/problem.ts';
import { FileIssuesError, decodeUtf8, describeIssues, type FileIssue } from './csv.parse.ts';
import { parseDestatis } from './destatis.format.ts';
import { parseKvdaten, type DirectoryFormat, type ParsedDirectory } from './kvdaten.format.ts';

/**
 * Imports a Kommunalverzeichnis (kvdaten.csv) or a Destatis AuszugGV into `authority`.
 * The whole file is validated before the database is touched; the write is one
 * transaction, so a failed import changes nothing. Authorities missing from a newer file
 * are deactivated, never deleted: rollouts and history keep pointing at them.
 */

export interface ImportDirectoryInput {
  content: Buffer;
  sourceName: string;
  /** Only import this Land (2-digit key, e.g. '12' for Brandenburg). */
  land?: string;
}

export interface ImportSummary {
  importId: number;
  format: DirectoryFormat;
  counts: Partial<Record<AuthorityKind, number>>;
  total: number;
  deactivated: number;
}

/** The uploaded file is unusable; `errors` name line and column of each problem. */
export class DirectoryFileError extends ValidationProblem {
  readonly issues: FileIssue[];
  constructor(issues: FileIssue[]) {
    super(
      describeIssues(issues),
      issues.map((issue) => ({
        field: [issue.line === undefined ? null : `line ${issue.line}`, issue.column ?? null].filter(Boolean).join(' / ') || 'file',
        message: issue.message,
      })),
    );
    this.issues = issues;
    this.name = 'DirectoryFileError';
  }
}

const UPSERT_BATCH_SIZE = 500;

/** Recognises the format by its header line. */
export function detectDirectoryFormat(text: string): DirectoryFormat {
  const firstLine = (text.split(/\r?\n/, 1)[0] ?? '').replace(/^\uFEFF/, '').replace(/"/g, '').trim().toLowerCase();
  if (/^satzart\s*,/.test(firstLine)) return 'destatis';
  if (firstLine.split(';').some((name) => name.trim() === 'regionalschluessel')) return 'kvdaten';
  throw new DirectoryFileError([
    {
      line: 1,
      column: 'regionalschluessel',
      message: 'Pflichtspalte fehlt; erwartet wird kvdaten.csv (Spalte regionalschluessel, „;“-getrennt) oder Destatis AuszugGV (Spalte satzart)',
    },
  ]);
}

/** Decodes, recognises and validates a directory file without touching the database. */
export function readDirectoryFile(content: Buffer, land?: string): ParsedDirectory {
  if (land !== undefined && !/^\d{2}$/.test(land)) {
    throw new ValidationProblem(`Land „${land}“ ist kein 2-stelliger Schlüssel`, [{ field: 'land', message: '2 Ziffern erwartet, z. B. 12' }]);
  }
  let parsed: ParsedDirectory;
  try {
    const text = decodeUtf8(content);
    parsed = detectDirectoryFormat(text) === 'destatis' ? parseDestatis(text) : parseKvdaten(text);
  } catch (error) {
    if (error instanceof FileIssuesError) throw new DirectoryFileError(error.issues);
    throw error;
  }
  const entries = land === undefined ? parsed.entries : parsed.entries.filter((entry) => entry.land === land);
  if (entries.length === 0) {
    throw new DirectoryFileError([{ message: land === undefined ? 'Datei enthält keine Behörden' : `Datei enthält keine Behörden des Landes ${land}` }]);
  }
  return { ...parsed, entries };
}

export async function importDirectory(db: Kysely<Database>, input: ImportDirectoryInput): Promise<ImportSummary> {
  const parsed = readDirectoryFile(input.content, input.land);
  const counts = countKinds(parsed);
  const lands = [...new Set(parsed.entries.map((entry) => entry.land))].sort();

  return db.transaction().execute(async (trx) => {
    const { id: importId } = await trx
      .insertInto('directory_import')
      .values({
        format: parsed.format,
        source_name: input.sourceName,
        counts: toJson<Record<string, number>>(counts),
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    for (let start = 0; start < parsed.entries.length; start += UPSERT_BATCH_SIZE) {
      const rows = parsed.entries.slice(start, start + UPSERT_BATCH_SIZE).map((entry) => toRow(entry, importId));
      await upsertAuthorities(trx, rows, parsed.provides);
    }

    // Every authority of the covered Länder that this import did not touch has left the file.
    const deactivation = await trx
      .updateTable('authority')
      .set({ active: false, updated_at: sql`now()` })
      .where('land', 'in', lands)
      .where('active', '=', true)
      .where((eb) => eb.or([eb('last_import_id', 'is', null), eb('last_import_id', '!=', importId)]))
      .executeTakeFirst();
    const deactivated = Number(deactivation.numUpdatedRows);

    await trx.updateTable('directory_import').set({ deactivated }).where('id', '=', importId).execute();
    return { importId, format: parsed.format, counts, total: parsed.entries.length, deactivated };
  });
}

function countKinds(parsed: ParsedDirectory): Partial<Record<AuthorityKind, number>> {
  const counts = new Map<AuthorityKind, number>();
  for (const entry of parsed.entries) counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

function toRow(entry: ParsedDirectory['entries'][number], importId: number): NewAuthority {
  return {
    ars: entry.ars,
    ags: entry.ags,
    name: entry.name,
    kind: entry.kind,
    parent_ars: entry.parentArs,
    kreis_ars: entry.kreisArs,
    land: entry.land,
    population: entry.population,
    latitude: entry.latitude,
    longitude: entry.longitude,
    email: entry.email,
    active: true,
    last_import_id: importId,
  };
}

type DataColumn = 'ags' | 'name' | 'kind' | 'parent_ars' | 'kreis_ars' | 'land' | 'population' | 'latitude' | 'longitude' | 'email';

async function upsertAuthorities(trx: Kysely<Database>, rows: NewAuthority[], provides: ParsedDirectory['provides']): Promise<void> {
  // Optional data a format does not carry (Destatis has no e-mail) is kept from earlier imports.
  const columns: DataColumn[] = ['ags', 'name', 'kind', 'parent_ars', 'kreis_ars', 'land'];
  if (provides.population) columns.push('population');
  if (provides.coordinates) columns.push('latitude', 'longitude');
  if (provides.email) columns.push('email');

  const current = sql.join([...columns.map((column) => sql.ref(`authority.${column}`)), sql.ref('authority.active')]);
  const incoming = sql.join([...columns.map((column) => sql.ref(`excluded.${column}`)), sql.lit(true)]);
  await trx
    .insertInto('authority')
    .values(rows)
    .onConflict((oc) =>
      oc.column('ars').doUpdateSet((eb) => ({
        ...Object.fromEntries(columns.map((column) => [column, eb.ref(`excluded.${column}`)])),
        active: true,
        last_import_id: eb.ref('excluded.last_import_id'),
        // Only a real change moves updated_at, so re-importing the same file changes nothing.
        updated_at: sql<Date>`case when (${current}) is distinct from (${incoming}) then now() else authority.updated_at end`,
      })),
    )
    .execute();
}

/** One JSON line for the CLI. */
export function formatImportSummaryLine(summary: ImportSummary): string {
  return JSON.stringify({ format: summary.format, total: summary.total, counts: summary.counts, deactivated: summary.deactivated });
}
