import type { Logger } from 'pino';
import type { Job } from '../db/schema.ts';
import { ConflictProblem } from '../http/problem.ts';
import type { JobHandler } from './job.queue.ts';
import { DeferJobError } from './job.queue.ts';
import { sendParticipantEvent, sendSolutionEvent, type EngineDeps, type WorkflowEvent } from './workflow.engine.ts';

/**
 * The effects ("activities") the machines ask for. Each runs as a durable job after
 * the transition that caused it has committed, and may run more than once: every
 * handler is idempotent because it only sends events that the receiving machine
 * takes at most once (an already informed participant refuses INFORMIEREN).
 */

interface EffectPayload {
  solutionId: string;
  ars: string | null;
  params: Record<string, unknown>;
}

/** An event that the machine no longer takes means the work was already done. */
async function unlessAlreadyDone(work: () => Promise<unknown>): Promise<'applied' | 'skipped'> {
  try {
    await work();
    return 'applied';
  } catch (error) {
    if (error instanceof ConflictProblem) return 'skipped';
    throw error;
  }
}

export function createEffectHandlers(engine: EngineDeps, logger: Logger): Record<string, JobHandler> {
  const { db } = engine;

  async function informParticipants(job: Job) {
    const { solutionId } = job.payload as unknown as EffectPayload;
    const waiting = await db
      .selectFrom('participant')
      .select('ars')
      .where('solution_id', '=', solutionId)
      .where('stage', '=', 'vorgemerkt')
      .orderBy('ars')
      .execute();
    let applied = 0;
    for (const { ars } of waiting) {
      const result = await unlessAlreadyDone(() =>
        sendParticipantEvent(engine, { solutionId, ars, event: { type: 'INFORMIEREN' }, actor: 'system:erstinformation' }),
      );
      if (result === 'applied') applied++;
    }
    logger.info({ solutionId, informed: applied }, 'Teilnehmende als informiert markiert');
  }

  async function inviteWave(job: Job) {
    const { solutionId, params } = job.payload as unknown as EffectPayload;
    const authorities = (params.authorities as string[]) ?? [];
    let applied = 0;
    for (const ars of authorities) {
      const event: WorkflowEvent = { type: 'EINLADEN', wave: params.label, ...(params.fristTage ? { fristTage: params.fristTage } : {}) };
      const result = await unlessAlreadyDone(() =>
        sendParticipantEvent(engine, { solutionId, ars, event, actor: `system:welle:${String(params.label)}` }),
      );
      if (result === 'applied') applied++;
    }
    logger.info({ solutionId, wave: params.label, invited: applied, skipped: authorities.length - applied }, 'Welle eingeladen');
  }

  async function deliverTimerEvent(job: Job) {
    const { solutionId, ars, event } = job.payload as unknown as { solutionId: string; ars: string | null; event: WorkflowEvent };
    try {
      if (ars) await sendParticipantEvent(engine, { solutionId, ars, event, actor: 'system:timer' });
      else await sendSolutionEvent(engine, { solutionId, event, actor: 'system:timer' });
    } catch (error) {
      // While the rollout is paused its timers wait; once it has ended they lapse.
      if (error instanceof ConflictProblem && error.extensions.solutionStage === 'pausiert') {
        throw new DeferJobError(60 * 60 * 1000);
      }
      if (error instanceof ConflictProblem) return;
      throw error;
    }
  }

  // Reminder and escalation mails are sent by the mailing module; until it is
  // configured for a solution, the due reminder is recorded in the log and job table.
  async function recordReminder(job: Job) {
    const { solutionId, ars, params } = job.payload as unknown as EffectPayload;
    logger.info({ solutionId, ars, ...params, effect: job.kind }, 'Erinnerung/Eskalation fällig');
  }

  return {
    'effect.informParticipants': informParticipants,
    'effect.inviteWave': inviteWave,
    'effect.remindParticipant': recordReminder,
    'effect.escalateParticipant': recordReminder,
    'timer.deliverEvent': deliverTimerEvent,
  };
}
