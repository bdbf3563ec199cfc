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
  const payloadErrors = validateEventPayload(workflows, rawEvent, at);
  if (payloadErrors.length) {
    return { kind: 'invalid', reason: `Angaben zum Ereignis ${rawEvent.type} sind unvollständig oder ungültig`, errors: payloadErrors };
  }
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
    const actionList = actions as unknown as MachineAction[];
    return saveTransition(trx, { deps, workflows, target, handle, instance, ref, event, next, actions: actionList, sender, options, at, choose });
  });
  if (!options.trx && result.kind === 'applied' && result.jobsEnqueued > 0) deps.onJobsEnqueued?.();
  return result;
}

interface MachineAction {
  type: string;
  params?: Record<string, unknown>;
}

/** Saves the new snapshot, writes its history row, runs what the stage change and the features' reactions need, queues its jobs. */
async function saveTransition<Ref>(
  trx: Trx,
  step: {
    deps: EngineDeps;
    workflows: WorkflowRegistry;
    target: TargetDefinition<Ref>;
    handle: InstanceHandle;
    instance: LoadedInstance;
    ref: Ref;
    event: WorkflowEvent;
    next: AnyMachineSnapshot;
    actions: MachineAction[];
    sender: EventSender;
    options: EventOptions;
    at: Date;
    choose: (snapshot: AnyMachineSnapshot) => Promise<EventChoice>;
  },
): Promise<AppliedEvent> {
  const { target, handle, instance, event, next, at } = step;
  const revision = instance.revision + 1;
  const stage = target.stageOf(next);
  const persisted = instance.machine.getPersistedSnapshot(next);
  const saving = handle.save(trx, { snapshot: persisted, stage, stateValue: next.value, revision, at });
  // One statement, one round trip: the instance's UPDATE runs as a data-modifying WITH of
  // the history INSERT (both or neither, like every statement).
  const history = await trx
    .with('saved', () => saving)
    .insertInto('history')
    .values(historyRow(handle.scope, { event, fromStage: instance.stage, stage, sender: step.sender, machineVersion: instance.machineVersion, at, idempotencyKey: step.options.idempotencyKey }))
    .returning('id')
    .executeTakeFirstOrThrow();

  if (stage !== instance.stage) await handle.afterStageChange(trx, { fromStage: instance.stage, stage, at });
  for (const reaction of step.workflows.reactionsFor(target.name, event.type)) {
    await reaction.react(trx, { ...step.ref, scope: handle.scope, event, at }, step.deps);
  }
  const jobsEnqueued = await scheduleActions(trx, handle, step.actions, revision, at);
  return {
    kind: 'applied',
    fromStage: instance.stage,
    stage,
    revision,
    context: next.context,
    ...(await step.choose(next)),
    historyId: history.id,
    jobsEnqueued,
  };
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

/**
 * Turns the actions of a transition into durable jobs – effects, timers – inserted with
 * one statement, and cancels the timers it leaves behind.
 */
async function scheduleActions(trx: Trx, handle: InstanceHandle, actions: MachineAction[], revision: number, at: Date) {
  const jobs = jobsOf(handle, actions, revision, at);
  for (const cancelKey of jobs.cancelKeys) await cancelJobs(trx, { cancelKey }, at);
  if (jobs.queued.length) await enqueueJobs(trx, jobs.queued);
  return jobs.queued.length;
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
