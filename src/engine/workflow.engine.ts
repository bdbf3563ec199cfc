import { transition, type AnyStateMachine } from 'xstate';
import { sql, type Kysely, type Transaction } from 'kysely';
import { toJson, type Database } from '../db/schema.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import {
  allowedEvents,
  clientAllowedEvents,
  participantMachine,
  participantStage,
  PARTICIPANT_DONE_STAGES,
  PARTICIPANT_FINAL_STAGES,
  PARTICIPANT_LINKED_STAGES,
  PARTICIPANT_MACHINE_VERSION,
  PARTICIPANT_SYSTEM_EVENTS,
  restoreSnapshot,
  solutionMachine,
  solutionStage,
  SOLUTION_FINAL_STAGES,
  PARTICIPANTS_MOVING_STAGES,
  participantsStandStill,
  SOLUTION_MACHINE_VERSION,
  SOLUTION_SYSTEM_EVENTS,
  TICKET_MACHINE_VERSION,
  TICKET_SYSTEM_EVENTS,
  ticketMachine,
  ticketStage,
  type ParticipantContext,
  type SolutionContext,
  type SolutionFacts,
  type TicketFacts,
} from '../../workflows/index.ts';
import { DEFAULT_TICKET_SETTINGS, reopenDeadline, slaDueTimes, type TicketSettings } from '../tickets/ticket.sla.ts';
import { workingMinutesBetween } from '../time/working-time.ts';
import { openAutomaticTickets } from '../tickets/automatic-tickets.ts';
import { replanSlaTimers } from '../tickets/sla-timers.ts';
import { enqueueTicketNotice, TICKET_NOTICE_JOB } from '../tickets/ticket-notices.ts';
import { cancelJobs, enqueueJob, resumeWaitingJobs } from './job.queue.ts';
import { validateEventPayload } from './event-payload.validate.ts';
import { explainRefusal } from './refusal.explain.ts';
import { PARTICIPANT_PRECONDITIONS } from './participant.preconditions.ts';
import {
  chooseEvents,
  GO_LIVE_EVENTS,
  NO_CHOICE,
  participantBlocker,
  participantContextBlocker,
  solutionBlocker,
  ticketBlocker,
  type Blocker,
  type EventChoice,
} from './event-choice.ts';
import { countOpenBlockingTickets } from '../tickets/blocking-tickets.gate.ts';

/**
 * The only runtime user of XState. Applies one event to one persisted machine in
 * one transaction: lock the row, check the event is allowed, compute the pure
 * transition, save snapshot + history + the jobs for its effects and timers. The
 * effects run after commit, from the job table (job.queue.ts).
 *
 * The engine answers in domain outcomes (EventResult), never in HTTP terms: routes
 * map them to status codes, effects decide whether to wait, skip or fail.
 */

type Db = Kysely<Database>;
type Trx = Transaction<Database>;

export interface EngineDeps {
  db: Db;
  now: () => Date;
  /** Called after a commit that enqueued jobs, to wake the local worker. */
  onJobsEnqueued?: () => void;
  /** Tickets: SLA office hours and reopen period (default Mo–Fr 08:00–16:00, 14 days). */
  tickets?: TicketSettings;
}

export type WorkflowEvent = { type: string } & Record<string, unknown>;

/** client: an API caller or an authority answering through its link; system: effects and timers. */
export type EventOrigin = 'client' | 'system';

/** Who sends: an actor for the history, and for ministry tokens the ministry whose solutions it may change. */
export interface EventSender {
  actor: string;
  origin: EventOrigin;
  /** Set for ministry tokens: other ministries' solutions are reported as not found. */
  ministryScope?: string | null;
}

export interface EventOptions {
  /** Run inside the caller's transaction: several events (and the caller's own writes) commit as one. */
  trx?: Trx;
  /** Effects pass one: an event applied under the same key before is reported as already applied. */
  idempotencyKey?: string;
}

export interface AppliedEvent {
  kind: 'applied';
  fromStage: string;
  stage: string;
  revision: number;
  context: unknown;
  /** What an API caller may send next (system events left out), and what the state holds back (with the reason). */
  allowedEvents: string[];
  blockedEvents: EventChoice['blockedEvents'];
  historyId: number;
  /** Jobs this event enqueued; with an outer transaction the caller wakes the worker after commit. */
  jobsEnqueued: number;
}

export type EventResult =
  | AppliedEvent
  | { kind: 'already-applied'; stage: string; historyId: number }
  /** Not possible in this stage, or a guard said no (`facts` are the counts it decided on). */
  | ({ kind: 'refused'; stage: string; reason: string; facts?: unknown } & EventChoice)
  /** Possible in the stage, but a precondition in the database is not met (participant.preconditions.ts). */
  | ({ kind: 'precondition-failed'; stage: string; reason: string; details: Record<string, unknown> } & EventChoice)
  /** The solution is paused, not started or has ended: nothing moves until it is active again. */
  | ({ kind: 'solution-inactive'; solutionStage: string; reason: string } & EventChoice)
  | { kind: 'not-found'; reason: string }
  | { kind: 'invalid'; reason: string; errors: FieldError[] }
  /** An event only the system sends, tried by a client. */
  | { kind: 'system-only'; reason: string };

type Refusal = Exclude<EventResult, AppliedEvent>;

/** A mailing's reminder to one authority (handled by the mailing module). */
export const MAILING_REMINDER_JOB = 'mailing.reminder';
/** Job kinds that remind an authority or escalate its silence: pointless once it is done. */
export const REMINDER_JOB_KINDS = [MAILING_REMINDER_JOB, 'effect.remindParticipant', 'effect.escalateParticipant'] as const;
/** Mail deliveries decide for themselves (mail.send checks whether its message is still wanted). */
// A ticket's notices still go out: the authority hears that its ticket was solved or closed.
const JOBS_KEPT_AFTER_THE_END = ['mail.send', TICKET_NOTICE_JOB];

/** Machine definitions by version: an instance keeps running on the version it started with. */
const SOLUTION_MACHINES: Record<number, AnyStateMachine> = { [SOLUTION_MACHINE_VERSION]: solutionMachine };
const PARTICIPANT_MACHINES: Record<number, AnyStateMachine> = { [PARTICIPANT_MACHINE_VERSION]: participantMachine };
const TICKET_MACHINES: Record<number, AnyStateMachine> = { [TICKET_MACHINE_VERSION]: ticketMachine };

/** Solution stages in which participants move. */

interface LoadedInstance {
  machine: AnyStateMachine;
  snapshot: ReturnType<typeof restoreSnapshot>;
  stage: string;
  revision: number;
  machineVersion: number;
}

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

/** The same facts from a solution's participants counted per stage (a view that has these counts needs no query more). */
export function solutionFactsFromCounts(byStage: Readonly<Record<string, number>>): SolutionFacts {
  const sum = (stages: readonly string[]) => stages.reduce((total, stage) => total + (byStage[stage] ?? 0), 0);
  const total = Object.values(byStage).reduce((a, b) => a + b, 0);
  return { pilotsLive: byStage['pilot-live'] ?? 0, participantsTotal: total, participantsOpen: total - sum(PARTICIPANT_DONE_STAGES) };
}

/*
 * The views' allowedEvents and blockedEvents (event-choice.ts), decided on what the engine
 * would see for the event: one call per detail view, none per row of a list.
 */

/** A solution's choice, with the facts of its participants' counts. */
export function solutionEventChoice(snapshot: LoadedInstance['snapshot'], facts: SolutionFacts): EventChoice {
  return chooseEvents(clientAllowedEvents(solutionMachine, snapshot, SOLUTION_SYSTEM_EVENTS), solutionBlocker(snapshot.context as SolutionContext, facts));
}

/** A participant's choice: its solution's stage, its context and – only where it could go live – its open blocking tickets. */
export async function participantEventChoice(
  db: Db | Trx,
  input: { solutionId: string; ars: string; solutionStage: string; snapshot: LoadedInstance['snapshot'] },
): Promise<EventChoice> {
  const types = clientAllowedEvents(participantMachine, input.snapshot, PARTICIPANT_SYSTEM_EVENTS);
  const mayGoLive = PARTICIPANTS_MOVING_STAGES.includes(input.solutionStage) && types.some((type) => GO_LIVE_EVENTS.includes(type));
  const openBlockingTickets = mayGoLive ? await countOpenBlockingTickets(db, input.solutionId, input.ars) : 0;
  return chooseEvents(types, participantBlocker({ solutionStage: input.solutionStage, context: input.snapshot.context as ParticipantContext, openBlockingTickets }));
}

/** A ticket's choice: the reopen period counts from its last solution, judged at `now`. */
export function ticketEventChoice(snapshot: LoadedInstance['snapshot'], resolvedAt: Date | null, now: Date, settings: TicketSettings): EventChoice {
  return chooseEvents(clientAllowedEvents(ticketMachine, snapshot, TICKET_SYSTEM_EVENTS), ticketBlocker(ticketFacts(resolvedAt, settings), now));
}

interface StageChange {
  fromStage: string;
  stage: string;
  at: Date;
}

interface Target {
  /** Key used for job idempotency keys and timer cancellation. */
  key: string;
  solutionId: string;
  ars: string | null;
  /** Set for a ticket: its history rows carry it. */
  ticketId?: string;
  /** Events of this machine only the system sends, with the explanation for clients. */
  systemEvents: Readonly<Record<string, string | undefined>>;
  stageOf(snapshot: unknown): string;
  load(trx: Trx): Promise<LoadedInstance | Refusal>;
  /** An event the instance does not take in its stage: refused, or the solution is not active. */
  notAllowed(instance: LoadedInstance, choice: EventChoice, eventType: string): Refusal;
  enrich(trx: Trx, event: WorkflowEvent): Promise<WorkflowEvent | Refusal>;
  /** Conditions in the database the event needs (after the row lock, before the transition); `choice` only for a refusal. */
  checkPreconditions?(trx: Trx, instance: LoadedInstance, event: WorkflowEvent, choice: () => Promise<EventChoice>): Promise<Refusal | null>;
  /**
   * Why the state or the facts hold the (enriched) event back whatever its payload – the
   * same words its listing in blockedEvents shows (event-choice.ts); null: they do not.
   */
  blockedBy(instance: LoadedInstance, event: WorkflowEvent): string | null;
  /** What holds back which event of a snapshot of this instance: for an answer's or a refusal's blockedEvents. */
  blockerFor(trx: Trx, snapshot: LoadedInstance['snapshot']): Promise<Blocker>;
  /** `at`: the event's time, the same as its history row's. */
  save(trx: Trx, next: { snapshot: unknown; stage: string; stateValue: unknown; revision: number; at: Date }): Promise<void>;
  /** What a stage change means for jobs already queued (resume, cancel reminders …). */
  afterStageChange(trx: Trx, change: StageChange): Promise<void>;
  /** Writes that belong to the applied event (automatic tickets of a readiness answer), in its transaction. */
  afterApplied?(trx: Trx, event: WorkflowEvent, at: Date): Promise<void>;
}

const notFound = (reason: string): Refusal => ({ kind: 'not-found', reason });
const solutionNotFound = (solutionId: string) => notFound(`EfA-Lösung ${solutionId} gibt es nicht`);

function outOfScope(sender: EventSender, leadMinistry: string): boolean {
  return Boolean(sender.ministryScope && sender.ministryScope !== leadMinistry);
}

function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'kind' in value && typeof (value as { kind: unknown }).kind === 'string';
}

export async function sendSolutionEvent(
  deps: EngineDeps,
  input: { solutionId: string; event: WorkflowEvent } & EventSender,
  options: EventOptions = {},
): Promise<EventResult> {
  const { solutionId } = input;
  let facts: SolutionFacts | undefined;
  const target: Target = {
    key: `solution:${solutionId}`,
    solutionId,
    ars: null,
    systemEvents: SOLUTION_SYSTEM_EVENTS,
    stageOf: (snapshot) => solutionStage(snapshot as never),
    async load(trx) {
      const row = await trx
        .selectFrom('solution')
        .select(['snapshot', 'machine_version', 'revision', 'stage', 'lead_ministry'])
        .where('id', '=', solutionId)
        .forUpdate()
        .executeTakeFirst();
      if (!row || outOfScope(input, row.lead_ministry)) return solutionNotFound(solutionId);
      return restoreInstance(SOLUTION_MACHINES, row, `Lösung ${solutionId}`);
    },
    notAllowed(instance, choice, eventType) {
      if (instance.stage === 'pausiert' || (SOLUTION_FINAL_STAGES as readonly string[]).includes(instance.stage)) {
        return {
          kind: 'solution-inactive',
          solutionStage: instance.stage,
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
    async save(trx, next) {
      await trx
        .updateTable('solution')
        .set({
          snapshot: toJson(next.snapshot),
          stage: next.stage,
          state_value: toJson(next.stateValue),
          revision: next.revision,
          updated_at: next.at,
        })
        .where('id', '=', solutionId)
        .execute();
    },
    async afterStageChange(trx, { fromStage, stage, at }) {
      if ((SOLUTION_FINAL_STAGES as readonly string[]).includes(stage)) {
        // The rollout has ended: no timer, reminder or escalation of it may fire any more.
        await cancelJobs(trx, { solutionId, exceptKinds: JOBS_KEPT_AFTER_THE_END }, at);
      } else if (fromStage === 'pausiert' && stage !== 'pausiert') {
        // Effects that met the paused solution waited for this moment.
        await resumeWaitingJobs(trx, solutionId, at);
      }
    },
  };
  return applyEvent(deps, target, input.event, input, options);
}

export async function sendParticipantEvent(
  deps: EngineDeps,
  input: { solutionId: string; ars: string; event: WorkflowEvent } & EventSender,
  options: EventOptions = {},
): Promise<EventResult> {
  const { solutionId, ars } = input;
  let solutionStageSeen: string | undefined;
  const target: Target = {
    key: `participant:${solutionId}:${ars}`,
    solutionId,
    ars,
    systemEvents: PARTICIPANT_SYSTEM_EVENTS,
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
      if (!solution || outOfScope(input, solution.lead_ministry)) return solutionNotFound(solutionId);
      solutionStageSeen = solution.stage;
      if (!PARTICIPANTS_MOVING_STAGES.includes(solution.stage)) {
        // Every event of the participant's stage is held back, for the same reason.
        const standing = await trx.selectFrom('participant').select('snapshot').where('solution_id', '=', solutionId).where('ars', '=', ars).executeTakeFirst();
        const choice = standing
          ? await participantEventChoice(trx, { solutionId, ars, solutionStage: solution.stage, snapshot: restoreSnapshot(participantMachine, standing.snapshot) })
          : NO_CHOICE;
        return { kind: 'solution-inactive', solutionStage: solution.stage, ...choice, reason: participantsStandStill(solution.stage) };
      }
      const row = await trx
        .selectFrom('participant')
        .select(['snapshot', 'machine_version', 'revision', 'stage'])
        .where('solution_id', '=', solutionId)
        .where('ars', '=', ars)
        .forUpdate()
        .executeTakeFirst();
      if (!row) return notFound(`Behörde ${ars} ist nicht Teilnehmerin der Lösung ${solutionId}`);
      return restoreInstance(PARTICIPANT_MACHINES, row, `Teilnahme ${ars}`);
    },
    notAllowed: (instance, choice, eventType) => refusedInStage(eventType, instance.stage, choice),
    enrich: async (_trx, event) => event,
    async checkPreconditions(trx, instance, event, choice) {
      const precondition = PARTICIPANT_PRECONDITIONS[event.type as keyof typeof PARTICIPANT_PRECONDITIONS];
      if (!precondition) return null;
      const refusal = await precondition(trx, { solutionId, ars, stage: instance.stage, event });
      return refusal ? { kind: 'precondition-failed', stage: instance.stage, ...(await choice()), ...refusal } : null;
    },
    // The solution is active (load) and the blocking tickets are a precondition: what is left is the context.
    blockedBy: (instance, event) => participantContextBlocker(instance.snapshot.context as ParticipantContext)(event.type),
    async blockerFor(trx, snapshot) {
      const types = allowedEvents(snapshot.machine, snapshot);
      const openBlockingTickets = types.some((type) => GO_LIVE_EVENTS.includes(type)) ? await countOpenBlockingTickets(trx, solutionId, ars) : 0;
      return participantBlocker({ solutionStage: solutionStageSeen!, context: snapshot.context as ParticipantContext, openBlockingTickets });
    },
    async save(trx, next) {
      await trx
        .updateTable('participant')
        .set({ snapshot: toJson(next.snapshot), stage: next.stage, revision: next.revision, updated_at: next.at })
        .where('solution_id', '=', solutionId)
        .where('ars', '=', ars)
        .execute();
    },
    async afterStageChange(trx, { fromStage, stage, at }) {
      const final = PARTICIPANT_FINAL_STAGES as readonly string[];
      if (final.includes(stage) && !final.includes(fromStage)) {
        await cancelJobs(trx, { solutionId, ars, kinds: REMINDER_JOB_KINDS }, at);
      }
    },
    async afterApplied(trx, event, at) {
      // "nicht bereit" for a technical reason opens a ticket of the Kaz – on every path
      // (answer page, API, bulk), in the answer's transaction.
      if (event.type === 'BEREITSCHAFT_MELDEN' && event.status === 'nicht-bereit' && Array.isArray(event.gruende)) {
        await openAutomaticTickets(trx, { solutionId, ars, gruende: event.gruende as string[], freitext: event.freitext, at }, deps.tickets ?? DEFAULT_TICKET_SETTINGS);
      }
    },
  };
  return applyEvent(deps, target, input.event, input, options);
}

/** A ticket's status event; a ministry reaches only tickets of its own solutions. */
export async function sendTicketEvent(
  deps: EngineDeps,
  input: { ticketId: string; event: WorkflowEvent } & EventSender,
  options: EventOptions = {},
): Promise<EventResult> {
  const { ticketId } = input;
  const settings = deps.tickets ?? DEFAULT_TICKET_SETTINGS;
  const ticketNotFound = () => notFound(`Ticket ${ticketId} gibt es nicht`);
  let resolvedAt: Date | null = null;
  let row: { solution_id: string; ars: string; resolved_at: Date | null; paused_since: Date | null; paused_minutes: number; first_responded_at: Date | null; created_at: Date; priority: 'kritisch' | 'hoch' | 'normal' | 'niedrig'; stage: string } | undefined;
  const target: Target = {
    key: `ticket:${ticketId}`,
    solutionId: '',
    ars: null,
    ticketId,
    systemEvents: TICKET_SYSTEM_EVENTS,
    stageOf: (snapshot) => ticketStage(snapshot as never),
    async load(trx) {
      const found = await trx
        .selectFrom('ticket as t')
        .innerJoin('solution as s', 's.id', 't.solution_id')
        .select([
          't.snapshot', 't.machine_version', 't.revision', 't.stage', 't.solution_id', 't.ars', 't.resolved_at', 't.paused_since',
          't.paused_minutes', 't.first_responded_at', 't.created_at', 't.priority', 's.lead_ministry',
        ])
        .where('t.id', '=', ticketId)
        .forUpdate('t')
        .executeTakeFirst();
      if (!found || outOfScope(input, found.lead_ministry)) return ticketNotFound();
      row = found;
      resolvedAt = found.resolved_at;
      target.solutionId = found.solution_id;
      target.ars = found.ars;
      return restoreInstance(TICKET_MACHINES, found, `Ticket ${ticketId}`);
    },
    notAllowed: (instance, choice, eventType) => refusedInStage(eventType, instance.stage, choice),
    async enrich(_trx, event) {
      if (event.type !== 'WIEDEREROEFFNEN') return event;
      return { ...event, facts: ticketFacts(row?.resolved_at ?? null, settings) };
    },
    blockedBy: (_instance, event) => ticketBlocker(event.facts as TicketFacts, new Date(String(event.at)))(event.type),
    // After a save, resolvedAt is the one it wrote (solved now, or cleared by a reopening).
    blockerFor: async () => ticketBlocker(ticketFacts(resolvedAt, settings), deps.now()),
    async save(trx, next) {
      const { at } = next;
      const current = row!;
      const sla: Record<string, unknown> = {};
      let pausedMinutes = current.paused_minutes;
      if (current.stage === 'wartet-auf-kommune' && next.stage !== 'wartet-auf-kommune' && current.paused_since) {
        // The clock stood still while the authority had the ball: the due times move on by that much working time.
        pausedMinutes += Math.round(workingMinutesBetween(current.paused_since, at, settings.officeHours));
        Object.assign(sla, { paused_since: null, paused_minutes: pausedMinutes }, slaDueTimes(current.created_at, current.priority, pausedMinutes, settings.officeHours));
      }
      if (next.stage === 'wartet-auf-kommune' && current.stage !== 'wartet-auf-kommune') sla.paused_since = at;
      if (current.stage === 'neu' && next.stage !== 'neu' && !current.first_responded_at) sla.first_responded_at = at;
      if (next.stage === 'geloest') sla.resolved_at = at;
      // Reopened: the resolution clock runs again from where it stood; the earlier solution no longer counts.
      if (next.stage === 'in-bearbeitung' && (current.stage === 'geloest' || current.stage === 'geschlossen')) sla.resolved_at = null;
      if (sla.resolved_at !== undefined) resolvedAt = sla.resolved_at as Date | null;
      // Closed without being solved first cannot happen; closing keeps resolved_at (the reopen period counts from the solution).
      await trx
        .updateTable('ticket')
        .set({ snapshot: toJson(next.snapshot), stage: next.stage, revision: next.revision, updated_at: at, ...sla })
        .where('id', '=', ticketId)
        .execute();
    },
    // The SLA timers follow the clock: none while waiting or solved, new ones when the due times moved.
    afterStageChange: async (trx, { at }) => {
      await replanSlaTimers(trx, ticketId, at);
    },
    // The authority hears when the Kaz waits for it and when its ticket is solved.
    async afterApplied(trx, event, at) {
      const notice = { ticketId, solutionId: target.solutionId, ars: target.ars!, ref: at.toISOString() };
      if (event.type === 'AUF_KOMMUNE_WARTEN') await enqueueTicketNotice(trx, { ...notice, occasion: 'rueckfrage', details: { grund: String(event.grund).trim() } }, at);
      if (event.type === 'LOESEN') await enqueueTicketNotice(trx, { ...notice, occasion: 'geloest', details: { loesung: String(event.loesung).trim() } }, at);
    },
  };
  return applyEvent(deps, target, input.event, input, options);
}

function refusedInStage(eventType: string, stage: string, choice: EventChoice): Refusal {
  return { kind: 'refused', stage, ...choice, reason: `Ereignis ${eventType} ist im Stadium „${stage}“ nicht möglich.` };
}

/** The reopen period a ticket solved at `resolvedAt` has (TicketFacts); null: never solved. */
export function ticketFacts(resolvedAt: Date | null, settings: TicketSettings): TicketFacts {
  return { reopenUntil: resolvedAt ? reopenDeadline(resolvedAt, settings).toISOString() : null };
}

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

/** The state value and context only: what a refused event leaves unchanged. */
function fingerprint(snapshot: { value: unknown; context: unknown }): string {
  return JSON.stringify([snapshot.value, snapshot.context]);
}

/** Runs `work` in the caller's transaction if there is one, else in a new one. */
function withTransaction<T>(deps: EngineDeps, trx: Trx | undefined, work: (trx: Trx) => Promise<T>): Promise<T> {
  return trx ? work(trx) : deps.db.transaction().execute(work);
}

/**
 * Runs several engine calls and the caller's own writes in one transaction and wakes
 * the worker after the commit (the engine cannot: with an outer transaction it does
 * not know when that commits).
 */
export async function inOneTransaction<T>(deps: EngineDeps, work: (trx: Trx) => Promise<T>): Promise<T> {
  const result = await deps.db.transaction().execute(work);
  deps.onJobsEnqueued?.();
  return result;
}

async function applyEvent(
  deps: EngineDeps,
  target: Target,
  rawEvent: WorkflowEvent,
  sender: EventSender,
  options: EventOptions,
): Promise<EventResult> {
  if (typeof rawEvent.type !== 'string' || rawEvent.type === '') {
    return { kind: 'invalid', reason: 'Ereignistyp fehlt', errors: [{ field: '/event/type', message: 'Pflichtangabe' }] };
  }
  // Timer events (`xstate.after.*`) and events that record what the system saw happen
  // (a mail accepted, a wave started) come only from the system's own effects.
  const isTimerEvent = rawEvent.type.startsWith('xstate.');
  if (sender.origin !== 'system') {
    const explanation = isTimerEvent ? 'Zeitgeber-Ereignisse sendet nur das System.' : target.systemEvents[rawEvent.type];
    if (explanation) return { kind: 'system-only', reason: `${rawEvent.type} sendet nur das System. ${explanation}` };
  }
  const at = deps.now();
  const payloadErrors = validateEventPayload(rawEvent, at);
  if (payloadErrors.length) {
    return { kind: 'invalid', reason: `Angaben zum Ereignis ${rawEvent.type} sind unvollständig oder ungültig`, errors: payloadErrors };
  }

  const result = await withTransaction(deps, options.trx, async (trx): Promise<EventResult> => {
    const instance = await target.load(trx);
    if (isRefusal(instance)) return instance;
    if (options.idempotencyKey) {
      const earlier = await trx
        .selectFrom('history')
        .select(['id', 'to_stage'])
        .where('idempotency_key', '=', options.idempotencyKey)
        .executeTakeFirst();
      if (earlier) return { kind: 'already-applied', stage: instance.stage, historyId: earlier.id };
    }
    // Worked out only for an answer or a refusal: a list of what else is possible costs queries.
    const choose = async (snapshot: LoadedInstance['snapshot']): Promise<EventChoice> =>
      chooseEvents(clientAllowedEvents(instance.machine, snapshot, target.systemEvents), await target.blockerFor(trx, snapshot));
    if (!isTimerEvent && !allowedEvents(instance.machine, instance.snapshot).includes(rawEvent.type)) {
      return target.notAllowed(instance, await choose(instance.snapshot), rawEvent.type);
    }
    const enriched = await target.enrich(trx, { ...rawEvent, at: at.toISOString() });
    if (isRefusal(enriched)) return enriched;
    const event = enriched;
    const unmet = await target.checkPreconditions?.(trx, instance, event, () => choose(instance.snapshot));
    if (unmet) return unmet;
    const refused = async (reason: string): Promise<Refusal> => ({
      kind: 'refused',
      stage: instance.stage,
      ...(await choose(instance.snapshot)),
      reason,
      ...(event.facts ? { facts: event.facts } : {}),
    });
    const blocked = isTimerEvent ? null : target.blockedBy(instance, event);
    if (blocked) return refused(blocked);
    const [next, actions] = transition(instance.machine, instance.snapshot, event as never);
    if (actions.length === 0 && fingerprint(next) === fingerprint(instance.snapshot)) {
      return refused(explainRefusal(event, instance.snapshot.context));
    }

    const revision = instance.revision + 1;
    const stage = target.stageOf(next);
    const persisted = JSON.parse(JSON.stringify(instance.machine.getPersistedSnapshot(next)));
    await target.save(trx, { snapshot: persisted, stage, stateValue: next.value, revision, at });
    const history = await trx
      .insertInto('history')
      .values({
        solution_id: target.solutionId,
        participant_ars: target.ars,
        event_type: event.type,
        event: toJson(event),
        from_stage: instance.stage,
        to_stage: stage,
        actor: sender.actor,
        machine_version: instance.machineVersion,
        created_at: at,
        idempotency_key: options.idempotencyKey ?? null,
        ticket_id: target.ticketId ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    if (stage !== instance.stage) await target.afterStageChange(trx, { fromStage: instance.stage, stage, at });
    await target.afterApplied?.(trx, event, at);
    const jobsEnqueued = await scheduleActions(trx, target, actions as unknown as MachineAction[], revision, at);
    return {
      kind: 'applied',
      fromStage: instance.stage,
      stage,
      revision,
      context: next.context,
      ...(await choose(next)),
      historyId: history.id,
      jobsEnqueued,
    };
  });
  if (!options.trx && result.kind === 'applied' && result.jobsEnqueued > 0) deps.onJobsEnqueued?.();
  return result;
}

interface MachineAction {
  type: string;
  params?: Record<string, unknown>;
}

/** Turns the actions of a transition into durable jobs: effects, timers, timer cancellations. */
async function scheduleActions(trx: Trx, target: Target, actions: MachineAction[], revision: number, at: Date) {
  let enqueued = 0;
  const scope = { solutionId: target.solutionId, ars: target.ars };
  for (const [index, action] of actions.entries()) {
    const params = action.params ?? {};
    if (action.type === 'xstate.raise' && typeof params.delay === 'number') {
      await enqueueJob(trx, {
        kind: 'timer.deliverEvent',
        payload: { solutionId: target.solutionId, ars: target.ars, event: params.event as Record<string, unknown>, sendId: params.id },
        idempotencyKey: `timer:${target.key}:${String(params.id)}:r${revision}`,
        cancelKey: timerCancelKey(target, params.id),
        runAt: new Date(at.getTime() + params.delay),
        ...scope,
      });
      enqueued++;
    } else if (action.type === 'xstate.cancel') {
      await cancelJobs(trx, { cancelKey: timerCancelKey(target, params.sendId) }, at);
    } else if (action.type.startsWith('effect.')) {
      await enqueueJob(trx, {
        kind: action.type,
        payload: { solutionId: target.solutionId, ars: target.ars, params },
        idempotencyKey: `${action.type}:${target.key}:r${revision}:${index}`,
        runAt: at,
        ...scope,
      });
      enqueued++;
    }
  }
  return enqueued;
}

function timerCancelKey(target: Target, sendId: unknown): string {
  return `timer:${target.key}:${String(sendId)}`;
}
