import type { Logger } from 'pino';
import type { Job } from '../db/schema.ts';
import type { JobHandler } from '../engine/job.queue.ts';
import { settleEffectEvent, type EffectPayload } from '../engine/effect.activities.ts';
import type { EngineDeps, WorkflowEvent } from '../engine/workflow.engine.ts';
import { sendParticipantEventToMany } from './participant.target.ts';

/**
 * The effects of the solution's and the participants' machines that belong to no other
 * feature: a wave's invitations and the record of an authority's silence. (The mail
 * effects are the mailings'.)
 */
export function createRolloutEffectHandlers(engine: EngineDeps, logger: Logger): Record<string, JobHandler> {
  async function inviteWave(job: Job) {
    const { solutionId, params } = job.payload as unknown as EffectPayload;
    const authorities = (params.authorities as string[]) ?? [];
    let applied = 0;
    const event: WorkflowEvent = { type: 'EINLADEN', wave: params.label, ...(params.fristTage ? { fristTage: params.fristTage } : {}) };
    // A chunk of the wave at a time, with the history and keys of one event each.
    const results = await sendParticipantEventToMany(
      engine,
      { participants: authorities.map((ars) => ({ solutionId, ars })), event, actor: `system:welle:${String(params.label)}`, origin: 'system' },
      { idempotencyKeyOf: ({ ars }) => `${job.idempotency_key}:${ars}` },
    );
    for (const [index, result] of results.entries()) {
      if (settleEffectEvent(result, { solutionId, ars: authorities[index], effect: job.kind, logger }) === 'applied') applied++;
    }
    logger.info({ solutionId, wave: params.label, invited: applied, skipped: authorities.length - applied }, 'Welle eingeladen');
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
  };
}
