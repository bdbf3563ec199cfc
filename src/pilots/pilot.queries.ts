import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { NotFoundError } from '../errors/domain.errors.ts';
import { pageWithTotal } from '../db/query.helpers.ts';
import type { LessonLearned, ParticipantStage, PilotCandidacy } from '../../workflows/index.ts';
import { PILOT_STAGES } from './pilot.lock.ts';

/**
 * What the pilot phase reads from the machines' context: the candidates with their source
 * (participants) and the lessons learned (the solution). Old snapshots lack both
 * structures: read tolerantly.
 */

type Db = Kysely<Database>;


export interface CandidateFilter {
  stage?: string[];
  quelle?: string;
  limit: number;
  offset: number;
}

/**
 * Authorities that are, were or became pilot candidates: stage pilot-kandidat and beyond,
 * and those put back or declined (their candidacy stays recorded in the context). Old
 * snapshots without a candidacy show as source `unbekannt`.
 */
export async function listCandidates(db: Db, solutionId: string, filter: CandidateFilter) {
  let query = db
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .where('p.solution_id', '=', solutionId)
    .where((eb) =>
      eb.or([
        eb('p.stage', 'in', [...PILOT_STAGES]),
        eb(sql`jsonb_typeof(p.snapshot->'context'->'pilot')`, '=', 'object'),
      ]),
    );
  if (filter.stage?.length) query = query.where('p.stage', 'in', filter.stage);
  if (filter.quelle) query = query.where(sql`p.snapshot->'context'->'pilot'->>'quelle'`, '=', filter.quelle);
  const { rows, total } = await pageWithTotal(
    query,
    (q) => q.select(['p.ars', 'p.stage', 'p.snapshot', 'p.updated_at', 'a.name', 'a.kind']).orderBy('a.name').orderBy('p.ars'),
    filter,
  );
  return {
    total,
    items: rows.map((row) => {
      const pilot = ((row.snapshot as { context?: { pilot?: PilotCandidacy | null } }).context?.pilot ?? null) as PilotCandidacy | null;
      return {
        ars: row.ars,
        name: row.name,
        kind: row.kind,
        stage: row.stage as ParticipantStage,
        quelle: pilot?.quelle ?? ('unbekannt' as const),
        spitzenverband: pilot?.spitzenverband ?? null,
        vorgeschlagenVon: pilot?.vorgeschlagenVon ?? null,
        vorgeschlagenAm: pilot?.vorgeschlagenAm ?? null,
        seit: pilot?.seit || null,
        entscheidung: pilot?.entscheidung ?? null,
        liveOverride: pilot?.liveOverride ?? null,
        updatedAt: row.updated_at.toISOString(),
      };
    }),
  };
}


/** The solution's lessons learned, oldest first; entries from before they were structured lack thema, pilot and relevanz. */
export async function listLessonsLearned(db: Db, solutionId: string, filter: { relevanz?: string }) {
  const solution = await db.selectFrom('solution').select('snapshot').where('id', '=', solutionId).executeTakeFirst();
  if (!solution) throw new NotFoundError(`EfA-Lösung ${solutionId} gibt es nicht`);
  const stored = (solution.snapshot as { context?: { lessonsLearned?: unknown } }).context?.lessonsLearned;
  const lessons = (Array.isArray(stored) ? stored : []) as Partial<LessonLearned>[];
  const pilotArs = [...new Set(lessons.map((lesson) => lesson.pilotArs).filter((ars): ars is string => typeof ars === 'string'))];
  const names = new Map(
    pilotArs.length ? (await db.selectFrom('authority').select(['ars', 'name']).where('ars', 'in', pilotArs).execute()).map((row) => [row.ars, row.name]) : [],
  );
  const items = lessons
    .map((lesson, index) => ({
      nummer: index + 1,
      thema: lesson.thema ?? null,
      text: lesson.text ?? '',
      pilotArs: lesson.pilotArs ?? null,
      pilotName: lesson.pilotArs ? (names.get(lesson.pilotArs) ?? null) : null,
      relevanz: lesson.relevanz ?? null,
      erfasstAm: lesson.recordedAt ?? null,
    }))
    .filter((lesson) => !filter.relevanz || lesson.relevanz === filter.relevanz);
  return { total: items.length, items };
}
