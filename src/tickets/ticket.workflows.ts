import type { Logger } from 'pino';
import type { MailMessage } from '../db/schema.ts';
import type { JobHandler } from '../engine/job.queue.ts';
import type { WorkflowRegistration } from '../engine/workflow.registry.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import type { Reaction } from '../engine/workflow.types.ts';
import type { OtherMailMessages } from '../mailings/mail.module.ts';
import { PARTICIPANT_TARGET, type ParticipantRef } from '../solutions/participant.target.ts';
import { ROLLOUT_JOB_CLASS } from '../solutions/solution.target.ts';
import { openAutomaticTickets } from './automatic-tickets.ts';
import { blockingTicketsGate } from './blocking-tickets.gate.ts';
import { createSlaTimerHandler, SLA_TIMER_JOB } from './sla-timers.ts';
import { createTicketMailActivities } from './ticket-mail.activities.ts';
import { enqueueTicketNotice, TICKET_NOTICE_JOB } from './ticket-notices.ts';
import { DEFAULT_TICKET_SETTINGS } from './ticket.sla.ts';
import { ticketTarget, TICKET_TARGET, type TicketRef } from './ticket.target.ts';

/**
 * The tickets' part of the workflows and of the job worker, handed over at composition
 * (composition.ts): the ticket machine, the blocking-tickets gate on a participant's
 * go-live, the automatic tickets of a "nicht bereit" answer, the notices of ticket events,
 * and the jobs that turn notices into mails and fire the SLA timers.
 */

/**
 * "nicht bereit" for a technical reason opens a ticket of the Kaz – on every path (answer
 * page, API, bulk), in the answer's transaction.
 */
const automaticTicketsOnReadiness: Reaction<ParticipantRef> = {
  events: ['BEREITSCHAFT_MELDEN'],
  async react(trx, { solutionId, ars, event, at }, deps) {
    if (event.status === 'nicht-bereit' && Array.isArray(event.gruende)) {
      await openAutomaticTickets(trx, { solutionId, ars, gruende: event.gruende as string[], freitext: event.freitext, at }, deps.tickets ?? DEFAULT_TICKET_SETTINGS);
    }
  },
};

/** The authority hears when the Kaz waits for it and when its ticket is solved. */
const noticesOnTicketEvents: Reaction<TicketRef> = {
  events: ['AUF_KOMMUNE_WARTEN', 'LOESEN'],
  async react(trx, { ticketId, scope, event, at }) {
    const notice = { ticketId, solutionId: scope.solutionId, ars: scope.ars!, ref: at.toISOString() };
    if (event.type === 'AUF_KOMMUNE_WARTEN') await enqueueTicketNotice(trx, { ...notice, occasion: 'rueckfrage', details: { grund: String(event.grund).trim() } }, at);
    if (event.type === 'LOESEN') await enqueueTicketNotice(trx, { ...notice, occasion: 'geloest', details: { loesung: String(event.loesung).trim() } }, at);
  },
};

export function registerTicketWorkflows(registration: WorkflowRegistration): void {
  registration.addTarget(ticketTarget);
  registration.addPrecondition<ParticipantRef>(PARTICIPANT_TARGET, blockingTicketsGate);
  registration.addReaction<ParticipantRef>(PARTICIPANT_TARGET, automaticTicketsOnReadiness);
  registration.addReaction<TicketRef>(TICKET_TARGET, noticesOnTicketEvents);
  // A ticket's notices still go out after the rollout ended: the authority hears that its ticket was solved or closed.
  registration.classifyJobKinds(ROLLOUT_JOB_CLASS.outlivesRollout, [TICKET_NOTICE_JOB]);
}

export interface TicketJobSettings {
  engine: EngineDeps;
  logger: Logger;
  messageIdDomain: string;
  /** The Kaz / ZIT-BB queue's address: ticket escalations and warnings (Config.kazQueueEmail). */
  kazQueueEmail: string;
  publicBaseUrl: string;
  linkTtlDays: number;
}

/**
 * The tickets' job handlers (notices into mails, SLA timers) and their mail rows, which
 * the mailings' one delivery job sends: a row of a ticket renders from its own details
 * and is always still wanted (an authority hears that its ticket was solved after the
 * rollout ended, too).
 */
export function createTicketJobs(settings: TicketJobSettings): { handlers: Record<string, JobHandler>; mailMessages: OtherMailMessages } {
  const { engine } = settings;
  const mails = createTicketMailActivities({
    db: engine.db,
    logger: settings.logger,
    now: engine.now,
    messageIdDomain: settings.messageIdDomain,
    kazQueueEmail: settings.kazQueueEmail,
    publicBaseUrl: settings.publicBaseUrl,
    linkTtlDays: settings.linkTtlDays,
    reopenDays: (engine.tickets ?? DEFAULT_TICKET_SETTINGS).reopenDays,
  });
  return {
    handlers: { ...mails.handlers, [SLA_TIMER_JOB]: createSlaTimerHandler(engine.db, engine.now) },
    mailMessages: {
      owns: (message: MailMessage) => Boolean(message.ticket_id),
      render: mails.renderMessage,
      stillWanted: async () => 'send',
    },
  };
}
