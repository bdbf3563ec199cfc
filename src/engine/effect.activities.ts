import type { Logger } from 'pino';
import type { Job } from '../db/schema.ts';
import type { JobHandler } from './job.queue.ts';
import { PermanentJobError, WaitForResumeError } from './job.queue.ts';
import { sendParticipantEvent, sendSolutionEvent, type EngineDeps, type EventResult, type WorkflowEvent } from './workflow.engine.ts';
import { createSlaTimerHandler, SLA_TIMER_JOB } from '../tickets/sla-timers.ts';

/**
 * The effects ("activities") the machines ask for. Each runs as a durable job after
 * the transition that caused it has committed, and may run more than once: every
 * event an effect sends carries an idempotency key derived from its job, so a re-run
 * finds what the first run applied instead of applying it again.
 */

interface EffectPayload {
  solutionId: string;
  ars: string | null;
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
      if (result.solutionStage === 'pausiert') throw new WaitForResumeError(context.solutionId);
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

export function createEffectHandlers(engine: EngineDeps, logger: Logger): Record<string, JobHandler> {
  async function inviteWave(job: Job) {
    const { solutionId, params } = job.payload as unknown as EffectPayload;
    const authorities = (params.authorities as string[]) ?? [];
    let applied = 0;
    for (const ars of authorities) {
      const event: WorkflowEvent = { type: 'EINLADEN', wave: params.label, ...(params.fristTage ? { fristTage: params.fristTage } : {}) };
      const result = await sendParticipantEvent(
        engine,
        { solutionId, ars, event, actor: `system:welle:${String(params.label)}`, origin: 'system' },
        { idempotencyKey: `${job.idempotency_key}:${ars}` },
      );
      if (settleEffectEvent(result, { solutionId, ars, effect: job.kind, logger }) === 'applied') applied++;
    }
    logger.info({ solutionId, wave: params.label, invited: applied, skipped: authorities.length - applied }, 'Welle eingeladen');
  }

  async function deliverTimerEvent(job: Job) {
    const { solutionId, ars, event } = job.payload as unknown as { solutionId: string; ars: string | null; event: WorkflowEvent };
    const sender = { actor: 'system:timer', origin: 'system' as const };
    const options = { idempotencyKey: job.idempotency_key };
    const result = ars
      ? await sendParticipantEvent(engine, { solutionId, ars, event, ...sender }, options)
      : await sendSolutionEvent(engine, { solutionId, event, ...sender }, options);
    settleEffectEvent(result, { solutionId, ars, effect: job.kind, logger });
  }

  // The ministry hears of authorities that stay silent through the mailing's escalation
  // mail; the participant machine's own escalation is recorded in the log and job table.
  async function recordEscalation(job: Job) {
    const { solutionId, ars, params } = job.payload as unknown as EffectPayload;
    logger.info({ solutionId, ars, ...params, effect: job.kind }, 'Antwortfrist nach der letzten Erinnerung abgelaufen');
  }

  return {
    'effect.inviteWave': inviteWave,
    'effect.escalateParticipant': recordEscalation,
    'timer.deliverEvent': deliverTimerEvent,
    [SLA_TIMER_JOB]: createSlaTimerHandler(engine.db, engine.now),
  };
}
