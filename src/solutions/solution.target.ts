import { sql } from 'kysely';
import type { AnyMachineSnapshot } from 'xstate';
import { toJson } from '../db/schema.ts';
import {
  clientAllowedEvents,
  PARTICIPANT_DONE_STAGES,
  PARTICIPANT_LINKED_STAGES,
  SOLUTION_FINAL_STAGES,
  SOLUTION_MACHINE_VERSION,
  SOLUTION_SYSTEM_EVENTS,
  solutionMachine,
  solutionStage,
  type SolutionContext,
  type SolutionFacts,
} from '../../workflows/index.ts';
import { cancelJobs, resumeWaitingJobs } from '../engine/job.queue.ts';
import { chooseEvents, type EventChoice } from '../engine/event-choice.ts';
import { notFound, outOfScope, refusedInStage, sendEvent, type EngineDeps, type EventOptions, type EventResult, type EventSender, type Refusal, type WorkflowEvent } from '../engine/workflow.engine.ts';
import type { Db, TargetDefinition, Trx } from '../engine/workflow.types.ts';
import { SOLUTION_EVENT_SCHEMAS } from './event.schemas.ts';
import { solutionBlocker } from './event-choice.ts';
import { explainRolloutRefusal } from './refusal.explain.ts';

/**
 * The solution as a durable machine of the engine: its row, the participant counts its
 * guards decide on, what its stage changes mean for queued jobs.
 */

export const SOLUTION_TARGET = 'solution';
export interface SolutionRef {
  solutionId: string;
}

/**
 * Classes of job kinds the rollout's stage changes treat alike; the features that own the
 * kinds put them in (WorkflowRegistration.classifyJobKinds).
 */
export const ROLLOUT_JOB_CLASS = {
  /** Left alone when the rollout ends (mail deliveries decide for themselves; a ticket's notices still go out). */
  outlivesRollout: 'rollout.outlives-the-end',
  /** Cancelled when a participant is done: they remind an authority or escalate its silence. */
  remindsAuthority: 'rollout.reminds-the-authority',
} as const;

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

/** The same facts from a solution's participants counted per stage (a view that has these counts needs no query more). */
export function solutionFactsFromCounts(byStage: Readonly<Record<string, number>>): SolutionFacts {
  const sum = (stages: readonly string[]) => stages.reduce((total, stage) => total + (byStage[stage] ?? 0), 0);
  const total = Object.values(byStage).reduce((a, b) => a + b, 0);
  return { pilotsLive: byStage['pilot-live'] ?? 0, participantsTotal: total, participantsOpen: total - sum(PARTICIPANT_DONE_STAGES) };
}

/**
 * A solution's allowedEvents and blockedEvents for its view (event-choice.ts), decided on
 * what the engine would see for the event, with the facts of its participants' counts.
 */
export function solutionEventChoice(snapshot: AnyMachineSnapshot, facts: SolutionFacts): EventChoice {
  return chooseEvents(clientAllowedEvents(solutionMachine, snapshot, SOLUTION_SYSTEM_EVENTS), solutionBlocker(snapshot.context as SolutionContext, facts));
}

/**
 * Whether the solution is paused – the job worker asks it when an effect waits for
 * FORTSETZEN (JobWorkerOptions.isSolutionPaused). FOR SHARE: the answer holds until the
 * parking transaction commits, so a concurrent FORTSETZEN either comes after it (and wakes
 * the parked job) or before it (and the job is due at once).
 */
export async function isSolutionPaused(trx: Trx, solutionId: string): Promise<boolean> {
  const solution = await trx.selectFrom('solution').select('stage').where('id', '=', solutionId).forShare().executeTakeFirst();
  return solution?.stage === 'pausiert';
}

export const solutionNotFound = (solutionId: string) => notFound(`EfA-Lösung ${solutionId} gibt es nicht`);

/** `fieldOf`: where the event names the ARS of position `index` (default: its `authorities` list). */
async function unknownParticipants(
  trx: Trx,
  solutionId: string,
  arsList: string[],
  fieldOf: (index: number) => string = (index) => `/event/authorities/${index}`,
): Promise<Refusal | null> {
  const found = await trx
    .selectFrom('participant')
    .select('ars')
    .where('solution_id', '=', solutionId)
    .where('ars', 'in', arsList)
    .execute();
  const known = new Set(found.map((row) => row.ars));
  const unknown = arsList.map((ars, index) => ({ ars, index })).filter(({ ars }) => !known.has(ars));
  if (unknown.length === 0) return null;
  return {
    kind: 'invalid',
    reason: `${unknown.length} der Behörden sind nicht Teilnehmende dieser Lösung`,
    errors: unknown.map(({ ars, index }) => ({ field: fieldOf(index), message: `${ars} ist nicht Teilnehmerin` })),
  };
}

export const solutionTarget: TargetDefinition<SolutionRef> = {
  name: SOLUTION_TARGET,
  machines: { [SOLUTION_MACHINE_VERSION]: solutionMachine },
  events: SOLUTION_EVENT_SCHEMAS,
  systemEvents: SOLUTION_SYSTEM_EVENTS,
  stageOf: (snapshot) => solutionStage(snapshot as never),
  explainRefusal: explainRolloutRefusal,
  // a job without an authority is the solution's own
  refOfJob: (scope) => (scope.ars === null && !scope.ticketId ? { solutionId: scope.solutionId } : null),
  open({ workflows, restore }, { solutionId }, sender) {
    let facts: SolutionFacts | undefined;
    return {
      key: `solution:${solutionId}`,
      scope: { solutionId, ars: null },
      async load(trx) {
        const row = await trx
          .selectFrom('solution')
          .select(['snapshot', 'machine_version', 'revision', 'stage', 'lead_ministry'])
          .where('id', '=', solutionId)
          .forUpdate()
          .executeTakeFirst();
        if (!row || outOfScope(sender, row.lead_ministry)) return solutionNotFound(solutionId);
        return restore(row, `Lösung ${solutionId}`);
      },
      notAllowed(instance, choice, eventType) {
        if (instance.stage === 'pausiert' || (SOLUTION_FINAL_STAGES as readonly string[]).includes(instance.stage)) {
          return {
            kind: 'solution-inactive',
            solutionStage: instance.stage,
            resumes: instance.stage === 'pausiert',
            ...choice,
            reason:
              instance.stage === 'pausiert'
                ? `Die Lösung ist pausiert; ${eventType} ist erst nach FORTSETZEN möglich.`
                : `Die Lösung ist ${instance.stage}; es ist nichts mehr möglich.`,
          };
        }
        return refusedInStage(eventType, instance.stage, choice);
      },
      async enrich(trx, event) {
        if (event.type === 'WELLE_STARTEN') {
          const unknown = await unknownParticipants(trx, solutionId, event.authorities as string[]);
          if (unknown) return unknown;
        }
        if (event.type === 'LESSONS_LEARNED_ERFASSEN' && typeof event.pilotArs === 'string') {
          const unknown = await unknownParticipants(trx, solutionId, [event.pilotArs], () => '/event/pilotArs');
          if (unknown) return unknown;
        }
        facts ??= await computeSolutionFacts(trx, solutionId);
        return { ...event, facts };
      },
      blockedBy: (instance, event) => solutionBlocker(instance.snapshot.context as SolutionContext, event.facts as SolutionFacts)(event.type),
      async blockerFor(trx, snapshot) {
        // A solution event leaves the participants as they were: the facts of its enrichment still hold.
        facts ??= await computeSolutionFacts(trx, solutionId);
        return solutionBlocker(snapshot.context as SolutionContext, facts);
      },
      save: (trx, next) =>
        trx
          .updateTable('solution')
          .set({
            snapshot: toJson(next.snapshot),
            stage: next.stage,
            state_value: toJson(next.stateValue),
            revision: next.revision,
            updated_at: next.at,
          })
          .where('id', '=', solutionId),
      async afterStageChange(trx, { fromStage, stage, at }) {
        if ((SOLUTION_FINAL_STAGES as readonly string[]).includes(stage)) {
          // The rollout has ended: no timer, reminder or escalation of it may fire any more.
          const kept = workflows.jobKinds(ROLLOUT_JOB_CLASS.outlivesRollout);
          await cancelJobs(trx, { solutionId, ...(kept.length ? { exceptKinds: kept } : {}) }, at);
        } else if (fromStage === 'pausiert' && stage !== 'pausiert') {
          // Effects that met the paused solution waited for this moment.
          await resumeWaitingJobs(trx, solutionId, at);
        }
      },
    };
  },
};

export function sendSolutionEvent(
  deps: EngineDeps,
  input: { solutionId: string; event: WorkflowEvent } & EventSender,
  options: EventOptions = {},
): Promise<EventResult> {
  return sendEvent<SolutionRef>(deps, SOLUTION_TARGET, { solutionId: input.solutionId }, input.event, input, options);
}
