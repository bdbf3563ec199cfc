import { sql, type Kysely } from 'kysely';
import { toJson, type Database } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { ConflictError, NotFoundError } from '../errors/domain.errors.ts';
import { loadAccessibleSolution } from '../solutions/solution.service.ts';
import { arsToName, compareProgress, summariseProgress, type ProgressComparison, type ProgressData, type ProgressTotals } from './progress.compare.ts';
import { lastEndedQuarter, quarterEnd } from './quarter.ts';

/**
 * Quarterly snapshots of a solution's progress: taken once per solution and quarter
 * (insert … on conflict do nothing – a second run for the same quarter changes nothing),
 * listed, and compared with the one before and with the state now. Reads are set-based:
 * the participants of any number of solutions in one query, the names a comparison shows
 * in one more. Reading goes through loadAccessibleSolution: a ministry its own, 404 else.
 */

type Db = Kysely<Database>;

/** Who took a snapshot: the quarterly job. */
export const SYSTEM_TAKER = 'system';

/** The current progress of these solutions, one query for all; a solution without participants has an empty state. */
export async function readProgress(db: Db, solutionIds: readonly string[]): Promise<Map<string, ProgressData>> {
  const rows = solutionIds.length
    ? await db
        .selectFrom('participant as p')
        .leftJoin('authority as a', 'a.ars', 'p.ars')
        .select(['p.solution_id', 'p.ars', 'p.stage', 'a.kreis_ars'])
        .where('p.solution_id', 'in', [...solutionIds])
        .execute()
    : [];
  const bySolution = new Map<string, { ars: string; stage: string; kreisArs: string | null }[]>(solutionIds.map((id) => [id, []]));
  for (const row of rows) bySolution.get(row.solution_id)?.push({ ars: row.ars, stage: row.stage, kreisArs: row.kreis_ars });
  return new Map([...bySolution].map(([id, list]) => [id, summariseProgress(list)]));
}

/** Stores the quarter's snapshot of each solution unless it has one; returns the solutions it stored one for. */
async function storeSnapshots(db: Db, solutionIds: readonly string[], quarter: string, now: Date, takenBy: string): Promise<string[]> {
  if (solutionIds.length === 0) return [];
  const progress = await readProgress(db, solutionIds);
  const inserted = await db
    .insertInto('progress_snapshot')
    .values(solutionIds.map((id) => ({ solution_id: id, quarter, taken_at: now, taken_by: takenBy, data: toJson(progress.get(id)!) })))
    .onConflict((oc) => oc.columns(['solution_id', 'quarter']).doNothing())
    .returning('solution_id')
    .execute();
  return inserted.map((row) => row.solution_id);
}

/**
 * The quarter's snapshot of every solution that is no draft and existed when the quarter
 * ended. Run again (another instance, a retry), it stores nothing new.
 */
export async function takeQuarterSnapshots(db: Db, quarter: string, now: Date): Promise<{ solutions: number; stored: number }> {
  const solutions = await db.selectFrom('solution').select('id').where('stage', '!=', 'entwurf').where('created_at', '<', quarterEnd(quarter)).execute();
  const stored = await storeSnapshots(
    db,
    solutions.map((s) => s.id),
    quarter,
    now,
    SYSTEM_TAKER,
  );
  return { solutions: solutions.length, stored: stored.length };
}

export interface SnapshotSummary {
  quarter: string;
  takenAt: string;
  takenBy: string;
  totals: ProgressTotals;
  stages: Record<string, number>;
}

const summaryOf = (row: { quarter: string; taken_at: Date; taken_by: string; totals: unknown; stages: unknown }): SnapshotSummary => ({
  quarter: row.quarter,
  takenAt: new Date(row.taken_at).toISOString(),
  takenBy: row.taken_by,
  totals: row.totals as ProgressTotals,
  stages: row.stages as Record<string, number>,
});

async function summaries(db: Db, solutionId: string, quarter?: string): Promise<SnapshotSummary[]> {
  let query = db
    .selectFrom('progress_snapshot')
    .select(['quarter', 'taken_at', 'taken_by', sql<unknown>`data->'totals'`.as('totals'), sql<unknown>`data->'stages'`.as('stages')])
    .where('solution_id', '=', solutionId);
  if (quarter) query = query.where('quarter', '=', quarter);
  return (await query.orderBy('quarter', 'desc').execute()).map(summaryOf);
}

/**
 * An admin takes the newest ended quarter's snapshot of one solution now, if it is
 * missing (after an outage); the state is today's, `takenAt` says so. Idempotent.
 */
export async function takeMissingSnapshot(db: Db, principal: Principal, solutionId: string, now: Date, actor: string): Promise<{ created: boolean; snapshot: SnapshotSummary }> {
  const solution = await loadAccessibleSolution(db, principal, solutionId);
  if (solution.stage === 'entwurf') throw new ConflictError('Ein Entwurf hat keinen Quartalsstand; er entsteht erst, wenn der Rollout begonnen hat.', { stage: solution.stage });
  const quarter = lastEndedQuarter(now);
  const { created_at: createdAt } = await db.selectFrom('solution').select('created_at').where('id', '=', solutionId).executeTakeFirstOrThrow();
  if (createdAt >= quarterEnd(quarter)) throw new ConflictError(`Die Lösung wurde erst nach dem Ende des Quartals ${quarter} angelegt; ihr erster Stand entsteht am Ende des laufenden Quartals.`);
  const stored = await storeSnapshots(db, [solutionId], quarter, now, actor);
  const [snapshot] = await summaries(db, solutionId, quarter);
  return { created: stored.length > 0, snapshot: snapshot! };
}

/** The solution's snapshots, newest first, with their counts. */
export async function listSnapshots(db: Db, principal: Principal, solutionId: string): Promise<{ items: SnapshotSummary[] }> {
  await loadAccessibleSolution(db, principal, solutionId);
  return { items: await summaries(db, solutionId) };
}

export interface SnapshotDetail extends SnapshotSummary {
  data: ProgressData;
  /** The snapshot before it (not necessarily the calendar's previous quarter), if any. */
  previous: { quarter: string; takenAt: string } | null;
  /** What moved from the previous snapshot to this one; from nothing when it is the first. */
  comparison: ProgressComparison;
  /** What moved since this snapshot's Stichtag until now. */
  sinceThen: ProgressComparison;
}

async function namesOf(db: Db, arsList: readonly string[]): Promise<Map<string, string>> {
  if (arsList.length === 0) return new Map();
  const rows = await db.selectFrom('authority').select(['ars', 'name']).where('ars', 'in', [...arsList]).execute();
  return new Map(rows.map((row) => [row.ars, row.name]));
}

export interface StoredSnapshot {
  quarter: string;
  takenAt: Date;
  takenBy: string;
  data: ProgressData;
}

/** A quarter's snapshot and the one before it (null for the first); 404 when the solution has none for the quarter. */
export async function readSnapshotPair(db: Db, solutionId: string, quarter: string): Promise<{ snapshot: StoredSnapshot; before: StoredSnapshot | null }> {
  const rows = await db
    .selectFrom('progress_snapshot')
    .select(['quarter', 'taken_at', 'taken_by', 'data'])
    .where('solution_id', '=', solutionId)
    .where('quarter', '<=', quarter)
    .orderBy('quarter', 'desc')
    .limit(2)
    .execute();
  const [snapshot, before] = rows.map((row) => ({ quarter: row.quarter, takenAt: new Date(row.taken_at), takenBy: row.taken_by, data: row.data as ProgressData }));
  if (!snapshot || snapshot.quarter !== quarter) throw new NotFoundError(`Für das Quartal ${quarter} gibt es keinen Stand dieser Lösung`);
  return { snapshot, before: before ?? null };
}

/** One quarter's snapshot with both comparisons; 404 when the solution has none for it. */
export async function getSnapshot(db: Db, principal: Principal, solutionId: string, quarter: string): Promise<SnapshotDetail> {
  await loadAccessibleSolution(db, principal, solutionId);
  const [{ snapshot, before }, current] = await Promise.all([readSnapshotPair(db, solutionId, quarter), readProgress(db, [solutionId])]);
  const { data } = snapshot;
  const previous = before?.data ?? null;
  const now = current.get(solutionId)!;
  const names = await namesOf(db, [...new Set([...arsToName(previous, data), ...arsToName(data, now)])]);
  return {
    quarter,
    takenAt: snapshot.takenAt.toISOString(),
    takenBy: snapshot.takenBy,
    totals: data.totals,
    stages: data.stages,
    data,
    previous: before ? { quarter: before.quarter, takenAt: before.takenAt.toISOString() } : null,
    comparison: compareProgress(previous, data, names),
    sinceThen: compareProgress(data, now, names),
  };
}
