import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { pageWithTotal } from '../db/query.helpers.ts';
import type { Database, Wave } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { inOneTransaction, type EngineDeps } from '../engine/workflow.engine.ts';
import { sendSolutionEvent } from '../solutions/solution.target.ts';
import { eventOutcomeForCaller } from '../auth/event-outcome.ts';
import { ConflictError, NotFoundError, InvalidInputError } from '../errors/domain.errors.ts';
import { loadAccessibleSolution } from '../solutions/solution.service.ts';
import { authoritiesMailed, createMailingInTransaction, type MailingSettings } from '../mailings/mailing.service.ts';
import { addCalendarDays, berlinDate } from '../time/berlin.clock.ts';
import {
  DEFAULT_FRIST_TAGE,
  PARTICIPANT_DONE_STAGES,
  PARTICIPANT_INVITABLE_STAGES,
  SOLUTION_FINAL_STAGES,
  SOLUTION_MACHINE_VERSION,
} from '../../workflows/index.ts';
import { changeWithKey, recordChange, recordChanges } from '../engine/change.record.ts';

/**
 * Rollout waves planned ahead (step 3 of the MIK guide: "schrittweise"): a named wave
 * with a target date and its members, started when the ministry is ready. A participant
 * is planned into at most one open wave (the partial unique index
 * wave_member_one_open); moving it records where it came from. Starting a wave is the
 * solution's WELLE_STARTEN (the engine invites each member with EINLADEN after commit)
 * and the Rollout-Einladung mailing to the members, in one transaction.
 *
 * Every change is a row in `history` in the same transaction, with the acting
 * principal: WELLE_GEPLANT (solution), WELLE_ZUGEORDNET / WELLE_ENTFERNT (participant;
 * from_stage = to_stage: membership is no state change).
 */

type Db = Kysely<Database>;
type Trx = Transaction<Database>;

/**
 * Stages in which EINLADEN can reach a participant: a filter plans only these, and a start
 * invites – and mails – only members still in one.
 */
export const INVITABLE_STAGES: readonly string[] = PARTICIPANT_INVITABLE_STAGES;
/** The participant machine's final states: no event, and so no invitation, reaches them any more. */
const NEVER_INVITABLE_STAGES: readonly string[] = ['ausgeschlossen', 'live', 'pilot-live'];
export const READINESS_FILTER = ['bereit', 'bereit-ab', 'nicht-bereit', 'keine'] as const;

export interface WaveMemberFilter {
  kreisArs?: string;
  kinds?: string[];
  /** The participant's readiness answer; 'keine': none yet. */
  readiness?: (typeof READINESS_FILTER)[number][];
  stages?: string[];
}

export interface WaveMembersInput {
  authorities?: string[];
  filter?: WaveMemberFilter;
  /** Members planned into another open wave move into this one (else 409). */
  verschieben?: boolean;
}

export interface CreateWaveInput extends WaveMembersInput {
  name: string;
  targetDate?: string;
  fristTage?: number;
}

export interface WaveActor {
  principal: Principal;
  actor: string;
  now: Date;
}

export function toWaveView(wave: Wave, memberCount: number) {
  return {
    id: wave.id,
    solutionId: wave.solution_id,
    name: wave.name,
    targetDate: wave.target_date,
    fristTage: wave.frist_tage,
    state: wave.state,
    memberCount,
    createdBy: wave.created_by,
    createdAt: wave.created_at.toISOString(),
    startedBy: wave.started_by,
    startedAt: wave.started_at ? wave.started_at.toISOString() : null,
  };
}


function assertSolutionOpen(stage: string) {
  if ((SOLUTION_FINAL_STAGES as readonly string[]).includes(stage)) {
    throw new ConflictError(`Die Lösung ist ${stage}; Wellen lassen sich nicht mehr planen.`, { solutionStage: stage });
  }
}

export async function loadWave(db: Db | Trx, solutionId: string, waveId: string, lock = false): Promise<Wave> {
  let query = db.selectFrom('wave').selectAll().where('id', '=', waveId).where('solution_id', '=', solutionId);
  if (lock) query = query.forUpdate();
  const wave = await query.executeTakeFirst();
  if (!wave) throw new NotFoundError(`Welle ${waveId} gibt es bei dieser Lösung nicht`);
  return wave;
}

function assertPlanned(wave: Wave) {
  if (wave.state !== 'planned') {
    throw new ConflictError(`Die Welle „${wave.name}“ ist schon gestartet; ihre Mitglieder stehen fest.`, { waveState: wave.state });
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

interface MemberCandidate {
  ars: string;
  stage: string;
  machine_version: number;
}

/** The participants an explicit list or a filter names; a filter plans only invitable participants in no open wave. */
async function selectMembers(trx: Trx, solutionId: string, input: WaveMembersInput, fieldPrefix: string): Promise<MemberCandidate[]> {
  if (input.authorities && input.filter) {
    throw new InvalidInputError('Entweder authorities oder filter angeben', [{ field: `${fieldPrefix}/filter`, message: 'schließt sich mit authorities aus' }]);
  }
  const base = trx
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .select(['p.ars', 'p.stage', 'p.machine_version'])
    .where('p.solution_id', '=', solutionId);
  if (input.authorities) {
    if (input.authorities.length === 0) return [];
    const rows = await base.where('p.ars', 'in', input.authorities).execute();
    const found = new Set(rows.map((row) => row.ars));
    const unknown = input.authorities.map((ars, index) => ({ ars, index })).filter(({ ars }) => !found.has(ars));
    if (unknown.length) {
      throw new InvalidInputError(
        `${unknown.length} der Behörden sind nicht Teilnehmende dieser Lösung`,
        unknown.map(({ ars, index }) => ({ field: `${fieldPrefix}/authorities/${index}`, message: `${ars} ist nicht Teilnehmerin` })),
      );
    }
    // Its invitation would ask for readiness it can never report. (One already further on may
    // be planned, e.g. to follow late ones in a wave's progress; a start invites and mails
    // only members still invitable.)
    const stageOf = new Map(rows.map((row) => [row.ars, row.stage]));
    const ended = input.authorities.map((ars, index) => ({ ars, index, stage: stageOf.get(ars)! })).filter(({ stage }) => NEVER_INVITABLE_STAGES.includes(stage));
    if (ended.length) {
      throw new InvalidInputError(
        `${ended.length} der Behörden kann eine Welle nicht mehr einladen`,
        ended.map(({ ars, index, stage }) => ({
          field: `${fieldPrefix}/authorities/${index}`,
          message: `${ars} ist im Stadium „${stage}“, aus dem keine Einladung sie mehr erreicht; eine Welle lädt Behörden in den Stadien ${INVITABLE_STAGES.join(', ')} ein`,
        })),
      );
    }
    return rows;
  }
  if (!input.filter) return [];
  const filter = input.filter;
  let query = base
    .where('p.stage', 'in', filter.stages?.length ? filter.stages : INVITABLE_STAGES)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('wave_member as m').select('m.ars').whereRef('m.solution_id', '=', 'p.solution_id').whereRef('m.ars', '=', 'p.ars').where('m.open', '=', true),
        ),
      ),
    );
  if (filter.kreisArs) query = query.where('a.kreis_ars', '=', filter.kreisArs);
  if (filter.kinds?.length) query = query.where('a.kind', 'in', filter.kinds as never[]);
  if (filter.readiness?.length) {
    query = query.where(sql<string>`coalesce(p.snapshot #>> '{context,readiness,status}', 'keine')`, 'in', filter.readiness);
  }
  return query.orderBy('p.ars').execute();
}

/**
 * Plans the participants into the wave: those in another open wave move only with
 * `verschieben` (else 409 naming them); those already in this wave stay. One history
 * row per participant placed or moved.
 */
async function assignMembers(trx: Trx, wave: Wave, members: MemberCandidate[], input: WaveMembersInput, who: WaveActor) {
  if (members.length === 0) return { added: 0, moved: 0, unchanged: 0 };
  const arsList = members.map((member) => member.ars);
  const current = await trx
    .selectFrom('wave_member as m')
    .innerJoin('wave as w', 'w.id', 'm.wave_id')
    .select(['m.ars', 'm.wave_id', 'w.name'])
    .where('m.solution_id', '=', wave.solution_id)
    .where('m.open', '=', true)
    .where('m.ars', 'in', arsList)
    .execute();
  const openWaveOf = new Map(current.map((row) => [row.ars, row]));
  const elsewhere = current.filter((row) => row.wave_id !== wave.id);
  if (elsewhere.length && !input.verschieben) {
    throw new ConflictError(
      `${elsewhere.length} der Behörden sind schon in einer anderen geplanten Welle. Mit „verschieben: true“ wechseln sie in diese Welle.`,
      { conflicts: elsewhere.map((row) => ({ ars: row.ars, waveId: row.wave_id, waveName: row.name })) },
    );
  }
  if (elsewhere.length) {
    await trx
      .deleteFrom('wave_member')
      .where('solution_id', '=', wave.solution_id)
      .where('open', '=', true)
      .where('wave_id', '<>', wave.id)
      .where(
        'ars',
        'in',
        elsewhere.map((row) => row.ars),
      )
      .execute();
  }
  const toAdd = members.filter((member) => openWaveOf.get(member.ars)?.wave_id !== wave.id);
  const at = who.now;
  for (let offset = 0; offset < toAdd.length; offset += 1000) {
    const batch = toAdd.slice(offset, offset + 1000);
    await trx
      .insertInto('wave_member')
      .values(batch.map((member) => ({ wave_id: wave.id, solution_id: wave.solution_id, ars: member.ars, added_by: who.actor, added_at: at })))
      .execute();
    await recordChanges(
      trx,
      batch.map((member) => {
        const from = openWaveOf.get(member.ars);
        return {
          solutionId: wave.solution_id,
          ars: member.ars,
          stage: member.stage,
          machineVersion: member.machine_version,
          eventType: 'WELLE_ZUGEORDNET',
          event: { waveId: wave.id, wave: wave.name, ...(from ? { vonWelle: { id: from.wave_id, name: from.name } } : {}) },
          actor: who.actor,
          at,
        };
      }),
    );
  }
  return { added: toAdd.length - elsewhere.length, moved: elsewhere.length, unchanged: members.length - toAdd.length };
}

async function memberCount(db: Db | Trx, waveId: string): Promise<number> {
  const row = await db.selectFrom('wave_member').select(sql<number>`count(*)::int`.as('n')).where('wave_id', '=', waveId).executeTakeFirstOrThrow();
  return row.n;
}

/** Translates a lost race on one of the uniqueness rules into the 409 the check before it would have given. */
async function withUniqueRules<T>(work: () => Promise<T>, conflict: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(conflict);
    throw error;
  }
}

/** `idempotencyKey`: a form sent twice plans one wave – the second answers the first's (its WELLE_GEPLANT row carries the key). */
export async function createWave(db: Db, solutionId: string, input: CreateWaveInput, who: WaveActor, options: { idempotencyKey?: string } = {}) {
  const name = input.name.trim();
  return withUniqueRules(
    () =>
      db.transaction().execute(async (trx) => {
        const solution = await loadAccessibleSolution(trx, who.principal, solutionId);
        const earlier = options.idempotencyKey ? await changeWithKey(trx, options.idempotencyKey) : null;
        if (earlier) {
          const wave = await loadWave(trx, solutionId, String(earlier.waveId));
          return { ...toWaveView(wave, await memberCount(trx, wave.id)), added: 0, moved: 0, unchanged: 0 };
        }
        assertSolutionOpen(solution.stage);
        const started = ((solution.snapshot as { context?: { waves?: { label: string }[] } }).context?.waves ?? []).some((w) => w.label === name);
        const sameName = await trx.selectFrom('wave').select('id').where('solution_id', '=', solutionId).where('name', '=', name).executeTakeFirst();
        if (started || sameName) throw new ConflictError(`Eine Welle „${name}“ gibt es bei dieser Lösung schon; der Name muss sie eindeutig bezeichnen.`);
        const wave = await trx
          .insertInto('wave')
          .values({
            id: randomUUID(),
            solution_id: solutionId,
            name,
            target_date: input.targetDate ?? null,
            frist_tage: input.fristTage ?? null,
            created_by: who.actor,
            created_at: who.now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const members = await selectMembers(trx, solutionId, input, '/body');
        const assigned = await assignMembers(trx, wave, members, input, who);
        await recordChange(trx, {
          solutionId,
          ars: null,
          stage: solution.stage,
          machineVersion: SOLUTION_MACHINE_VERSION,
          eventType: 'WELLE_GEPLANT',
          event: { waveId: wave.id, name, targetDate: wave.target_date, fristTage: wave.frist_tage, members: members.length },
          actor: who.actor,
          at: who.now,
          ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
        });
        return { ...toWaveView(wave, members.length), ...assigned };
      }),
    'Name oder Mitgliedschaft kollidiert mit einer gleichzeitigen Änderung; bitte erneut versuchen.',
  );
}

export async function addWaveMembers(db: Db, solutionId: string, waveId: string, input: WaveMembersInput, who: WaveActor) {
  return withUniqueRules(
    () =>
      db.transaction().execute(async (trx) => {
        await loadAccessibleSolution(trx, who.principal, solutionId);
        const wave = await loadWave(trx, solutionId, waveId, true);
        assertPlanned(wave);
        if (!input.authorities && !input.filter) {
          throw new InvalidInputError('Wen die Welle aufnehmen soll, fehlt', [{ field: '/body/authorities', message: 'authorities oder filter angeben' }]);
        }
        const members = await selectMembers(trx, solutionId, input, '/body');
        const assigned = await assignMembers(trx, wave, members, input, who);
        return { ...toWaveView(wave, await memberCount(trx, wave.id)), ...assigned };
      }),
    'Eine der Behörden wurde gleichzeitig einer anderen Welle zugeordnet; bitte erneut versuchen.',
  );
}

export async function removeWaveMember(db: Db, solutionId: string, waveId: string, ars: string, who: WaveActor) {
  return db.transaction().execute(async (trx) => {
    await loadAccessibleSolution(trx, who.principal, solutionId);
    const wave = await loadWave(trx, solutionId, waveId, true);
    assertPlanned(wave);
    const removed = await trx.deleteFrom('wave_member').where('wave_id', '=', waveId).where('ars', '=', ars).returning('ars').executeTakeFirst();
    if (!removed) throw new NotFoundError(`Behörde ${ars} ist nicht in der Welle „${wave.name}“`);
    const participant = await trx
      .selectFrom('participant')
      .select(['stage', 'machine_version'])
      .where('solution_id', '=', solutionId)
      .where('ars', '=', ars)
      .executeTakeFirstOrThrow();
    await recordChange(trx, {
      solutionId,
      ars,
      stage: participant.stage,
      machineVersion: participant.machine_version,
      eventType: 'WELLE_ENTFERNT',
      event: { waveId, wave: wave.name },
      actor: who.actor,
      at: who.now,
    });
    return toWaveView(wave, await memberCount(trx, wave.id));
  });
}

export async function listWaves(db: Db, principal: Principal, solutionId: string) {
  await loadAccessibleSolution(db, principal, solutionId);
  const waves = await db.selectFrom('wave').selectAll().where('solution_id', '=', solutionId).orderBy('created_at').orderBy('name').execute();
  const counts = await db
    .selectFrom('wave_member')
    .select(['wave_id', sql<number>`count(*)::int`.as('n')])
    .where('solution_id', '=', solutionId)
    .groupBy('wave_id')
    .execute();
  const countOf = new Map(counts.map((row) => [row.wave_id, row.n]));
  return { items: waves.map((wave) => toWaveView(wave, countOf.get(wave.id) ?? 0)) };
}

export async function getWave(db: Db, principal: Principal, solutionId: string, waveId: string) {
  await loadAccessibleSolution(db, principal, solutionId);
  const wave = await loadWave(db, solutionId, waveId);
  const members = await db
    .selectFrom('wave_member as m')
    .innerJoin('participant as p', (join) => join.onRef('p.solution_id', '=', 'm.solution_id').onRef('p.ars', '=', 'm.ars'))
    .innerJoin('authority as a', 'a.ars', 'm.ars')
    .select(['m.ars', 'a.name', 'a.kind', 'a.kreis_ars', 'p.stage', 'm.added_at', 'm.added_by'])
    .where('m.wave_id', '=', waveId)
    .orderBy('a.name')
    .orderBy('m.ars')
    .execute();
  return {
    ...toWaveView(wave, members.length),
    members: members.map((m) => ({
      ars: m.ars,
      name: m.name,
      kind: m.kind,
      kreisArs: m.kreis_ars,
      stage: m.stage,
      addedBy: m.added_by,
      addedAt: m.added_at.toISOString(),
    })),
  };
}

/** Participants in no wave (planned or started) that still have a way to go. */
export async function listUnplannedParticipants(db: Db, principal: Principal, solutionId: string, page: { limit: number; offset: number }) {
  await loadAccessibleSolution(db, principal, solutionId);
  const query = db
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .where('p.solution_id', '=', solutionId)
    .where('p.stage', 'not in', [...PARTICIPANT_DONE_STAGES])
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('wave_member as m').select('m.ars').whereRef('m.solution_id', '=', 'p.solution_id').whereRef('m.ars', '=', 'p.ars'))),
    );
  const { rows, total } = await pageWithTotal(
    query,
    (filtered) => filtered.select(['p.ars', 'a.name', 'a.kind', 'a.kreis_ars', 'p.stage']).orderBy('a.name').orderBy('p.ars'),
    page,
  );
  return { total, items: rows.map((r) => ({ ars: r.ars, name: r.name, kind: r.kind, kreisArs: r.kreis_ars, stage: r.stage })) };
}

export interface StartWaveDeps {
  engine: EngineDeps;
  settings: MailingSettings;
}

export interface StartWaveInput {
  fristTage?: number;
  /** Send the Rollout-Einladung mailing to the members (default true). */
  einladungMailen?: boolean;
}

/**
 * Starts a planned wave: WELLE_STARTEN with the wave's name and members (the engine's
 * gates apply: the solution must be in rollout), the wave marked started and its
 * memberships closed, and – unless switched off – the Rollout-Einladung mailing to the
 * members with the answer deadline, all in one transaction: a refused start or a
 * mailing that cannot go out (no contact person) leaves nothing behind. The invitations
 * themselves (EINLADEN per member, with fristTage) run after commit as the engine's
 * effect.inviteWave job.
 */
export async function startWave(deps: StartWaveDeps, solutionId: string, waveId: string, input: StartWaveInput, who: WaveActor) {
  const { engine } = deps;
  return inOneTransaction(engine, async (trx) => {
    await loadAccessibleSolution(trx, who.principal, solutionId);
    const wave = await loadWave(trx, solutionId, waveId, true);
    assertPlanned(wave);
    const planned = await trx
      .selectFrom('wave_member as m')
      .innerJoin('participant as p', (join) => join.onRef('p.solution_id', '=', 'm.solution_id').onRef('p.ars', '=', 'm.ars'))
      .select(['m.ars', 'p.stage'])
      .where('m.wave_id', '=', waveId)
      .where('m.open', '=', true)
      .orderBy('m.ars')
      .execute();
    if (planned.length === 0) throw new ConflictError(`Die Welle „${wave.name}“ hat keine Mitglieder.`, { waveState: wave.state });
    // A member excluded (or otherwise moved on) since it was planned is neither invited nor
    // mailed: the invitation would ask it for readiness it could not report.
    const members = planned.filter((member) => INVITABLE_STAGES.includes(member.stage)).map((member) => member.ars);
    const notInvited = planned.filter((member) => !INVITABLE_STAGES.includes(member.stage)).map(({ ars, stage }) => ({ ars, stage }));
    if (members.length === 0) {
      throw new ConflictError(
        `Kein Mitglied der Welle „${wave.name}“ ist mehr in einem Stadium, in dem eine Welle einlädt (${INVITABLE_STAGES.join(', ')}).`,
        { waveState: wave.state, notInvited },
      );
    }
    const fristTage = input.fristTage ?? wave.frist_tage ?? DEFAULT_FRIST_TAGE;
    const result = await sendSolutionEvent(
      engine,
      {
        solutionId,
        event: { type: 'WELLE_STARTEN', label: wave.name, authorities: members, fristTage },
        actor: who.actor,
        origin: 'client',
        ministryScope: who.principal.role === 'ministry' ? who.principal.ministry : null,
      },
      { trx },
    );
    const applied = eventOutcomeForCaller(result, who.principal.role, 'solution');
    const started = await trx
      .updateTable('wave')
      .set({ state: 'started', started_by: who.actor, started_at: who.now, frist_tage: fristTage })
      .where('id', '=', waveId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx.updateTable('wave_member').set({ open: false }).where('wave_id', '=', waveId).execute();
    const deadline = addCalendarDays(berlinDate(who.now), fristTage);
    let mailing: { mailingId: string; messages: number; withoutAddress: string[] } | null = null;
    if (input.einladungMailen !== false) {
      const invited = await authoritiesMailed(trx, solutionId, 'rollout-einladung');
      const mailedBefore = members.some((ars) => invited.has(ars));
      mailing = await createMailingInTransaction(
        trx,
        deps.settings,
        who.principal,
        solutionId,
        // a member invited before (an earlier wave it declined) gets this wave's invitation too
        { kind: 'rollout-einladung', filter: { authorities: members }, deadline, mitWellenstart: true, ...(mailedBefore ? { erneut: true } : {}) },
        who.actor,
        who.now,
      );
    }
    return { wave: toWaveView(started, planned.length), historyId: applied.historyId, deadline, mailing, notInvited };
  });
}
