import type { Transaction } from 'kysely';
import { toJson, type Database } from '../db/schema.ts';
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

/** One reply of the authority as a gathered notice names it. */
export interface AuthorityReply {
  kommentarId: string;
  text: string;
  /** ISO time of the reply. */
  at: string;
  /** The reply reopened the solved or closed ticket. */
  wiedereroeffnet?: boolean;
}

/**
 * The authority's reply on its ticket page, for the assignee (or the Kaz queue): replies
 * are gathered, so that ten replies in a few minutes make one mail naming all ten instead
 * of ten mails. The first reply queues a notice due `gatherMinutes` later; a reply before
 * it went out joins it. Only a notice no worker has taken up yet is joined (pending, never
 * attempted, locked here so the worker skips it until this transaction commits): one the
 * worker has claimed, or ran before and may have turned into mail rows already, stays as
 * it is, and the reply starts the next notice. So each reply is in exactly one mail.
 */
export async function enqueueAuthorityReplyNotice(
  trx: Transaction<Database>,
  target: Pick<TicketNotice, 'ticketId' | 'solutionId' | 'ars'>,
  reply: AuthorityReply,
  at: Date,
  gatherMinutes: number,
): Promise<void> {
  const gatherKey = `${TICKET_NOTICE_JOB}:${target.ticketId}:behoerde-antwort`;
  const pending = await trx
    .selectFrom('job')
    .select(['id', 'payload'])
    .where('cancel_key', '=', gatherKey)
    .where('status', 'in', ['pending', 'waiting'])
    .where('attempts', '=', 0)
    .orderBy('id', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  if (pending) {
    const notice = pending.payload as unknown as TicketNotice;
    const replies = [...((notice.details.antworten as AuthorityReply[] | undefined) ?? []), reply];
    const details = { ...notice.details, antworten: replies, ...(reply.wiedereroeffnet ? { wiedereroeffnet: true } : {}) };
    await trx
      .updateTable('job')
      .set({ payload: toJson({ ...notice, details }) })
      .where('id', '=', pending.id)
      .execute();
    return;
  }
  const notice: TicketNotice = {
    ...target,
    occasion: 'behoerde-antwort',
    ref: reply.kommentarId,
    details: { antworten: [reply], ...(reply.wiedereroeffnet ? { wiedereroeffnet: true } : {}) },
    at: at.toISOString(),
  };
  await enqueueJob(trx, {
    kind: TICKET_NOTICE_JOB,
    payload: { ...notice },
    runAt: new Date(at.getTime() + gatherMinutes * 60_000),
    idempotencyKey: ticketNoticeKey(notice),
    // the key under which the next reply finds it (an index on open jobs); nothing cancels by it
    cancelKey: gatherKey,
    solutionId: target.solutionId,
    ars: target.ars,
    priority: JOB_PRIORITY.normal,
  });
}
