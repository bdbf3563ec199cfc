import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Job } from '../db/schema.ts';
import type { JobHandler } from '../engine/job.queue.ts';
import { DomainError } from '../errors/domain.errors.ts';
import { createMailing, type MailingSettings } from './mailing.service.ts';
import { solutionGate } from './mail-relevance.ts';

/**
 * A confirmed pilot gets its own page by mail: PILOT_BESTAETIGEN yields the effect
 * `effect.invitePilot`, and this activity sends it a `pilot-einladung` – the mail whose
 * links include the pilot's page (`pilotbetrieb`: checklist, go-live). One mailing per
 * confirmation, recognised by the job's key, so a re-run sends nothing twice.
 */

export const INVITE_PILOT_JOB = 'effect.invitePilot';

export interface PilotInvitationDeps {
  db: Kysely<Database>;
  logger: Logger;
  settings: MailingSettings;
  now: () => Date;
}

export function createPilotInvitationActivities(deps: PilotInvitationDeps): { handlers: Record<string, JobHandler> } {
  const { db, logger } = deps;
  async function invitePilot(job: Job) {
    const { solutionId, ars } = job.payload as { solutionId: string; ars: string };
    if ((await solutionGate(db, solutionId)) === 'ended') return;
    const participant = await db.selectFrom('participant').select('stage').where('solution_id', '=', solutionId).where('ars', '=', ars).executeTakeFirst();
    if (participant?.stage !== 'pilot-bestaetigt') {
      logger.info({ solutionId, ars, stage: participant?.stage }, 'Pilot-Einladung entfällt: die Behörde ist keine bestätigte Pilotbehörde mehr');
      return;
    }
    const actor = `system:pilot-bestaetigt:${job.idempotency_key}`;
    const sent = await db.selectFrom('mailing').select('id').where('solution_id', '=', solutionId).where('created_by', '=', actor).executeTakeFirst();
    if (sent) return;
    try {
      await createMailing(
        db,
        deps.settings,
        { tokenId: 'system', role: 'admin', ministry: null, label: 'pilot-bestaetigt' },
        solutionId,
        { kind: 'pilot-einladung', filter: { authorities: [ars] }, erneut: true },
        actor,
        deps.now(),
      );
    } catch (error) {
      // Without the solution's contact no mail can go out: the ministry sends it later itself.
      if (!(error instanceof DomainError)) throw error;
      logger.warn({ solutionId, ars, reason: error.detail }, 'Pilot-Einladung nicht versandt');
    }
  }
  return { handlers: { [INVITE_PILOT_JOB]: invitePilot } };
}
