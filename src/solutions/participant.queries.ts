import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { containsPattern, pageWithTotal } from '../db/query.helpers.ts';
import { NotFoundError } from '../errors/domain.errors.ts';
import { participantMachine, restoreSnapshot } from '../../workflows/index.ts';
import type { WorkflowRegistry } from '../engine/workflow.types.ts';
import { participantEventChoice } from './participant.target.ts';
import { choiceForRole, type Role } from '../auth/roles.ts';

type Db = Kysely<Database>;

const PARTICIPANT_COLUMNS = [
  'p.ars',
  'p.stage',
  'p.revision',
  'p.updated_at',
  'p.snapshot',
  'a.name',
  'a.kind',
  'a.kreis_ars',
  'a.email',
  'a.active',
] as const;

/** A participant as the API shows it: its authority and where it stands. */
function toParticipantView(row: {
  ars: string;
  name: string;
  kind: string;
  kreis_ars: string | null;
  email: string | null;
  active: boolean;
  stage: string;
  revision: number;
  updated_at: Date;
}, context: unknown) {
  return {
    ars: row.ars,
    name: row.name,
    kind: row.kind,
    kreisArs: row.kreis_ars,
    email: row.email,
    authorityActive: row.active,
    stage: row.stage,
    context,
    revision: row.revision,
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface ParticipantFilter {
  stage?: string[];
  kind?: string[];
  /** ARS of a Landkreis (or kreisfreie Stadt): its participants. */
  kreisArs?: string;
  q?: string;
  limit: number;
  offset: number;
}

export async function listParticipants(db: Db, solutionId: string, filter: ParticipantFilter) {
  let query = db
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .where('p.solution_id', '=', solutionId);
  if (filter.stage?.length) query = query.where('p.stage', 'in', filter.stage);
  if (filter.kind?.length) query = query.where('a.kind', 'in', filter.kind as never[]);
  if (filter.kreisArs) query = query.where('a.kreis_ars', '=', filter.kreisArs);
  if (filter.q) query = query.where(sql`lower(a.name)`, 'like', containsPattern(filter.q));
  const { rows, total } = await pageWithTotal(
    query,
    (q) =>
      q
        .select(PARTICIPANT_COLUMNS)
        .orderBy('a.name')
        .orderBy('p.ars'),
    filter,
  );
  return {
    total,
    items: rows.map((row) => toParticipantView(row, (row.snapshot as { context?: unknown }).context ?? null)),
  };
}

/** `reader`: its allowed and blocked events are those this role may send (roles.ts). */
export async function getParticipant(db: Db, workflows: WorkflowRegistry, solutionId: string, ars: string, reader: Role) {
  const row = await db
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .innerJoin('solution as s', 's.id', 'p.solution_id')
    .select([...PARTICIPANT_COLUMNS, 's.stage as solution_stage'])
    .where('p.solution_id', '=', solutionId)
    .where('p.ars', '=', ars)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`Behörde ${ars} ist nicht Teilnehmerin dieser Lösung`);
  const snapshot = restoreSnapshot(participantMachine, row.snapshot);
  const choice = await participantEventChoice(db, workflows, { solutionId, ars, solutionStage: row.solution_stage, snapshot });
  return { ...toParticipantView(row, snapshot.context), ...choiceForRole(choice, reader, 'participant') };
}

/** `newestFirst`: the latest `limit` entries, newest first (for a timeline; no paging by afterId then). */
export async function listHistory(
  db: Db,
  solutionId: string,
  filter: { ars?: string; afterId?: number; limit: number; newestFirst?: boolean },
) {
  // A ticket's rows belong to its own timeline (GET /tickets/:ticketId), with its internal changes.
  let query = db.selectFrom('history').selectAll().where('solution_id', '=', solutionId).where('ticket_id', 'is', null);
  if (filter.ars) query = query.where('participant_ars', '=', filter.ars);
  if (filter.afterId) query = query.where('id', '>', filter.afterId);
  const rows = await query.orderBy('id', filter.newestFirst ? 'desc' : 'asc').limit(filter.limit).execute();
  return {
    items: rows.map((row) => ({
      id: row.id,
      participantArs: row.participant_ars,
      eventType: row.event_type,
      event: row.event,
      fromStage: row.from_stage,
      toStage: row.to_stage,
      actor: row.actor,
      machineVersion: row.machine_version,
      at: row.created_at.toISOString(),
    })),
    nextAfterId: rows.length === filter.limit ? rows[rows.length - 1]!.id : null,
  };
}
