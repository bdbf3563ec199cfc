import { transition, type AnyStateMachine } from 'xstate';
import { sql, type Kysely, type Transaction } from 'kysely';
import { toJson, type Database } from '../db/schema.ts';
import { ConflictProblem, NotFoundProblem, ValidationProblem } from '../http/problem.ts';
import {
  allowedEvents,
  participantMachine,
  participantStage,
  PARTICIPANT_DONE_STAGES,
  PARTICIPANT_LINKED_STAGES,
  PARTICIPANT_MACHINE_VERSION,
  restoreSnapshot,
  solutionMachine,
  solutionStage,
  SOLUTION_MACHINE_VERSION,
} from '../../workflows/index.ts';
import { cancelPendingJobs, enqueueJob } from './job.queue.ts';
import { validateEventPayload } from './event-payload.validate.ts';
import { explainRefusal } from './refusal.explain.ts';

/**
 * The only runtime user of XState. Applies one event to one persisted machine in
 * one transaction: lock the row, check the event is allowed, compute the pure
 * transition, save snapshot + history + the jobs for its effects and timers. The
 * effects run after commit, from the job table (job.queue.ts).
 */

type Db = Kysely<Database>;
type Trx = Transaction<Database>;

export interface EngineDeps {
  db: Db;
  now: () => Date;
  /** Called after a commit that enqueued jobs, to wake the local worker. */
  onJobsEnqueued?: () => void;
}

export type WorkflowEvent = { type: string } & Record<string, unknown>;

export interface EventOutcome {
  fromStage: string;
  stage: string;
  revision: number;
  context: unknown;
  allowedEvents: string[];
  historyId: number;
}

/** Machine definitions by version: an instance keeps running on the version it started with. */
const SOLUTION_MACHINES: Record<number, AnyStateMachine> = { [SOLUTION_MACHINE_VERSION]: solutionMachine };
const PARTICIPANT_MACHINES: Record<number, AnyStateMachine> = { [PARTICIPANT_MACHINE_VERSION]: participantMachine };

/** Solution stages in which participants move. */
const ACTIVE_SOLUTION_STAGES = ['erstinformation', 'pilotphase', 'rollout'];

/** A persisted row brought back to life on the machine version it started with. */
function restoreInstance(
  registry: Record<number, AnyStateMachine>,
  row: { snapshot: unknown; machine_version: number; revision: number; stage: string },
  what: string,
): LoadedInstance {
  const machine = registry[row.machine_version];
  if (!machine) throw new Error(`${what}: Maschinenversion ${row.machine_version} ist nicht mehr vorhanden`);
  return {
    machine,
    snapshot: restoreSnapshot(machine, row.snapshot),
    stage: row.stage,
    revision: row.revision,
    machineVersion: row.machine_version,
  };
}

/** Participant counts that the solution machine's guards decide on; computed, never taken from the client. */
export async function computeSolutionFacts(db: Db | Trx, solutionId: string) {
  const row = await db
    .selectFrom('participant')
    .select([
      sql<number>`count(*)::int`.as('total'),
      sql<number>`count(*) filter (where stage = 'pilot-live')::int`.as('pilotsLive'),
      sql<number>`count(*) filter (where stage in (${sql.join(PARTICIPANT_LINKED_STAGES)}))::int`.as('linked'),
      sql<number>`count(*) filter (where stage not in (${sql.join(PARTICIPANT_DONE_STAGES)}))::int`.as('open'),
    ])
    .where('solution_id', '=', solutionId)
    .executeTakeFirstOrThrow();
  return { pilotsLive: row.pilotsLive, participantsTotal: row.total, participantsLinked: row.linked, participantsOpen: row.open };
}

interface LoadedInstance {
  machine: AnyStateMachine;
  snapshot: ReturnType<typeof restoreSnapshot>;
  stage: string;
  revision: number;
  machineVersion: number;
}

interface Target {
  /** Key used for job idempotency keys and timer cancellation. */
  key: string;
  solutionId: string;
  ars: string | null;
  stageOf(snapshot: unknown): string;
  load(trx: Trx): Promise<LoadedInstance>;
  enrich(trx: Trx, event: WorkflowEvent): Promise<WorkflowEvent>;
  save(trx: Trx, next: { snapshot: unknown; stage: string; stateValue: unknown; revision: number }): Promise<void>;
}

/** Who sends: an actor for the history, and for ministry tokens the ministry whose solutions it may change. */
export interface EventSender {
  actor: string;
  /** Set for ministry tokens: other ministries' solutions are reported as not found. */
  ministryScope?: string | null;
}

function assertInScope(sender: EventSender, solutionId: string, leadMinistry: string): void {
  if (sender.ministryScope && sender.ministryScope !== leadMinistry) {
    throw new NotFoundProblem(`EfA-Lösung ${solutionId} gibt es nicht`);
  }
}

export async function sendSolutionEvent(
  deps: EngineDeps,
  input: { solutionId: string; event: WorkflowEvent } & EventSender,
): Promise<EventOutcome> {
  const { solutionId } = input;
  const target: Target = {
    key: `solution:${solutionId}`,
    solutionId,
    ars: null,
    stageOf: (snapshot) => solutionStage(snapshot as never),
    async load(trx) {
      const row = await trx
        .selectFrom('solution')
        .select(['snapshot', 'machine_version', 'revision', 'stage', 'lead_ministry'])
        .where('id', '=', solutionId)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new NotFoundProblem(`EfA-Lösung ${solutionId} gibt es nicht`);
      assertInScope(input, solutionId, row.lead_ministry);
      return restoreInstance(SOLUTION_MACHINES, row, `Lösung ${solutionId}`);
    },
    async enrich(trx, event) {
      if (event.type === 'WELLE_STARTEN') await assertParticipants(trx, solutionId, event.authorities as string[]);
      return { ...event, facts: await computeSolutionFacts(trx, solutionId) };
    },
    async save(trx, next) {
      await trx
        .updateTable('solution')
        .set({
          snapshot: toJson(next.snapshot),
          stage: next.stage,
          state_value: toJson(next.stateValue),
          revision: next.revision,
          updated_at: deps.now(),
        })
        .where('id', '=', solutionId)
        .execute();
    },
  };
  return applyEvent(deps, target, input.event, input.actor);
}

export async function sendParticipantEvent(
  deps: EngineDeps,
  input: { solutionId: string; ars: string; event: WorkflowEvent } & EventSender,
): Promise<EventOutcome> {
  const { solutionId, ars } = input;
  const target: Target = {
    key: `participant:${solutionId}:${ars}`,
    solutionId,
    ars,
    stageOf: (snapshot) => participantStage(snapshot as never),
    async load(trx) {
      // A key-share lock on the solution: participants may move together, but not
      // while the solution itself changes stage (its events take FOR UPDATE, e.g. to
      // complete on the participants' counts). KEY SHARE is the lightest lock that
      // still conflicts with FOR UPDATE.
      const solution = await trx
        .selectFrom('solution')
        .select(['stage', 'lead_ministry'])
        .where('id', '=', solutionId)
        .forKeyShare()
        .executeTakeFirst();
      if (!solution) throw new NotFoundProblem(`EfA-Lösung ${solutionId} gibt es nicht`);
      assertInScope(input, solutionId, solution.lead_ministry);
      if (!ACTIVE_SOLUTION_STAGES.includes(solution.stage)) {
        throw new ConflictProblem(
          `Die Lösung ist im Stadium „${solution.stage}“; Teilnehmende bewegen sich nur in den Stadien ${ACTIVE_SOLUTION_STAGES.join(', ')}.`,
          { solutionStage: solution.stage },
        );
      }
      const row = await trx
        .selectFrom('participant')
        .select(['snapshot', 'machine_version', 'revision', 'stage'])
        .where('solution_id', '=', solutionId)
        .where('ars', '=', ars)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new NotFoundProblem(`Behörde ${ars} ist nicht Teilnehmerin der Lösung ${solutionId}`);
      return restoreInstance(PARTICIPANT_MACHINES, row, `Teilnahme ${ars}`);
    },
    enrich: async (_trx, event) => event,
    async save(trx, next) {
      await trx
        .updateTable('participant')
        .set({ snapshot: toJson(next.snapshot), stage: next.stage, revision: next.revision, updated_at: deps.now() })
        .where('solution_id', '=', solutionId)
        .where('ars', '=', ars)
        .execute();
    },
  };
  return applyEvent(deps, target, input.event, input.actor);
}

async function assertParticipants(trx: Trx, solutionId: string, arsList: string[]): Promise<void> {
  const found = await trx
    .selectFrom('participant')
    .select('ars')
    .where('solution_id', '=', solutionId)
    .where('ars', 'in', arsList)
    .execute();
  const known = new Set(found.map((row) => row.ars));
  const unknown = arsList.map((ars, index) => ({ ars, index })).filter(({ ars }) => !known.has(ars));
  if (unknown.length) {
    throw new ValidationProblem(
      `${unknown.length} der Behörden sind nicht Teilnehmende dieser Lösung`,
      unknown.map(({ ars, index }) => ({ field: `/event/authorities/${index}`, message: `${ars} ist nicht Teilnehmerin` })),
    );
  }
}

/** The state value and context only: what a refused event leaves unchanged. */
function fingerprint(snapshot: { value: unknown; context: unknown }): string {
  return JSON.stringify([snapshot.value, snapshot.context]);
}

async function applyEvent(deps: EngineDeps, target: Target, rawEvent: WorkflowEvent, actor: string): Promise<EventOutcome> {
  // Timer events (`xstate.after.*`) come only from the job that delivers a due timer.
  const isTimerEvent = typeof rawEvent.type === 'string' && rawEvent.type.startsWith('xstate.');
  if (typeof rawEvent.type !== 'string' || (isTimerEvent && actor !== 'system:timer')) {
    throw new ValidationProblem('Ereignistyp fehlt oder ist unzulässig', [{ field: '/event/type', message: 'Pflichtangabe' }]);
  }
  const payloadErrors = validateEventPayload(rawEvent);
  if (payloadErrors.length) throw new ValidationProblem(`Angaben zum Ereignis ${rawEvent.type} sind unvollständig`, payloadErrors);

  let enqueued = 0;
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const instance = await target.load(trx);
    const allowed = allowedEvents(instance.machine, instance.snapshot);
    if (!isTimerEvent && !allowed.includes(rawEvent.type)) {
      throw new ConflictProblem(
        `Ereignis ${rawEvent.type} ist im Stadium „${instance.stage}“ nicht möglich.`,
        { stage: instance.stage, allowedEvents: allowed },
      );
    }
    const at = deps.now();
    const event = await target.enrich(trx, { ...rawEvent, at: at.toISOString() });
    const [next, actions] = transition(instance.machine, instance.snapshot, event as never);
    if (actions.length === 0 && fingerprint(next) === fingerprint(instance.snapshot)) {
      throw new ConflictProblem(explainRefusal(event), {
        stage: instance.stage,
        allowedEvents: allowed,
        ...(event.facts ? { facts: event.facts } : {}),
      });
    }

    const revision = instance.revision + 1;
    const stage = target.stageOf(next);
    const persisted = JSON.parse(JSON.stringify(instance.machine.getPersistedSnapshot(next)));
    await target.save(trx, { snapshot: persisted, stage, stateValue: next.value, revision });
    const history = await trx
      .insertInto('history')
      .values({
        solution_id: target.solutionId,
        participant_ars: target.ars,
        event_type: event.type,
        event: toJson(event),
        from_stage: instance.stage,
        to_stage: stage,
        actor,
        machine_version: instance.machineVersion,
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    enqueued = await scheduleActions(trx, target, actions as unknown as MachineAction[], revision, at);
    return {
      fromStage: instance.stage,
      stage,
      revision,
      context: next.context,
      allowedEvents: allowedEvents(instance.machine, next),
      historyId: history.id,
    };
  });
  if (enqueued > 0) deps.onJobsEnqueued?.();
  return outcome;
}

interface MachineAction {
  type: string;
  params?: Record<string, unknown>;
}

/** Turns the actions of a transition into durable jobs: effects, timers, timer cancellations. */
async function scheduleActions(trx: Trx, target: Target, actions: MachineAction[], revision: number, at: Date) {
  let enqueued = 0;
  for (const [index, action] of actions.entries()) {
    const params = action.params ?? {};
    if (action.type === 'xstate.raise' && typeof params.delay === 'number') {
      await enqueueJob(trx, {
        kind: 'timer.deliverEvent',
        payload: { solutionId: target.solutionId, ars: target.ars, event: params.event as Record<string, unknown>, sendId: params.id },
        idempotencyKey: `timer:${target.key}:${String(params.id)}:r${revision}`,
        runAt: new Date(at.getTime() + params.delay),
      });
      enqueued++;
    } else if (action.type === 'xstate.cancel') {
      await cancelPendingJobs(trx, `timer:${target.key}:${String(params.sendId)}:`);
    } else if (action.type.startsWith('effect.')) {
      await enqueueJob(trx, {
        kind: action.type,
        payload: { solutionId: target.solutionId, ars: target.ars, params },
        idempotencyKey: `${action.type}:${target.key}:r${revision}:${index}`,
        runAt: at,
      });
      enqueued++;
    }
  }
  return enqueued;
}
