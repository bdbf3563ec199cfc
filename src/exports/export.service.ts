import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { InvalidInputError } from '../errors/domain.errors.ts';
import { listParticipants, type ParticipantFilter } from '../solutions/participant.queries.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { listTickets } from '../tickets/ticket.service.ts';
import { getWave, listWaves } from '../waves/wave.service.ts';
import { berlinDate } from '../time/berlin.clock.ts';
import { PARTICIPANT_STAGE_LABELS } from '../responses/stage.words.ts';
import type { ParticipantStage } from '../../workflows/index.ts';
import { germanDate, germanDateTime, toCsv, type CsvCell } from './csv.ts';
import { getCoverage } from '../coverage/coverage.queries.ts';
import { COVERAGE_HEADERS, coverageRows } from './coverage.export.ts';

/**
 * The exports of one solution: its participants, its tickets, its waves with their
 * members – all rows, not paged, read through the very query functions of the JSON list
 * routes (the same scope: a ministry only its own solutions, 404 for another's). JSON is
 * the list routes' items (API keys); CSV the same rows as a German spreadsheet shows them.
 */

type Db = Kysely<Database>;

/** Beyond this many rows an export is refused (422) rather than built in memory. */
export const EXPORT_MAX_ROWS = 10_000;
export const EXPORT_KINDS = ['participants', 'tickets', 'waves', 'coverage'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
/** The file name's first word per kind. */
export const EXPORT_FILE_WORDS: Readonly<Record<ExportKind, string>> = { participants: 'teilnehmende', tickets: 'tickets', waves: 'wellen', coverage: 'abdeckung' };

export interface Export {
  /** The file name without extension: `teilnehmende-<ozgId>-<Berlin date>`. */
  baseName: string;
  /** The rows as JSON (the list route's items, API keys). */
  items: unknown[];
  headers: readonly string[];
  rows: CsvCell[][];
}

export interface ExportInput {
  db: Db;
  principal: Principal;
  now: Date;
  solutionId: string;
  kind: ExportKind;
  /** The participant table's filters (participants only); limit and offset are set here. */
  participantFilter?: Omit<ParticipantFilter, 'limit' | 'offset'>;
}

/** A participant's stage as a German spreadsheet reader reads it; the key stays in its own column. */
const stageWords = (stage: string) => PARTICIPANT_STAGE_LABELS[stage as ParticipantStage] ?? stage;

function tooMany(total: number): never {
  throw new InvalidInputError(`Der Export umfasst ${total} Zeilen; mehr als ${EXPORT_MAX_ROWS} lassen sich nicht exportieren. Bitte filtern.`, [
    { field: 'export', message: `höchstens ${EXPORT_MAX_ROWS} Zeilen (hier ${total})` },
  ]);
}

const PARTICIPANT_HEADERS = ['ARS', 'Behörde', 'Art', 'Kreis (ARS)', 'Stadium', 'Begründung', 'Wellen', 'Offene blockierende Tickets', 'E-Mail', 'Letzte Änderung', 'Stadium (Schlüssel)'];
const TICKET_HEADERS = ['Nummer', 'Betreff', 'ARS', 'Behörde', 'Kategorie', 'Priorität', 'Status', 'Blockierend', 'Zuständig', 'SLA-Zustand', 'Fällig am', 'Angelegt am', 'Geändert am'];
const WAVE_HEADERS = ['Welle', 'Zustand', 'Zieldatum', 'Frist (Tage)', 'Gestartet am', 'ARS', 'Behörde', 'Art', 'Stadium', 'Hinzugefügt am', 'Hinzugefügt von', 'Stadium (Schlüssel)'];

export async function buildExport(input: ExportInput): Promise<Export> {
  const { db, principal, now, solutionId, kind } = input;
  // 404 for an unknown solution or another ministry's, before anything is read.
  const solution = await getSolution(db, principal, solutionId);
  const baseName = `${EXPORT_FILE_WORDS[kind]}-${solution.ozgId}-${berlinDate(now)}`;
  if (kind === 'participants') {
    const page = await listParticipants(db, solutionId, { ...input.participantFilter, limit: EXPORT_MAX_ROWS, offset: 0, withTotal: true });
    if (page.total > EXPORT_MAX_ROWS) tooMany(page.total);
    const rows = page.items.map((p) => [
      p.ars,
      p.name,
      p.kind,
      p.kreisArs,
      stageWords(p.stage),
      (p.context as { reason?: string | null } | null)?.reason ?? '',
      p.waves.map((wave) => wave.name).join(', '),
      p.openBlockingTickets,
      p.email,
      germanDateTime(p.updatedAt),
      p.stage,
    ]);
    return { baseName, items: page.items, headers: PARTICIPANT_HEADERS, rows };
  }
  if (kind === 'tickets') {
    const page = await listTickets(db, principal, now, { solutionId }, { limit: EXPORT_MAX_ROWS, offset: 0 });
    if (page.total > EXPORT_MAX_ROWS) tooMany(page.total);
    const rows = page.items.map((t) => [
      t.number,
      t.title,
      t.ars,
      t.authorityName,
      t.category,
      t.priority,
      t.stage,
      t.blocking,
      t.assignee,
      t.sla.state,
      germanDateTime(t.sla.dueAt),
      germanDateTime(t.createdAt),
      germanDateTime(t.updatedAt),
    ]);
    return { baseName, items: page.items, headers: TICKET_HEADERS, rows };
  }
  if (kind === 'coverage') {
    const coverage = await getCoverage(db, principal, solutionId, now);
    const rows = coverageRows(coverage);
    if (rows.length > EXPORT_MAX_ROWS) tooMany(rows.length);
    return { baseName, items: coverage.kreise, headers: COVERAGE_HEADERS, rows };
  }
  const { items: list } = await listWaves(db, principal, solutionId);
  const total = list.reduce((sum, wave) => sum + wave.memberCount, 0);
  if (total > EXPORT_MAX_ROWS) tooMany(total);
  const waves = [];
  for (const wave of list) waves.push(await getWave(db, principal, solutionId, wave.id));
  const rows = waves.flatMap((wave) =>
    wave.members.map((m) => [
      wave.name,
      wave.state,
      germanDate(wave.targetDate),
      wave.fristTage,
      germanDateTime(wave.startedAt),
      m.ars,
      m.name,
      m.kind,
      stageWords(m.stage),
      germanDateTime(m.addedAt),
      m.addedBy,
      m.stage,
    ]),
  );
  return { baseName, items: waves, headers: WAVE_HEADERS, rows };
}

/** The export as a file: CSV (BOM, `;`, CRLF) or JSON (an array). */
export function exportFile(result: Export, format: 'csv' | 'json'): { body: string; contentType: string; fileName: string } {
  return format === 'csv'
    ? { body: toCsv(result.headers, result.rows), contentType: 'text/csv; charset=utf-8', fileName: `${result.baseName}.csv` }
    : { body: JSON.stringify(result.items), contentType: 'application/json; charset=utf-8', fileName: `${result.baseName}.json` };
}
