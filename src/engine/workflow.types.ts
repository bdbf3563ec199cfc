import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { Kysely, Transaction, UpdateQueryBuilder, UpdateResult } from 'kysely';
import type { TObject } from 'typebox';
import type { Database } from '../db/schema.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import type { Blocker, EventChoice } from './event-choice.ts';

/**
 * The engine's vocabulary: what it is given (deps, an event, a sender), what it answers
 * (EventResult) and what a feature registers so that the engine can run its machine
 * (TargetDefinition, Precondition, Reaction – workflow.registry.ts). No feature is named here.
 */

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;

export interface EngineDeps {
  db: Db;
  now: () => Date;
  /** Called after a commit that enqueued jobs, to wake the local worker. */
  onJobsEnqueued?: () => void;
  /**
   * What the features registered at composition (composition.ts): targets, preconditions,
   * reactions. Features add their own settings to this interface by declaration merging
   * (tickets: `tickets`).
   */
  workflows: WorkflowRegistry;
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
  /** Possible in the stage, but a precondition in the database is not met (registered Precondition). */
  | ({ kind: 'precondition-failed'; stage: string; reason: string; details: Record<string, unknown> } & EventChoice)
  /**
   * The solution is paused, not started or has ended: nothing moves until it is active
   * again. `resumes`: it is only held (paused) – an effect's job waits for it instead of
   * giving up (the target says so; the engine knows no stage).
   */
  | ({ kind: 'solution-inactive'; solutionStage: string; resumes: boolean; reason: string } & EventChoice)
  | { kind: 'not-found'; reason: string }
  | { kind: 'invalid'; reason: string; errors: FieldError[] }
  /** An event only the system sends, tried by a client. */
  | { kind: 'system-only'; reason: string };

export type Refusal = Exclude<EventResult, AppliedEvent>;

/** A persisted instance brought back to life on the machine version it started with. */
export interface LoadedInstance {
  machine: AnyStateMachine;
  snapshot: AnyMachineSnapshot;
  stage: string;
  revision: number;
  machineVersion: number;
}

/** Where an instance's history rows and jobs belong (the history and job tables' columns). */
export interface InstanceScope {
  solutionId: string;
  ars: string | null;
  /** Set for a ticket: its history rows carry it. */
  ticketId?: string;
}

export interface StageChange {
  fromStage: string;
  stage: string;
  at: Date;
}

/**
 * The UPDATE of an instance's row, built but not run: the engine runs it together with the
 * history row as one statement (a data-modifying WITH), so that a step costs one round trip.
 */
// Any table of a target, typed as Kysely's own CTE types take an UPDATE.
export type SaveStatement = UpdateQueryBuilder<Database, any, any, UpdateResult>;

export interface NextState {
  snapshot: unknown;
  stage: string;
  stateValue: unknown;
  revision: number;
  /** The event's time, the same as its history row's. */
  at: Date;
}

/**
 * One instance of a target while the engine applies one event to it (one transaction):
 * what a target's `open` answers. It may keep what `load` read for the later steps.
 */
export interface InstanceHandle {
  /** Names the instance in job keys and timer cancellations, e.g. `participant:<solution>:<ars>`. */
  key: string;
  /** Where its history rows and jobs belong; complete once `load` has run (a ticket learns its solution there). */
  scope: InstanceScope;
  /** Reads and locks the instance; a refusal when it does not exist, is out of the sender's scope or stands still. */
  load(trx: Trx): Promise<LoadedInstance | Refusal>;
  /** An event the instance does not take in its stage: refused, or the solution is not active. */
  notAllowed(instance: LoadedInstance, choice: EventChoice, eventType: string): Refusal;
  /** Adds what the machine's guards decide on (`facts`), or refuses what the payload names wrongly. */
  enrich(trx: Trx, event: WorkflowEvent): Promise<WorkflowEvent | Refusal>;
  /**
   * Why the state or the facts hold the (enriched) event back whatever its payload – the
   * same words its listing in blockedEvents shows (event-choice.ts); null: they do not.
   */
  blockedBy(instance: LoadedInstance, event: WorkflowEvent): string | null;
  /** What holds back which event of a snapshot of this instance: for an answer's or a refusal's blockedEvents. */
  blockerFor(trx: Trx, snapshot: AnyMachineSnapshot): Promise<Blocker>;
  /** The statement that writes the next state (not run: the engine runs it with the history row). */
  save(trx: Trx, next: NextState): SaveStatement;
  /** What a stage change means for jobs already queued (resume, cancel reminders, replan timers …). */
  afterStageChange(trx: Trx, change: StageChange): Promise<void>;
}

/** What a target's `open` gets besides its instance's reference. */
export interface TargetContext {
  deps: EngineDeps;
  workflows: WorkflowRegistry;
  /** A row of the target's table on its machine version; throws when that version is gone. */
  restore(row: { snapshot: unknown; machine_version: number; revision: number; stage: string }, what: string): LoadedInstance;
}

/**
 * A kind of durable machine a feature brings: a solution, a participant, a ticket.
 * `Ref` names one instance (`{ solutionId, ars }`).
 */
export interface TargetDefinition<Ref = unknown> {
  name: string;
  /** Machine definitions by version: an instance keeps running on the version it started with. */
  machines: Readonly<Record<number, AnyStateMachine>>;
  /** One closed schema per event type of its machine: what an event may carry. */
  events: Readonly<Record<string, TObject>>;
  /** Rules across fields a schema cannot say, judged on Brandenburg's `today` (YYYY-MM-DD); field names under /event. */
  payloadRules?(event: Record<string, unknown>, today: string): FieldError[];
  /** Events of its machine only the system sends, with the explanation for clients. */
  systemEvents: Readonly<Record<string, string | undefined>>;
  stageOf(snapshot: AnyMachineSnapshot): string;
  /** German words for a guard's refusal of a valid payload; null: the engine's general words. */
  explainRefusal?(event: { type: string; facts?: unknown } & Record<string, unknown>, context: unknown): string | null;
  open(context: TargetContext, ref: Ref, sender: EventSender): InstanceHandle;
  /**
   * Handles of many instances at once (sendEventToMany): the first `load` of one of them
   * locks and reads them all with one statement, in a stable order (so that two batches
   * never wait for each other crosswise); each handle then behaves as `open`'s. Without
   * it, the instances are opened and loaded one by one.
   */
  openMany?(context: TargetContext, refs: readonly Ref[], sender: EventSender): InstanceHandle[];
  /** The instance a timer job of this scope was planned for, if it is one of this target's (timers are delivered through it). */
  refOfJob?(scope: InstanceScope): Ref | null;
}

export interface PreconditionRefusal {
  reason: string;
  /** Extra members of the refusal, e.g. the open checklist items. */
  details: Record<string, unknown>;
}

/**
 * A condition on some events of a target that needs the database and so cannot be a
 * guard of the pure machine: the engine runs it inside the event's transaction, after
 * the instance is locked and the event is known to be possible in its stage, and refuses
 * the event with its reason and details. Registered by the feature that owns the data.
 */
export interface Precondition<Ref = unknown> {
  events: readonly string[];
  check(trx: Trx, input: Ref & { stage: string; event: WorkflowEvent }): Promise<PreconditionRefusal | null>;
  /**
   * Why it holds its events back whatever their payload – for blockedEvents, in the same
   * words as its refusal; null: it does not. Asked only where one of its events is possible.
   */
  holdsBack?(db: Db | Trx, ref: Ref): Promise<string | null>;
}

/** Writes that belong to an applied event of a target (automatic tickets, notices), in its transaction. */
export interface Reaction<Ref = unknown> {
  events: readonly string[];
  react(trx: Trx, input: Ref & { scope: InstanceScope; event: WorkflowEvent; at: Date }, deps: EngineDeps): Promise<void>;
}

/** The two helpers around XState's pure transition() the engine needs: supplied at composition (workflows/index.ts). */
export interface MachineToolkit {
  /** A stored JSON snapshot as one transition() accepts. */
  restoreSnapshot(machine: AnyStateMachine, json: unknown): AnyMachineSnapshot;
  /** The event types the snapshot's state has a transition for; guards are not evaluated. */
  allowedEvents(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): string[];
}

/** What the engine reads from the registry (workflow.registry.ts builds it). */
export interface WorkflowRegistry {
  readonly machines: MachineToolkit;
  /** The registered target of that name; throws for an unknown one. */
  target<Ref>(name: string): TargetDefinition<Ref>;
  readonly targets: readonly TargetDefinition[];
  /** The preconditions of a target's event, in the order they were registered: the first refusal wins. */
  preconditionsFor(target: string, eventType: string): readonly Precondition[];
  /** The reactions to a target's applied event, in the order they were registered. */
  reactionsFor(target: string, eventType: string): readonly Reaction[];
  /** Per event type among `types`: the reason a precondition holds it back whatever its payload. */
  heldBack(db: Db | Trx, target: string, ref: unknown, types: readonly string[]): Promise<Map<string, string>>;
  /** The schema of an event type of any registered target; undefined for a type no machine knows. */
  eventSchemaOf(type: string): TObject | undefined;
  /** The target whose machine has the event type. */
  ownerOf(type: string): TargetDefinition | undefined;
  /** Job kinds the features put into a class (e.g. those a rollout's end leaves alone). */
  jobKinds(jobClass: string): readonly string[];
}
