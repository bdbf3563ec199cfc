import { sql } from 'kysely';
import { transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { toJson } from '../db/schema.ts';
import { cancelJobs, enqueueJobs, type NewJob } from './job.queue.ts';
import { validateEventPayload } from './event-payload.validate.ts';
import { chooseEvents, type EventChoice } from './event-choice.ts';
import type {
  AppliedEvent,
  EngineDeps,
  EventOptions,
  EventResult,
  EventSender,
  InstanceHandle,
  InstanceScope,
  LoadedInstance,
  PreconditionRefusal,
  Refusal,
  SaveStatement,
  TargetContext,
  TargetDefinition,
  Trx,
  WorkflowEvent,
  WorkflowRegistry,
} from './workflow.types.ts';

export type {
  AppliedEvent,
  EngineDeps,
  EventOptions,
  EventOrigin,
  EventResult,
  EventSender,
  LoadedInstance,
  Refusal,
  WorkflowEvent,
} from './workflow.types.ts';

/**
 * The only runtime user of XState. Applies one event to one persisted machine in
 * one transaction: lock the row, check the event is allowed, compute the pure
 * transition, save snapshot + history + the jobs for its effects and timers. The
 * effects run after commit, from the job table (job.queue.ts).
 *
 * Which machines there are, how an instance is loaded and saved, what its guards
 * decide on, which preconditions and reactions an event has: all of it comes from the
 * features through the registry (workflow.registry.ts). The engine knows none of them.
 *
 * The engine answers in domain outcomes (EventResult), never in HTTP terms: routes
 * map them to status codes, effects decide whether to wait, skip or fail.
 */

/** The job that delivers a machine's delayed event (`after`) when it is due (effect.activities.ts). */
export const TIMER_JOB = 'timer.deliverEvent';

export const notFound = (reason: string): Refusal => ({ kind: 'not-found', reason });

/** A ministry's sender reaches only its own solutions' instances: others are reported as not found. */
export function outOfScope(sender: EventSender, leadMinistry: string): boolean {
  return Boolean(sender.ministryScope && sender.ministryScope !== leadMinistry);
}

export function refusedInStage(eventType: string, stage: string, choice: EventChoice): Refusal {
  return { kind: 'refused', stage, ...choice, reason: `Ereignis ${eventType} ist im Stadium „${stage}“ nicht möglich.` };
}

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'kind' in value && typeof (value as { kind: unknown }).kind === 'string';
}

/** The events an API caller may send in the snapshot's state: those it takes, without the system's. */
export function clientEventsOf(workflows: WorkflowRegistry, machine: AnyStateMachine, snapshot: AnyMachineSnapshot, systemEvents: TargetDefinition['systemEvents']): string[] {
  return workflows.machines.allowedEvents(machine, snapshot).filter((type) => systemEvents[type] === undefined);
}

/** The preconditions registered for a target's event, in their order: the first refusal wins. */
export async function checkPreconditions<Ref>(
  workflows: WorkflowRegistry,
  targetName: string,
  trx: Trx,
  input: Ref & { stage: string; event: WorkflowEvent },
): Promise<PreconditionRefusal | null> {
  for (const precondition of workflows.preconditionsFor(targetName, input.event.type)) {
    const refusal = await precondition.check(trx, input);
    if (refusal) return refusal;
  }
  return null;
}

/** Why a guard refused a valid payload: the target's words, else the general ones. */
export function explainRefusal(target: Pick<TargetDefinition, 'explainRefusal'> | undefined, event: WorkflowEvent & { facts?: unknown }, context: unknown): string {
  return target?.explainRefusal?.(event, context) ?? `Ereignis ${event.type} passt nicht zum aktuellen Stand.`;
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

function contextFor(deps: EngineDeps, workflows: WorkflowRegistry, machines: TargetDefinition['machines']): TargetContext {
  return {
    deps,
    workflows,
    restore(row, what) {
      const machine = machines[row.machine_version];
      if (!machine) throw new Error(`${what}: Maschinenversion ${row.machine_version} ist nicht mehr vorhanden`);
      return {
        machine,
        snapshot: workflows.machines.restoreSnapshot(machine, row.snapshot),
        stage: row.stage,
        revision: row.revision,
        machineVersion: row.machine_version,
      };
    },
  };
}

/** What is wrong with the event whatever the instance: no type, a system event from a client, an invalid payload. */
function checkEvent(workflows: WorkflowRegistry, target: TargetDefinition<never>, rawEvent: WorkflowEvent, sender: EventSender, at: Date): Refusal | null {
  if (typeof rawEvent.type !== 'string' || rawEvent.type === '') {
    return { kind: 'invalid', reason: 'Ereignistyp fehlt', errors: [{ field: '/event/type', message: 'Pflichtangabe' }] };
  }
  // Timer events (`xstate.after.*`) and events that record what the system saw happen
  // (a mail accepted, a wave started) come only from the system's own effects.
  if (sender.origin !== 'system') {
    const explanation = isTimer(rawEvent) ? 'Zeitgeber-Ereignisse sendet nur das System.' : target.systemEvents[rawEvent.type];
    if (explanation) return { kind: 'system-only', reason: `${rawEvent.type} sendet nur das System. ${explanation}` };
  }
  const payloadErrors = validateEventPayload(workflows, rawEvent, at);
  if (payloadErrors.length) {
    return { kind: 'invalid', reason: `Angaben zum Ereignis ${rawEvent.type} sind unvollständig oder ungültig`, errors: payloadErrors };
  }
  return null;
}

const isTimer = (event: WorkflowEvent) => event.type.startsWith('xstate.');

/**
 * Applies `rawEvent` to the instance `ref` of the registered target `targetName`. The
 * features' own functions (sendSolutionEvent, sendParticipantEvent, sendTicketEvent)
 * name their target and instance and call this.
 */
export async function sendEvent<Ref>(
  deps: EngineDeps,
  targetName: string,
  ref: Ref,
  rawEvent: WorkflowEvent,
  sender: EventSender,
  options: EventOptions = {},
): Promise<EventResult> {
  const workflows = deps.workflows;
  const target = workflows.target<Ref>(targetName);
  const at = deps.now();
  const wrong = checkEvent(workflows, target as TargetDefinition<never>, rawEvent, sender, at);
  if (wrong) return wrong;
  const handle = target.open(contextFor(deps, workflows, target.machines), ref, sender);

  const result = await withTransaction(deps, options.trx, async (trx): Promise<EventResult> => {
    const instance = await handle.load(trx);
    if (isRefusal(instance)) return instance;
    if (options.idempotencyKey) {
      const earlier = await trx
        .selectFrom('history')
        .select(['id', 'to_stage'])
        .where('idempotency_key', '=', options.idempotencyKey)
        .executeTakeFirst();
      if (earlier) return { kind: 'already-applied', stage: instance.stage, historyId: earlier.id };
    }
    const step = await decide(trx, { workflows, target, handle, instance, ref, rawEvent, at });
    if (isRefusal(step)) return step;
    const planned = planSave(trx, step, { sender, at, idempotencyKey: options.idempotencyKey });
    // One statement, one round trip: the instance's UPDATE runs as a data-modifying WITH of
    // the history INSERT (both or neither, like every statement).
    const history = await trx.with('saved', () => planned.saving).insertInto('history').values(planned.history).returning('id').executeTakeFirstOrThrow();
    const after = await afterSave(trx, deps, step, planned);
    if (after.jobs.queued.length) await enqueueJobs(trx, after.jobs.queued);
    return { ...after.applied, historyId: history.id };
  });
  if (!options.trx && result.kind === 'applied' && result.jobsEnqueued > 0) deps.onJobsEnqueued?.();
  return result;
}

export interface ManyOptions<Ref> {
  /** Run inside the caller's transaction (every chunk in it); else one transaction per chunk. */
  trx?: Trx;
  /** The idempotency key of the event for one instance, as the one-by-one call would pass it. */
  idempotencyKeyOf?: (ref: Ref) => string | undefined;
  /** Instances per transaction and statement (default 500). */
  chunkSize?: number;
}

/**
 * The same event to many instances of a target – an effect that informs thousands of
 * participants, a bulk action – with the result each would get one by one (in the order
 * of `refs`), the same history rows, revisions, idempotency keys and jobs. Only the
 * persistence is batched: a chunk of instances is locked with the target's batch loader
 * (openMany, in a stable order) if it has one, each transition is computed by XState on
 * its own as in sendEvent, and the chunk's snapshots and history rows are written by one
 * statement, its jobs by one more. A chunk commits as one: a failure of the database
 * rolls back its chunk, never half an instance; chunks committed before stay.
 */
export async function sendEventToMany<Ref>(
  deps: EngineDeps,
  targetName: string,
  refs: readonly Ref[],
  rawEvent: WorkflowEvent,
  sender: EventSender,
  options: ManyOptions<Ref> = {},
): Promise<EventResult[]> {
  const workflows = deps.workflows;
  const target = workflows.target<Ref>(targetName);
  const at = deps.now();
  const wrong = checkEvent(workflows, target as TargetDefinition<never>, rawEvent, sender, at);
  if (wrong) return refs.map(() => wrong);
  const context = contextFor(deps, workflows, target.machines);
  const chunkSize = Math.max(1, options.chunkSize ?? 500);
  const results: EventResult[] = [];
  for (let offset = 0; offset < refs.length; offset += chunkSize) {
    const chunk = refs.slice(offset, offset + chunkSize);
    const handles = target.openMany ? target.openMany(context, chunk, sender) : chunk.map((ref) => target.open(context, ref, sender));
    results.push(...(await withTransaction(deps, options.trx, (trx) => applyToChunk(trx, deps, { target, chunk, handles, rawEvent, sender, at, options }))));
  }
  if (!options.trx && results.some((result) => result.kind === 'applied' && result.jobsEnqueued > 0)) deps.onJobsEnqueued?.();
  return results;
}

async function applyToChunk<Ref>(
  trx: Trx,
  deps: EngineDeps,
  input: { target: TargetDefinition<Ref>; chunk: readonly Ref[]; handles: InstanceHandle[]; rawEvent: WorkflowEvent; sender: EventSender; at: Date; options: ManyOptions<Ref> },
): Promise<EventResult[]> {
  const { target, chunk, handles, rawEvent, sender, at, options } = input;
  // Two handles of one instance would both transition from the state read once: a lost update.
  const instanceKeys = new Set(handles.map((handle) => handle.key));
  if (instanceKeys.size !== handles.length) throw new Error('sendEventToMany: eine Instanz ist mehrfach genannt');
  const results: (EventResult | null)[] = [];
  const loaded: (LoadedInstance | null)[] = [];
  for (const handle of handles) {
    const instance = await handle.load(trx);
    results.push(isRefusal(instance) ? instance : null);
    loaded.push(isRefusal(instance) ? null : instance);
  }
  const keys = chunk.map((ref) => options.idempotencyKeyOf?.(ref));
  const wanted = keys.filter((key, index): key is string => key !== undefined && loaded[index] !== null);
  const earlier = new Map<string, number>();
  if (wanted.length) {
    for (const row of await trx.selectFrom('history').select(['id', 'idempotency_key']).where('idempotency_key', 'in', wanted).execute()) {
      earlier.set(row.idempotency_key!, row.id);
    }
  }
  const steps: { index: number; step: DecidedStep<Ref>; planned: PlannedSave }[] = [];
  const seenKeys = new Set<string>();
  for (const [index, instance] of loaded.entries()) {
    if (!instance) continue;
    const key = keys[index];
    const earlierId = key === undefined ? undefined : earlier.get(key);
    if (earlierId !== undefined) {
      results[index] = { kind: 'already-applied', stage: instance.stage, historyId: earlierId };
      continue;
    }
    if (key !== undefined && seenKeys.has(key)) throw new Error(`sendEventToMany: Schlüssel ${key} zweimal in einem Teil`);
    if (key !== undefined) seenKeys.add(key);
    const step = await decide(trx, { workflows: deps.workflows, target, handle: handles[index]!, instance, ref: chunk[index]!, rawEvent, at });
    if (isRefusal(step)) {
      results[index] = step;
      continue;
    }
    steps.push({ index, step, planned: planSave(trx, step, { sender, at, idempotencyKey: key }) });
  }
  if (steps.length) {
    // Every UPDATE of the chunk as a data-modifying WITH of one multi-row history INSERT.
    const saves = sql.join(steps.map(({ planned }, i) => sql`${sql.id(`saved_${i}`)} as (${planned.saving})`));
    const insert = trx
      .insertInto('history')
      .values(steps.map(({ planned }) => planned.history))
      .returning(['id', 'solution_id', 'participant_ars', 'ticket_id']);
    const { rows } = await sql<{ id: number; solution_id: string; participant_ars: string | null; ticket_id: string | null }>`with ${saves} ${insert}`.execute(trx);
    if (rows.length !== steps.length) throw new Error(`sendEventToMany: ${rows.length} Verlaufszeilen für ${steps.length} Ereignisse`);
    // Each instance of the chunk has one row: found again by its scope.
    const scopeKey = (scope: { solution_id: string; participant_ars: string | null; ticket_id: string | null }) =>
      `${scope.solution_id}|${scope.participant_ars ?? ''}|${scope.ticket_id ?? ''}`;
    const historyIdOf = new Map(rows.map((row) => [scopeKey(row), row.id]));
    const queued: NewJob[] = [];
    for (const { index, step, planned } of steps) {
      const after = await afterSave(trx, deps, step, planned);
      queued.push(...after.jobs.queued);
      results[index] = { ...after.applied, historyId: historyIdOf.get(scopeKey(planned.history))! };
    }
    if (queued.length) await enqueueJobs(trx, queued);
  }
  return results as EventResult[];
}

interface MachineAction {
  type: string;
  params?: Record<string, unknown>;
}

/** An event the instance takes: its transition computed, not yet saved. */
interface DecidedStep<Ref> {
  workflows: WorkflowRegistry;
  target: TargetDefinition<Ref>;
  handle: InstanceHandle;
  instance: LoadedInstance;
  ref: Ref;
  event: WorkflowEvent;
  next: AnyMachineSnapshot;
  actions: MachineAction[];
  choose: (snapshot: AnyMachineSnapshot) => Promise<EventChoice>;
}

/** The checks under lock – stage, guards' facts, preconditions, the machine itself – and the pure transition. */
async function decide<Ref>(
  trx: Trx,
  input: { workflows: WorkflowRegistry; target: TargetDefinition<Ref>; handle: InstanceHandle; instance: LoadedInstance; ref: Ref; rawEvent: WorkflowEvent; at: Date },
): Promise<DecidedStep<Ref> | Refusal> {
  const { workflows, target, handle, instance, ref, rawEvent, at } = input;
  const isTimerEvent = isTimer(rawEvent);
  // Worked out only for an answer or a refusal: a list of what else is possible costs queries.
  const choose = async (snapshot: AnyMachineSnapshot): Promise<EventChoice> =>
    chooseEvents(clientEventsOf(workflows, instance.machine, snapshot, target.systemEvents), await handle.blockerFor(trx, snapshot));
  if (!isTimerEvent && !workflows.machines.allowedEvents(instance.machine, instance.snapshot).includes(rawEvent.type)) {
    return handle.notAllowed(instance, await choose(instance.snapshot), rawEvent.type);
  }
  const enriched = await handle.enrich(trx, { ...rawEvent, at: at.toISOString() });
  if (isRefusal(enriched)) return enriched;
  const event = enriched;
  const unmet = await checkPreconditions(workflows, target.name, trx, { ...ref, stage: instance.stage, event });
  if (unmet) return { kind: 'precondition-failed', stage: instance.stage, ...(await choose(instance.snapshot)), ...unmet };
  const refused = async (reason: string): Promise<Refusal> => ({
    kind: 'refused',
    stage: instance.stage,
    ...(await choose(instance.snapshot)),
    reason,
    ...(event.facts ? { facts: event.facts } : {}),
  });
  const blocked = isTimerEvent ? null : handle.blockedBy(instance, event);
  if (blocked) return refused(blocked);
  const [next, actions] = transition(instance.machine, instance.snapshot, event as never);
  if (actions.length === 0 && fingerprint(next) === fingerprint(instance.snapshot)) {
    return refused(explainRefusal(target, event, instance.snapshot.context));
  }
  return { workflows, target, handle, instance, ref, event, next, actions: actions as unknown as MachineAction[], choose };
}

interface PlannedSave {
  stage: string;
  revision: number;
  at: Date;
  saving: SaveStatement;
  history: ReturnType<typeof historyRow>;
}

/** The statement that saves the next state and the history row that records it (not run yet). */
function planSave<Ref>(trx: Trx, step: DecidedStep<Ref>, meta: { sender: EventSender; at: Date; idempotencyKey: string | undefined }): PlannedSave {
  const { target, handle, instance, event, next } = step;
  const { at } = meta;
  const revision = instance.revision + 1;
  const stage = target.stageOf(next);
  const saving = handle.save(trx, { snapshot: instance.machine.getPersistedSnapshot(next), stage, stateValue: next.value, revision, at });
  const history = historyRow(handle.scope, { event, fromStage: instance.stage, stage, sender: meta.sender, machineVersion: instance.machineVersion, at, idempotencyKey: meta.idempotencyKey });
  return { stage, revision, at, saving, history };
}

/**
 * After the save: what the stage change and the features' reactions need, the timers it
 * leaves cancelled, and its jobs (returned, for the caller to insert with others).
 */
async function afterSave<Ref>(trx: Trx, deps: EngineDeps, step: DecidedStep<Ref>, planned: PlannedSave) {
  const { target, handle, instance, event, next } = step;
  const { stage, revision, at } = planned;
  if (stage !== instance.stage) await handle.afterStageChange(trx, { fromStage: instance.stage, stage, at });
  for (const reaction of step.workflows.reactionsFor(target.name, event.type)) {
    await reaction.react(trx, { ...step.ref, scope: handle.scope, event, at }, deps);
  }
  const jobs = jobsOf(handle, step.actions, revision, at);
  for (const cancelKey of jobs.cancelKeys) await cancelJobs(trx, { cancelKey }, at);
  const applied: Omit<AppliedEvent, 'historyId'> = {
    kind: 'applied',
    fromStage: instance.stage,
    stage,
    revision,
    context: next.context,
    ...(await step.choose(next)),
    jobsEnqueued: jobs.queued.length,
  };
  return { applied, jobs };
}

/** The history row of an applied event: who, what, when, from which stage to which. */
function historyRow(
  scope: InstanceScope,
  step: { event: WorkflowEvent; fromStage: string; stage: string; sender: EventSender; machineVersion: number; at: Date; idempotencyKey: string | undefined },
) {
  return {
    solution_id: scope.solutionId,
    participant_ars: scope.ars,
    event_type: step.event.type,
    event: toJson(step.event),
    from_stage: step.fromStage,
    to_stage: step.stage,
    actor: step.sender.actor,
    machine_version: step.machineVersion,
    created_at: step.at,
    idempotency_key: step.idempotencyKey ?? null,
    ticket_id: scope.ticketId ?? null,
  };
}

/** The jobs of a transition's actions and the cancel keys of the timers it leaves, in the actions' order. */
function jobsOf(handle: InstanceHandle, actions: MachineAction[], revision: number, at: Date): { queued: NewJob[]; cancelKeys: string[] } {
  const queued: NewJob[] = [];
  const cancelKeys: string[] = [];
  const { solutionId, ars, ticketId } = handle.scope;
  const jobScope = { solutionId, ars };
  // A timer finds its instance again by this scope (TargetDefinition.refOfJob).
  const payloadScope: InstanceScope = { solutionId, ars, ...(ticketId ? { ticketId } : {}) };
  for (const [index, action] of actions.entries()) {
    const params = action.params ?? {};
    if (action.type === 'xstate.raise' && typeof params.delay === 'number') {
      queued.push({
        kind: TIMER_JOB,
        payload: { ...payloadScope, event: params.event as Record<string, unknown>, sendId: params.id },
        idempotencyKey: `timer:${handle.key}:${String(params.id)}:r${revision}`,
        cancelKey: timerCancelKey(handle, params.id),
        runAt: new Date(at.getTime() + params.delay),
        ...jobScope,
      });
    } else if (action.type === 'xstate.cancel') {
      // Cancels the timers queued before (by earlier events), and one this transition planned earlier in its actions.
      const cancelKey = timerCancelKey(handle, params.sendId);
      cancelKeys.push(cancelKey);
      for (let i = queued.length - 1; i >= 0; i--) if (queued[i]!.cancelKey === cancelKey) queued.splice(i, 1);
    } else if (action.type.startsWith('effect.')) {
      queued.push({
        kind: action.type,
        payload: { ...payloadScope, params },
        idempotencyKey: `${action.type}:${handle.key}:r${revision}:${index}`,
        runAt: at,
        ...jobScope,
      });
    }
  }
  return { queued, cancelKeys };
}

function timerCancelKey(handle: InstanceHandle, sendId: unknown): string {
  return `timer:${handle.key}:${String(sendId)}`;
}
