import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { toJson, type Authority, type AuthorityKind, type Database, type NewAuthority } from '../db/schema.ts';
import { ConflictError, InvalidInputError, type FieldError } from '../errors/domain.errors.ts';
import { describeIssues, FileIssuesError, type FileIssue } from './file.issues.ts';
import { readDirectoryFile, type DirectoryReading } from './directory.read.ts';
import type { DirectoryEncoding } from './text.decode.ts';
import type { DirectoryEntry, DirectoryFormat, ParsedDirectory } from './kvdaten.format.ts';

export { detectDirectoryFormat } from './directory.read.ts';

/**
 * Imports a Kommunalverzeichnis (kvdaten.csv) or a Destatis AuszugGV into `authority`.
 * The whole file is read and validated before the database is touched; the write is one
 * transaction, so a failed or refused import changes nothing. Authorities missing from
 * a newer file are deactivated, never deleted: rollouts and history keep pointing at them.
 *
 * A file cut off at a line boundary is a valid file with fewer rows: without a guard
 * its import would deactivate hundreds of authorities. So an import that would deactivate
 * more than a few authorities of a Land is refused unless the caller says so explicitly,
 * and every answer lists what would change – a dry run lists it without writing.
 */

/** Deactivating more than this many authorities of one Land needs explicit permission … */
export const DEACTIVATION_LIMIT_PER_LAND = 10;
/** … and so does deactivating more than this share of a Land's active authorities (small Länder). */
export const DEACTIVATION_SHARE_PER_LAND = 0.05;
/** How many of the deactivated authorities an answer names. */
export const DEACTIVATIONS_LISTED = 25;

export interface ImportDirectoryInput {
  content: Uint8Array;
  sourceName: string;
  /** Only import this Land (2-digit key, e.g. '12' for Brandenburg). */
  land?: string;
  /** Apply even when more authorities would be deactivated than the guard lets through. */
  allowDeactivation?: boolean;
  /** Read the file and work out the changes, but write nothing. */
  dryRun?: boolean;
  /** Told when a file is converted from Windows-1252 and when rows are left out. */
  logger?: ImportLogger;
}

/** The part of a pino logger (or a request's `log`) the import uses. */
export interface ImportLogger {
  info(data: Record<string, unknown>, message: string): void;
  warn(data: Record<string, unknown>, message: string): void;
}

export interface DirectoryChanges {
  /** In the file, not in the database. */
  new: number;
  /** Active, with other data in the file. */
  changed: number;
  unchanged: number;
  /** Active in the database, missing from the file (of the Länder the file covers). */
  deactivated: number;
  /** Inactive in the database, back in the file. */
  reactivated: number;
}

export interface DeactivatedAuthority {
  ars: string;
  name: string;
  kind: AuthorityKind;
}

export interface ImportSummary {
  /** Id of the recorded import; null for a dry run. */
  importId: number | null;
  dryRun: boolean;
  format: DirectoryFormat;
  /** Encoding of the file; `windows-1252` was converted. */
  encoding: DirectoryEncoding;
  /** Imported authorities per kind. */
  counts: Partial<Record<AuthorityKind, number>>;
  total: number;
  /** Rows that are no municipal administration (Hochschule, Kammer, …), left out. */
  skipped: { total: number; byOrganisationsart: Record<string, number> };
  changes: DirectoryChanges;
  deactivated: number;
  /** The first DEACTIVATIONS_LISTED deactivated authorities, by Land and ARS. */
  deactivations: DeactivatedAuthority[];
  /** Why applying this file needs `erlaubeDeaktivierung` / `--allow-deactivate`; null when it does not. */
  deactivationRefusal: string | null;
}

/** The uploaded file is unusable; `errors` name line and column of each problem. */
export class DirectoryFileError extends InvalidInputError {
  readonly issues: FileIssue[];

  constructor(issues: FileIssue[]) {
    super(describeIssues(issues), issues.map(toFieldError));
    this.issues = issues;
    this.name = 'DirectoryFileError';
  }
}

/** A file issue as a field error; line, column and position also as members of their own. */
function toFieldError(issue: FileIssue): FieldError & Omit<FileIssue, 'message'> {
  const field = [issue.line === undefined ? null : `line ${issue.line}`, issue.column ?? null].filter(Boolean).join(' / ') || 'file';
  return { field, message: issue.message, line: issue.line, column: issue.column, position: issue.position };
}

/** The import would deactivate too many authorities and was not allowed to. Nothing was written. */
export class DeactivationRefusedError extends ConflictError {
  readonly summary: ImportSummary;

  constructor(summary: ImportSummary) {
    super(summary.deactivationRefusal ?? 'Import abgelehnt', { import: summary });
    this.summary = summary;
    this.name = 'DeactivationRefusedError';
  }
}

const UPSERT_BATCH_SIZE = 250;
/** Entries compared per turn of the event loop while working out the changes. */
const COMPARED_PER_TURN = 20_000;

/** Decodes, recognises and validates a directory file without touching the database. */
export async function readDirectory(content: Uint8Array, land?: string): Promise<DirectoryReading> {
  if (land !== undefined && !/^\d{2}$/.test(land)) {
    throw new InvalidInputError(`Land „${land}“ ist kein 2-stelliger Schlüssel`, [{ field: 'land', message: '2 Ziffern erwartet, z. B. 12' }]);
  }
  try {
    return await readDirectoryFile(content, land);
  } catch (error) {
    if (error instanceof FileIssuesError) throw new DirectoryFileError(error.issues);
    throw error;
  }
}

export async function importDirectory(db: Kysely<Database>, input: ImportDirectoryInput): Promise<ImportSummary> {
  const reading = await readDirectory(input.content, input.land);
  const skippedTotal = Object.values(reading.skipped).reduce((sum, n) => sum + n, 0);
  if (reading.encoding === 'windows-1252') {
    input.logger?.info({ sourceName: input.sourceName, encoding: reading.encoding }, 'Verzeichnisdatei ist Windows-1252-kodiert (Excel) und wurde nach UTF-8 umgewandelt');
  }
  if (skippedTotal > 0) {
    input.logger?.info({ sourceName: input.sourceName, skipped: reading.skipped }, `${skippedTotal} Zeilen ohne Kommunalverwaltung (Hochschulen, Kammern, …) nicht importiert`);
  }
  const lands = reading.lands;
  const base = {
    format: reading.format,
    encoding: reading.encoding,
    counts: reading.counts,
    total: reading.entries.length,
    skipped: { total: skippedTotal, byOrganisationsart: reading.skipped },
  };

  if (input.dryRun) {
    const plan = await planChanges(db, reading, lands);
    return { importId: null, dryRun: true, ...base, ...describePlan(plan) };
  }

  return db.transaction().execute(async (trx) => {
    // Two imports at once would each decide on a state the other changes; readers and
    // foreign-key checks of other work are not held up by this mode.
    await sql`lock table authority in share row exclusive mode`.execute(trx);
    const plan = await planChanges(trx, reading, lands);
    const outcome = describePlan(plan);
    if (outcome.deactivationRefusal && !input.allowDeactivation) {
      throw new DeactivationRefusedError({ importId: null, dryRun: false, ...base, ...outcome });
    }
    if (outcome.deactivationRefusal) {
      input.logger?.warn({ sourceName: input.sourceName, deactivated: outcome.deactivated }, 'Deaktivierung vieler Behörden ausdrücklich erlaubt');
    }

    const { id: importId } = await trx
      .insertInto('directory_import')
      .values({
        format: reading.format,
        source_name: input.sourceName,
        counts: toJson<Record<string, number>>(base.counts),
        details: toJson<Record<string, unknown>>({
          encoding: reading.encoding,
          skipped: base.skipped,
          changes: outcome.changes,
          deactivationAllowed: input.allowDeactivation === true,
        }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    for (let start = 0; start < reading.entries.length; start += UPSERT_BATCH_SIZE) {
      const rows = reading.entries.slice(start, start + UPSERT_BATCH_SIZE).map((entry) => toRow(entry, importId));
      await upsertAuthorities(trx, rows, reading.provides);
      // PGlite runs in this thread and answers without a turn of the event loop: give
      // timers and other requests one between batches (a no-op cost on PostgreSQL).
      await nextTurn();
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
    // The table is locked: what was planned is what happened.
    if (deactivated !== outcome.deactivated) throw new Error(`deactivated ${deactivated} authorities, planned ${outcome.deactivated}`);

    await trx.updateTable('directory_import').set({ deactivated }).where('id', '=', importId).execute();
    return { importId, dryRun: false, ...base, ...outcome };
  });
}

type DataColumn = 'ags' | 'name' | 'kind' | 'parent_ars' | 'kreis_ars' | 'land' | 'population' | 'latitude' | 'longitude' | 'email';

/** The columns an import writes: optional data a format does not carry (Destatis has no e-mail) is kept. */
function dataColumns(provides: ParsedDirectory['provides']): DataColumn[] {
  const columns: DataColumn[] = ['ags', 'name', 'kind', 'parent_ars', 'kreis_ars', 'land'];
  if (provides.population) columns.push('population');
  if (provides.coordinates) columns.push('latitude', 'longitude');
  if (provides.email) columns.push('email');
  return columns;
}

interface Plan {
  changes: DirectoryChanges;
  /** Per covered Land: active authorities now and how many the import would deactivate. */
  perLand: Map<string, { active: number; deactivated: number }>;
  deactivations: DeactivatedAuthority[];
}

/** Compares the file with the authorities of the Länder it covers. Reads only. */
async function planChanges(db: Kysely<Database>, reading: DirectoryReading, lands: string[]): Promise<Plan> {
  const columns = dataColumns(reading.provides);
  const current = await db
    .selectFrom('authority')
    .select(['ars', 'active', 'land', 'name', 'kind', 'ags', 'parent_ars', 'kreis_ars', 'population', 'latitude', 'longitude', 'email'])
    .where('land', 'in', lands)
    .execute();
  const byArs = new Map(current.map((row) => [row.ars, row]));
  const changes: DirectoryChanges = { new: 0, changed: 0, unchanged: 0, deactivated: 0, reactivated: 0 };
  const perLand = new Map(lands.map((land) => [land, { active: 0, deactivated: 0 }]));
  for (const row of current) if (row.active) perLand.get(row.land)!.active++;

  const inFile = new Set<string>();
  let compared = 0;
  for (const entry of reading.entries) {
    if (++compared % COMPARED_PER_TURN === 0) await nextTurn();
    inFile.add(entry.ars);
    const existing = byArs.get(entry.ars);
    if (!existing) changes.new++;
    else if (!existing.active) changes.reactivated++;
    else if (differs(existing, toRow(entry, 0), columns)) changes.changed++;
    else changes.unchanged++;
  }
  const gone = current
    .filter((row) => row.active && !inFile.has(row.ars))
    .sort((a, b) => a.land.localeCompare(b.land) || a.ars.localeCompare(b.ars));
  for (const row of gone) perLand.get(row.land)!.deactivated++;
  changes.deactivated = gone.length;
  return {
    changes,
    perLand,
    deactivations: gone.slice(0, DEACTIVATIONS_LISTED).map((row) => ({ ars: row.ars, name: row.name, kind: row.kind })),
  };
}

type CurrentRow = Pick<Authority, 'active' | DataColumn>;

function differs(existing: CurrentRow, incoming: NewAuthority, columns: DataColumn[]): boolean {
  return columns.some((column) => (existing[column] ?? null) !== (incoming[column] ?? null));
}

function describePlan(plan: Plan): Pick<ImportSummary, 'changes' | 'deactivated' | 'deactivations' | 'deactivationRefusal'> {
  return {
    changes: plan.changes,
    deactivated: plan.changes.deactivated,
    deactivations: plan.deactivations,
    deactivationRefusal: deactivationRefusal(plan),
  };
}

/** The German reason why the import needs explicit permission, or null. */
function deactivationRefusal(plan: Plan): string | null {
  const over = [...plan.perLand]
    .filter(([, { active, deactivated }]) => deactivated > DEACTIVATION_LIMIT_PER_LAND || deactivated > active * DEACTIVATION_SHARE_PER_LAND)
    .map(([land, { active, deactivated }]) => `Land ${land}: ${deactivated} von ${active} aktiven`);
  if (over.length === 0) return null;
  return (
    `Der Import würde ${plan.changes.deactivated} Behörden deaktivieren (${over.join('; ')}) – ohne ausdrückliche Erlaubnis ` +
    `höchstens ${DEACTIVATION_LIMIT_PER_LAND} und höchstens ${Math.round(DEACTIVATION_SHARE_PER_LAND * 100)} % der aktiven Behörden eines Landes. ` +
    'Ist die Datei vollständig? Es wurde nichts geändert. Sind die Behörden wirklich weggefallen, erneut importieren mit ' +
    'erlaubeDeaktivierung=true (API) bzw. --allow-deactivate (CLI); mit probelauf=true bzw. --dry-run zuerst ansehen, was sich ändert.'
  );
}

function toRow(entry: DirectoryEntry, importId: number): NewAuthority {
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

async function upsertAuthorities(trx: Kysely<Database>, rows: NewAuthority[], provides: ParsedDirectory['provides']): Promise<void> {
  const columns = dataColumns(provides);
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

/** One JSON line for the CLI: what the import did (or, for a dry run or a refusal, would do). */
export function formatImportSummaryLine(summary: ImportSummary): string {
  const { importId: _id, ...shown } = summary;
  return JSON.stringify(shown);
}
