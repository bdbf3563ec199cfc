import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { enqueueJob, JOB_PRIORITY } from '../engine/job.queue.ts';

/**
 * What a ticket change means for the people outside the API: the authority hears of its
 * ticket (opened, a question, an answer, the solution), the assignee of an assignment and
 * of the authority's reply, the Kaz queue (and for blocking tickets the ministry) of an SLA
 * breach. The change only queues a notice – a job in its own transaction, so it commits
 * with the change or not at all; the activity (ticket-mail.activities.ts) turns it into
 * mails after the commit, once per notice.
 */
export const TICKET_NOTICE_JOB = 'ticket.benachrichtigen';

export type TicketNoticeOccasion =
  /** to the authority: its ticket was opened (by itself, the Kaz, the ministry or automatically) */
  | 'eroeffnet'
  /** to the authority: the Kaz waits for information from it (AUF_KOMMUNE_WARTEN) */
  | 'rueckfrage'
  /** to the authority: a public comment of the Kaz or the ministry */
  | 'antwort'
  /** to the authority: the ticket was solved (LOESEN) */
  | 'geloest'
  /** to the new assignee */
  | 'zugewiesen'
  /** to the assignee (or the Kaz queue): the authority answered on its ticket page */
  | 'behoerde-antwort'
  /** to the assignee (or the Kaz queue): 75 % of an SLA budget is used */
  | 'sla-warnung'
  /** to the Kaz queue and, for a blocking ticket, the solution's ministry contact: an SLA budget is used up */
  | 'eskalation';

export interface TicketNotice {
  ticketId: string;
  solutionId: string;
  ars: string;
  occasion: TicketNoticeOccasion;
  /** Makes the notice unique: the comment id, the revision, the SLA due time … */
  ref: string;
  /** What the mail says, fixed now: a later change must not alter a mail already caused. */
  details: Record<string, unknown>;
  /** When the change happened (ISO), as queued by `enqueueTicketNotice`. */
  at?: string;
}

export const ticketNoticeKey = (notice: Pick<TicketNotice, 'ticketId' | 'occasion' | 'ref'>) =>
  `${TICKET_NOTICE_JOB}:${notice.ticketId}:${notice.occasion}:${notice.ref}`;

/**
 * Queues the notice in the caller's transaction; the same notice twice is one. `at` is the
 * change's time on the engine's clock: the notice is due then and its mails say so (without
 * it, the database's clock – the same in production, not under a test's job clock).
 */
export async function enqueueTicketNotice(trx: Transaction<Database>, notice: TicketNotice, at?: Date): Promise<void> {
  await enqueueJob(trx, {
    kind: TICKET_NOTICE_JOB,
    payload: { ...notice, ...(at ? { at: at.toISOString() } : {}) },
    ...(at ? { runAt: at } : {}),
    idempotencyKey: ticketNoticeKey(notice),
    solutionId: notice.solutionId,
    ars: notice.ars,
    priority: JOB_PRIORITY.normal,
  });
}
