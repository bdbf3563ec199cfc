import type { WorkflowRegistration } from '../engine/workflow.registry.ts';
import { MAIL_SEND_JOB } from '../mail/mail-send.activity.ts';
import { participantTarget } from './participant.target.ts';
import { ROLLOUT_JOB_CLASS, solutionTarget } from './solution.target.ts';

/** The rollout's two machines – the solution and its participants – as the engine runs them. */
export function registerSolutionWorkflows(registration: WorkflowRegistration): void {
  registration.addTarget(solutionTarget);
  registration.addTarget(participantTarget);
  // Mail deliveries decide for themselves (mail.send checks whether its message is still wanted).
  registration.classifyJobKinds(ROLLOUT_JOB_CLASS.outlivesRollout, [MAIL_SEND_JOB]);
  // The participant machine's escalation is pointless once the authority is done.
  registration.classifyJobKinds(ROLLOUT_JOB_CLASS.remindsAuthority, ['effect.escalateParticipant']);
}
