import type { WorkflowRegistration } from '../engine/workflow.registry.ts';
import { ROLLOUT_JOB_CLASS } from '../solutions/solution.target.ts';

/** A mailing's reminder to one authority (mailing.activities.ts). */
export const MAILING_REMINDER_JOB = 'mailing.reminder';

/** The mailings' reminders of an authority end when its participation is done. */
export function registerMailingWorkflows(registration: WorkflowRegistration): void {
  registration.classifyJobKinds(ROLLOUT_JOB_CLASS.remindsAuthority, [MAILING_REMINDER_JOB, 'effect.remindParticipant']);
}
