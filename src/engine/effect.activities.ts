import type { Logger } from 'pino';
import type { Job } from '../db/schema.ts';
import type { JobHandler } from './job.queue.ts';
import { PermanentJobError, WaitForResumeError } from './job.queue.ts';
import { sendEvent, TIMER_JOB, type EngineDeps, type EventResult, type WorkflowEvent } from './workflow.engine.ts';
import type { InstanceScope } from './workflow.types.ts';

/**
 * The effects ("activities") the machines ask for run as durable jobs after the
 * transition that caused it has committed, and may run more than once: every event an
 * effect sends carries an idempotency key derived from its job, so a re-run finds what
 * the first run applied instead of applying it again. The features bring their effects'
 * handlers (composition.ts merges them); the engine brings the delivery of timers and
 * the one way every effect reads the engine's answer.
 */

/** What the engine queues for an `effect.*` action of a transition: its instance's scope and the action's params. */
export interface EffectPayload extends InstanceScope {
  params: Record<string, unknown>;
}

/**
 * What an effect makes of the engine's answer. Applied or already applied: done. A
 * paused solution: the job waits for FORTSETZEN (WaitForResumeError). A solution that
 * ended, a participant that moved on or vanished: nothing to do, said in the log. An
 * invalid or forbidden event is a bug in the effect: the job fails visibly.
 */
export function settleEffectEvent(
  result: EventResult,
  context: { solutionId: string; ars?: string | null; effect: string; logger: Logger },
): 'applied' | 'skipped' {
  const { logger, ...where } = context;
  switch (result.kind) {
    case 'applied':
    case 'already-applied':
      return result.kind === 'applied' ? 'applied' : 'skipped';
    case 'solution-inactive':
      if (result.resumes) throw new WaitForResumeError(context.solutionId);
      logger.info({ ...where, solutionStage: result.solutionStage }, 'Wirkung entfällt: die Lösung ist nicht mehr aktiv');
      return 'skipped';
    case 'refused':
    case 'precondition-failed':
    case 'not-found':
      logger.info({ ...where, outcome: result.kind, reason: result.reason }, 'Wirkung entfällt');
      return 'skipped';
    case 'invalid':
    case 'system-only':
      throw new PermanentJobError(`${context.effect}: ${result.reason}`);
  }
}

/**
 * Delivers a machine's delayed event (`after`) to the instance that planned it: the
 * target whose `refOfJob` claims the job's scope. A scope no target, or two, claim is a
 * bug of the registration: the job fails visibly.
 */
export function createTimerHandler(engine: EngineDeps, logger: Logger): JobHandler {
  return async function deliverTimerEvent(job: Job) {
    const { solutionId, ars, ticketId, event } = job.payload as unknown as InstanceScope & { event: WorkflowEvent };
    const scope: InstanceScope = { solutionId, ars, ...(ticketId ? { ticketId } : {}) };
    const claims = engine.workflows.targets.flatMap((target) => {
      const ref = target.refOfJob?.(scope);
      return ref ? [{ target, ref }] : [];
    });
    if (claims.length !== 1) throw new PermanentJobError(`${job.kind}: ${claims.length} Ziele nehmen den Zeitgeber an (${JSON.stringify(scope)})`);
    const { target, ref } = claims[0]!;
    const sender = { actor: 'system:timer', origin: 'system' as const };
    const result = await sendEvent(engine, target.name, ref, event, sender, { idempotencyKey: job.idempotency_key });
    settleEffectEvent(result, { solutionId, ars, effect: job.kind, logger });
  };
}

/** The engine's own job handlers. */
export function createEngineJobHandlers(engine: EngineDeps, logger: Logger): Record<string, JobHandler> {
  return { [TIMER_JOB]: createTimerHandler(engine, logger) };
}

/** Merges the features' job handlers; a job kind two features claim stops the start. */
export function mergeJobHandlers(...sets: Record<string, JobHandler>[]): Record<string, JobHandler> {
  const merged: Record<string, JobHandler> = {};
  for (const set of sets) {
    for (const [kind, handler] of Object.entries(set)) {
      if (Object.hasOwn(merged, kind)) throw new Error(`Job-Art ${kind} hat zwei Handler`);
      merged[kind] = handler;
    }
  }
  return merged;
}
