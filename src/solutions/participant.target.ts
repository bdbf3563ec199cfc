import type { AnyMachineSnapshot } from 'xstate';
import { toJson } from '../db/schema.ts';
import {
  allowedEvents,
  clientAllowedEvents,
  participantMachine,
  participantsStandStill,
  participantStage,
  PARTICIPANT_FINAL_STAGES,
  PARTICIPANT_MACHINE_VERSION,
  PARTICIPANT_SYSTEM_EVENTS,
  PARTICIPANTS_MOVING_STAGES,
  restoreSnapshot,
  type ParticipantContext,
} from '../../workflows/index.ts';
import { cancelJobs } from '../engine/job.queue.ts';
import { chooseEvents, NO_CHOICE, type EventChoice } from '../engine/event-choice.ts';
import { notFound, outOfScope, refusedInStage, sendEvent, sendEventToMany, type EngineDeps, type ManyOptions, type EventOptions, type EventResult, type EventSender, type Refusal, type WorkflowEvent } from '../engine/workflow.engine.ts';
import type { Db, InstanceHandle, TargetContext, TargetDefinition, Trx, WorkflowRegistry } from '../engine/workflow.types.ts';
import { PARTICIPANT_EVENT_SCHEMAS } from './event.schemas.ts';
import { participantPayloadRules } from './event-payload.rules.ts';
import { participantBlocker, participantContextBlocker } from './event-choice.ts';
import { explainRolloutRefusal } from './refusal.explain.ts';
import { ROLLOUT_JOB_CLASS, solutionNotFound } from './solution.target.ts';

/**
 * An authority's participation in a solution as a durable machine of the engine. It moves
 * only while its solution is active; other features add preconditions to its events (open
 * blocking tickets, the pilot's checklist) and reactions (automatic tickets) through the
 * registry under PARTICIPANT_TARGET.
 */

export const PARTICIPANT_TARGET = 'participant';
export interface ParticipantRef {
  solutionId: string;
  ars: string;
}

/**
 * A participant's allowedEvents and blockedEvents for its view: its solution's stage, its
 * context and – only where such an event is possible – what registered preconditions hold
 * back (open blocking tickets hold the go-live).
 */
export async function participantEventChoice(
  db: Db | Trx,
  workflows: WorkflowRegistry,
  input: ParticipantRef & { solutionStage: string; snapshot: AnyMachineSnapshot },
): Promise<EventChoice> {
  const types = clientAllowedEvents(participantMachine, input.snapshot, PARTICIPANT_SYSTEM_EVENTS);
  const ref: ParticipantRef = { solutionId: input.solutionId, ars: input.ars };
  const heldBack = PARTICIPANTS_MOVING_STAGES.includes(input.solutionStage) ? await workflows.heldBack(db, PARTICIPANT_TARGET, ref, types) : new Map<string, string>();
  return chooseEvents(types, participantBlocker({ solutionStage: input.solutionStage, context: input.snapshot.context as ParticipantContext, heldBack }));
}

function standingStill(solutionStage: string, choice: EventChoice): Refusal {
  return { kind: 'solution-inactive', solutionStage, resumes: solutionStage === 'pausiert', ...choice, reason: participantsStandStill(solutionStage) };
}

export const participantTarget: TargetDefinition<ParticipantRef> = {
  name: PARTICIPANT_TARGET,
  machines: { [PARTICIPANT_MACHINE_VERSION]: participantMachine },
  events: PARTICIPANT_EVENT_SCHEMAS,
  payloadRules: participantPayloadRules,
  systemEvents: PARTICIPANT_SYSTEM_EVENTS,
  stageOf: (snapshot) => participantStage(snapshot as never),
  explainRefusal: explainRolloutRefusal,
  // a job with an authority (and no ticket) is its participation's: the machine's reminders and deadlines
  refOfJob: (scope) => (scope.ars !== null && !scope.ticketId ? { solutionId: scope.solutionId, ars: scope.ars } : null),
  open: (context, ref, sender) =>
    openParticipant(context, ref, sender, (trx) =>
      lockedRows(trx)
        .where('s.id', '=', ref.solutionId)
        .where('p.ars', '=', ref.ars)
        .executeTakeFirst(),
    ),
  openMany(context, refs, sender) {
    let chunk: Promise<Map<string, LockedRow>> | undefined;
    // The first load locks the whole chunk, ordered by solution and ARS.
    const lockAll = (trx: Trx) =>
      (chunk ??= lockedRows(trx)
        .where((eb) =>
          eb.or(
            [...Map.groupBy(refs, (ref) => ref.solutionId)].map(([solutionId, group]) =>
              eb.and([eb('s.id', '=', solutionId), eb('p.ars', 'in', group.map((ref) => ref.ars))]),
            ),
          ),
        )
        .orderBy('p.solution_id')
        .orderBy('p.ars')
        .execute()
        .then((rows) => new Map(rows.map((row) => [`${row.solution_id}:${row.ars}`, row]))));
    return refs.map((ref) => openParticipant(context, ref, sender, async (trx) => (await lockAll(trx)).get(`${ref.solutionId}:${ref.ars}`)));
  },
};

/**
 * Participants with their solution, both locked, the solution's first (FOR KEY SHARE OF s
 * is the first locking clause): participants may move together, but not while the
 * solution itself changes stage (its events take FOR UPDATE, e.g. to complete on the
 * participants' counts); KEY SHARE is the lightest lock that still conflicts with it.
 */
function lockedRows(trx: Trx) {
  return trx
    .selectFrom('solution as s')
    .innerJoin('participant as p', 'p.solution_id', 's.id')
    .select(['s.stage as solution_stage', 's.lead_ministry', 'p.solution_id', 'p.ars', 'p.snapshot', 'p.machine_version', 'p.revision', 'p.stage'])
    .forKeyShare('s')
    .forUpdate('p');
}
type LockedRow = Awaited<ReturnType<ReturnType<typeof lockedRows>['executeTakeFirstOrThrow']>>;

function openParticipant(
  { workflows, restore }: TargetContext,
  { solutionId, ars }: ParticipantRef,
  sender: EventSender,
  lockRow: (trx: Trx) => Promise<LockedRow | undefined>,
): InstanceHandle {
  const ref: ParticipantRef = { solutionId, ars };
  let solutionStageSeen: string | undefined;
  return {
    key: `participant:${solutionId}:${ars}`,
    scope: { solutionId, ars },
    async load(trx) {
      const row = await lockRow(trx);
      if (!row) {
        // Which of the two is missing: the words differ, and a foreign solution stays unnamed.
        const solution = await trx.selectFrom('solution').select(['stage', 'lead_ministry']).where('id', '=', solutionId).forKeyShare().executeTakeFirst();
        if (!solution || outOfScope(sender, solution.lead_ministry)) return solutionNotFound(solutionId);
        if (!PARTICIPANTS_MOVING_STAGES.includes(solution.stage)) return standingStill(solution.stage, NO_CHOICE);
        return notFound(`Behörde ${ars} ist nicht Teilnehmerin der Lösung ${solutionId}`);
      }
      if (outOfScope(sender, row.lead_ministry)) return solutionNotFound(solutionId);
      solutionStageSeen = row.solution_stage;
      if (!PARTICIPANTS_MOVING_STAGES.includes(row.solution_stage)) {
        // Every event of the participant's stage is held back, for the same reason.
        const snapshot = restoreSnapshot(participantMachine, row.snapshot);
        return standingStill(row.solution_stage, await participantEventChoice(trx, workflows, { ...ref, solutionStage: row.solution_stage, snapshot }));
      }
      return restore(row, `Teilnahme ${ars}`);
    },
    notAllowed: (instance, choice, eventType) => refusedInStage(eventType, instance.stage, choice),
    enrich: async (_trx, event) => event,
    // The solution is active (load) and the database's conditions are preconditions: what is left is the context.
    blockedBy: (instance, event) => participantContextBlocker(instance.snapshot.context as ParticipantContext)(event.type),
    async blockerFor(trx, snapshot) {
      const heldBack = await workflows.heldBack(trx, PARTICIPANT_TARGET, ref, allowedEvents(snapshot.machine, snapshot));
      return participantBlocker({ solutionStage: solutionStageSeen!, context: snapshot.context as ParticipantContext, heldBack });
    },
    save: (trx, next) =>
      trx
        .updateTable('participant')
        .set({ snapshot: toJson(next.snapshot), stage: next.stage, revision: next.revision, updated_at: next.at })
        .where('solution_id', '=', solutionId)
        .where('ars', '=', ars),
    async afterStageChange(trx, { fromStage, stage, at }) {
      const final = PARTICIPANT_FINAL_STAGES as readonly string[];
      const reminders = workflows.jobKinds(ROLLOUT_JOB_CLASS.remindsAuthority);
      if (final.includes(stage) && !final.includes(fromStage) && reminders.length) {
        await cancelJobs(trx, { solutionId, ars, kinds: reminders }, at);
      }
    },
  };
}

export function sendParticipantEvent(
  deps: EngineDeps,
  input: { solutionId: string; ars: string; event: WorkflowEvent } & EventSender,
  options: EventOptions = {},
): Promise<EventResult> {
  return sendEvent<ParticipantRef>(deps, PARTICIPANT_TARGET, { solutionId: input.solutionId, ars: input.ars }, input.event, input, options);
}

/**
 * One event to many participants (sendEventToMany): the results in the order of
 * `participants`, the same as one sendParticipantEvent each, written a chunk at a time.
 */
export function sendParticipantEventToMany(
  deps: EngineDeps,
  input: { participants: readonly ParticipantRef[]; event: WorkflowEvent } & EventSender,
  options: ManyOptions<ParticipantRef> = {},
): Promise<EventResult[]> {
  return sendEventToMany<ParticipantRef>(deps, PARTICIPANT_TARGET, input.participants, input.event, input, options);
}
