import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { PARTICIPANT_LINKED_STAGES } from '../../workflows/index.ts';

/**
 * For the map across all solutions: every authority live with one of the given solutions
 * (the caller passes the solutions the person may see – listSolutions' scoping), in one
 * query. Live: the Online-Dienst is linked and shown (live, or a pilot gone live).
 */
export async function listLiveParticipations(db: Kysely<Database>, solutionIds: readonly string[]) {
  if (solutionIds.length === 0) return [];
  return db
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .select(['p.ars', 'p.solution_id as solutionId', 'a.name', 'a.kind'])
    .where('p.solution_id', 'in', [...solutionIds])
    .where('p.stage', 'in', [...PARTICIPANT_LINKED_STAGES])
    .orderBy('p.ars')
    .execute();
}
