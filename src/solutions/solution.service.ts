import { randomUUID } from 'node:crypto';
import { initialTransition, type AnyStateMachine } from 'xstate';
import { sql, type Kysely, type Transaction } from 'kysely';
import { toJson, type Database, type Responsibility, type Solution } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { ConflictError, ForbiddenError, NotFoundError, InvalidInputError } from '../errors/domain.errors.ts';
import {
  restoreSnapshot,
  solutionMachine,
  solutionStage,
  SOLUTION_MACHINE_VERSION,
} from '../../workflows/index.ts';
import { containsPattern, pageWithTotal } from '../db/query.helpers.ts';
import { normalizeResponsibility, resolveParticipants, type ResponsibilityInput, type ResponsibilityOverride } from './responsibility.resolve.ts';
import { insertInitialParticipants } from './participant.initial.ts';
import { recordChange } from '../engine/change.record.ts';
import { solutionEventChoice, solutionFactsFromCounts } from './solution.target.ts';
import type { BlockedEvent } from '../engine/event-choice.ts';
import { choiceForRole } from '../auth/roles.ts';

type Db = Kysely<Database>;
type Trx = Transaction<Database>;

export interface SolutionInput {
  title: string;
  ozgId: string;
  leikaKeys: string[];
  leadMinistry?: string;
  description?: string;
  responsibility: ResponsibilityInput;
  overrides?: ResponsibilityOverride[];
}

export type SolutionPatch = Partial<SolutionInput>;

function persist(machine: AnyStateMachine, snapshot: unknown): unknown {
  return JSON.parse(JSON.stringify(machine.getPersistedSnapshot(snapshot as never)));
}

function checkOverrides(overrides: ResponsibilityOverride[]): void {
  const seen = new Map<string, number>();
  const errors = overrides.flatMap((override, index) => {
    const first = seen.get(override.ars);
    seen.set(override.ars, first ?? index);
    return first === undefined ? [] : [{ field: `/body/overrides/${index}/ars`, message: `${override.ars} steht schon in overrides/${first}` }];
  });
  if (errors.length) throw new InvalidInputError('Jede Behörde darf nur einmal in overrides stehen', errors);
}

function leadMinistryFor(principal: Principal, requested: string | undefined): string {
  if (principal.role === 'ministry') {
    if (requested && requested !== principal.ministry) {
      throw new ForbiddenError(`Ein Token des Ministeriums ${principal.ministry} kann keine Lösung für ${requested} anlegen`);
    }
    return principal.ministry!;
  }
  if (!requested) throw new InvalidInputError('Federführendes Ministerium fehlt', [{ field: '/body/leadMinistry', message: 'Pflichtangabe für Admin-Tokens' }]);
  return requested;
}

/** Replaces the participants and overrides of a solution that is still in draft. */
async function writeParticipants(trx: Trx, solutionId: string, participants: string[], overrides: ResponsibilityOverride[]) {
  await trx.deleteFrom('participant').where('solution_id', '=', solutionId).execute();
  await trx.deleteFrom('solution_override').where('solution_id', '=', solutionId).execute();
  if (overrides.length) {
    await trx
      .insertInto('solution_override')
      .values(overrides.map((o) => ({ solution_id: solutionId, ars: o.ars, action: o.action, reason: o.reason })))
      .execute();
  }
  await insertInitialParticipants(trx, solutionId, participants);
}

export async function createSolution(db: Db, principal: Principal, input: SolutionInput, actor: string): Promise<SolutionView> {
  const leadMinistry = leadMinistryFor(principal, input.leadMinistry);
  const overrides = input.overrides ?? [];
  checkOverrides(overrides);
  const responsibility = normalizeResponsibility(input.responsibility);
  const id = randomUUID();
  await db.transaction().execute(async (trx) => {
    const participants = await resolveParticipants(trx, responsibility, overrides);
    const [snapshot] = initialTransition(solutionMachine);
    const stage = solutionStage(snapshot);
    await trx
      .insertInto('solution')
      .values({
        id,
        title: input.title,
        ozg_id: input.ozgId,
        leika_keys: toJson(input.leikaKeys),
        lead_ministry: leadMinistry,
        description: input.description ?? '',
        responsibility: toJson(responsibility),
        stage,
        state_value: toJson(snapshot.value),
        snapshot: toJson(persist(solutionMachine, snapshot)),
        machine_version: SOLUTION_MACHINE_VERSION,
        created_by: actor,
      })
      .execute();
    await writeParticipants(trx, id, participants, overrides);
    await trx
      .insertInto('history')
      .values({
        solution_id: id,
        participant_ars: null,
        event_type: 'ANGELEGT',
        event: toJson({ type: 'ANGELEGT', participants: participants.length }),
        from_stage: null,
        to_stage: stage,
        actor,
        machine_version: SOLUTION_MACHINE_VERSION,
      })
      .execute();
  });
  return getSolution(db, principal, id);
}

export async function updateDraftSolution(
  db: Db,
  principal: Principal,
  id: string,
  patch: SolutionPatch,
  actor: string,
): Promise<SolutionView> {
  await db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('solution').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw new NotFoundError(`EfA-Lösung ${id} gibt es nicht`);
    assertMayAccess(principal, current);
    if (current.stage !== 'entwurf') {
      throw new ConflictError(`Nur Entwürfe können geändert werden; die Lösung ist im Stadium „${current.stage}“.`, { stage: current.stage });
    }
    const leadMinistry = patch.leadMinistry === undefined ? current.lead_ministry : leadMinistryFor(principal, patch.leadMinistry);
    const responsibility: Responsibility = patch.responsibility ? normalizeResponsibility(patch.responsibility) : current.responsibility;
    await trx
      .updateTable('solution')
      .set({
        title: patch.title ?? current.title,
        ozg_id: patch.ozgId ?? current.ozg_id,
        leika_keys: toJson(patch.leikaKeys ?? current.leika_keys),
        description: patch.description ?? current.description,
        lead_ministry: leadMinistry,
        responsibility: toJson(responsibility),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    if (patch.responsibility || patch.overrides) {
      const overrides =
        patch.overrides ??
        (await trx.selectFrom('solution_override').select(['ars', 'action', 'reason']).where('solution_id', '=', id).execute());
      checkOverrides(overrides);
      const participants = await resolveParticipants(trx, responsibility, overrides);
      await writeParticipants(trx, id, participants, overrides);
    }
    await recordChange(trx, {
      solutionId: id,
      ars: null,
      stage: current.stage,
      machineVersion: current.machine_version,
      eventType: 'GEAENDERT',
      event: { fields: Object.keys(patch) },
      actor,
      at: new Date(),
    });
  });
  return getSolution(db, principal, id);
}

/** The solution as the rollout's services need it (stage, snapshot, LeiKa keys), or 404 – also for another ministry's. */
export async function loadAccessibleSolution(db: Db | Trx, principal: Principal, solutionId: string) {
  const solution = await db
    .selectFrom('solution')
    .select(['id', 'lead_ministry', 'leika_keys', 'stage', 'machine_version', 'snapshot'])
    .where('id', '=', solutionId)
    .executeTakeFirst();
  if (!solution) throw new NotFoundError(`EfA-Lösung ${solutionId} gibt es nicht`);
  assertMayAccess(principal, solution);
  return solution;
}

export function assertMayAccess(principal: Principal, solution: Pick<Solution, 'lead_ministry' | 'id'>): void {
  if (principal.role === 'ministry' && principal.ministry !== solution.lead_ministry) {
    // 404, not 403: a ministry does not learn which other solutions exist.
    throw new NotFoundError(`EfA-Lösung ${solution.id} gibt es nicht`);
  }
}

export interface SolutionView {
  id: string;
  title: string;
  ozgId: string;
  leikaKeys: string[];
  leadMinistry: string;
  description: string;
  responsibility: Responsibility;
  overrides: ResponsibilityOverride[];
  stage: string;
  stateValue: unknown;
  context: unknown;
  machineVersion: number;
  revision: number;
  allowedEvents: string[];
  blockedEvents: BlockedEvent[];
  participantsByStage: Record<string, number>;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export async function getSolution(db: Db, principal: Principal, id: string): Promise<SolutionView> {
  const row = await db.selectFrom('solution').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`EfA-Lösung ${id} gibt es nicht`);
  assertMayAccess(principal, row);
  const [overrides, counts] = await Promise.all([
    db.selectFrom('solution_override').select(['ars', 'action', 'reason']).where('solution_id', '=', id).orderBy('ars').execute(),
    db
      .selectFrom('participant')
      .select(['stage', sql<number>`count(*)::int`.as('n')])
      .where('solution_id', '=', id)
      .groupBy('stage')
      .execute(),
  ]);
  const snapshot = restoreSnapshot(solutionMachine, row.snapshot);
  const participantsByStage = Object.fromEntries(counts.map((c) => [c.stage, c.n]));
  return {
    id: row.id,
    title: row.title,
    ozgId: row.ozg_id,
    leikaKeys: row.leika_keys,
    leadMinistry: row.lead_ministry,
    description: row.description,
    responsibility: row.responsibility,
    overrides,
    stage: row.stage,
    stateValue: row.state_value,
    context: snapshot.context,
    machineVersion: row.machine_version,
    revision: row.revision,
    // the guards' facts from the counts read anyway
    ...choiceForRole(solutionEventChoice(snapshot, solutionFactsFromCounts(participantsByStage)), principal.role, 'solution'),
    participantsByStage,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface SolutionListFilter {
  stage?: string;
  leadMinistry?: string;
  q?: string;
  ozgId?: string;
  limit: number;
  offset: number;
}

export async function listSolutions(db: Db, principal: Principal, filter: SolutionListFilter) {
  let query = db.selectFrom('solution');
  if (principal.role === 'ministry') query = query.where('lead_ministry', '=', principal.ministry!);
  if (filter.leadMinistry) query = query.where('lead_ministry', '=', filter.leadMinistry);
  if (filter.stage) query = query.where('stage', '=', filter.stage);
  if (filter.ozgId) query = query.where('ozg_id', '=', filter.ozgId);
  if (filter.q) query = query.where(sql`lower(title)`, 'like', containsPattern(filter.q));
  const { rows, total } = await pageWithTotal(
    query,
    (q) =>
      q
        .select(['id', 'title', 'ozg_id', 'lead_ministry', 'stage', 'revision', 'created_at', 'updated_at'])
        .orderBy('created_at', 'desc')
        .orderBy('id'),
    filter,
  );
  // the participants per stage of every listed solution in one query (the dashboard's progress bars)
  const counts = rows.length
    ? await db
        .selectFrom('participant')
        .select(['solution_id', 'stage', sql<number>`count(*)::int`.as('n')])
        .where(
          'solution_id',
          'in',
          rows.map((row) => row.id),
        )
        .groupBy(['solution_id', 'stage'])
        .execute()
    : [];
  const byStageOf = new Map<string, Record<string, number>>(rows.map((row) => [row.id, {}]));
  for (const count of counts) byStageOf.get(count.solution_id)![count.stage] = count.n;
  return {
    total,
    items: rows.map((row) => ({
      id: row.id,
      participantsByStage: byStageOf.get(row.id)!,
      title: row.title,
      ozgId: row.ozg_id,
      leadMinistry: row.lead_ministry,
      stage: row.stage,
      revision: row.revision,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    })),
  };
}
