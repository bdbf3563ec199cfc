import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { toJson, type Database, type Job, type MailMessage, type TicketMailKind } from '../db/schema.ts';
import type { JobHandler } from '../engine/job.queue.ts';
import { enqueueMailSend } from '../mail/mail-send.activity.ts';
import { newMessageId } from '../mailings/mailing.service.ts';
import { issueTicketLink, linkSecretOnce, ticketPageUrl } from '../links/link.service.ts';
import { TICKET_NOTICE_JOB, type TicketNotice, type TicketNoticeOccasion } from './ticket-notices.ts';
import { renderTicketMail, type TicketMailAudience, type TicketMailDetails } from './ticket-mail.render.ts';

/**
 * Turns a ticket notice into mails: resolves who is to hear of it, writes one mail row per
 * recipient with what the mail says, and queues its delivery – in one transaction, keyed
 * by the notice, so a re-run of the job writes and sends nothing twice. Rendering happens
 * at delivery (the `mail.send` job), from the row alone.
 */

type Db = Kysely<Database>;

export interface TicketMailDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  messageIdDomain: string;
  /** The Kaz queue (KAZ_QUEUE_EMAIL): warnings and answers of unassigned tickets, every escalation. */
  kazQueueEmail: string;
  publicBaseUrl: string;
  /** The authority's ticket link stays valid this long after the notice (LINK_TTL_DAYS). */
  linkTtlDays: number;
  /** The reopen period the authority is told of when its ticket is solved. */
  reopenDays: number;
}

type Role = 'behoerde' | 'kaz' | 'ministerium';
interface Recipient {
  email: string;
  role: Role;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const TO_THE_AUTHORITY: readonly TicketNoticeOccasion[] = ['eroeffnet', 'rueckfrage', 'antwort', 'geloest'];

async function loadTicketFacts(db: Db, ticketId: string) {
  return db
    .selectFrom('ticket as t')
    .innerJoin('solution as s', 's.id', 't.solution_id')
    .innerJoin('authority as a', 'a.ars', 't.ars')
    .select([
      't.id',
      't.number',
      't.title',
      't.category',
      't.priority',
      't.blocking',
      't.assignee',
      't.stage',
      't.solution_id',
      't.first_responded_at',
      't.first_response_due',
      't.resolution_due',
      's.title as solution_title',
      's.mail_details',
      'a.name as authority_name',
      'a.email as authority_email',
    ])
    .where('t.id', '=', ticketId)
    .executeTakeFirst();
}
type TicketFacts = NonNullable<Awaited<ReturnType<typeof loadTicketFacts>>>;

/** Who hears of the notice; the same address once (the queue may be the ministry's contact too). */
function recipientsOf(notice: TicketNotice, ticket: TicketFacts, kazQueueEmail: string): Recipient[] {
  const assigneeOrQueue = ticket.assignee?.trim() || kazQueueEmail;
  let recipients: Recipient[];
  switch (notice.occasion) {
    case 'eroeffnet':
      recipients = ticket.authority_email ? [{ email: ticket.authority_email, role: 'behoerde' }] : [];
      // a ticket the Kaz did not open itself (the authority's report, an automatic one, the ministry's) is news to it
      if (notice.details.quelle !== 'kaz') recipients.push({ email: assigneeOrQueue, role: 'kaz' });
      break;
    case 'rueckfrage':
    case 'antwort':
    case 'geloest':
      recipients = ticket.authority_email ? [{ email: ticket.authority_email, role: 'behoerde' }] : [];
      break;
    case 'zugewiesen': {
      const assignee = typeof notice.details.zustaendig === 'string' ? notice.details.zustaendig.trim() : '';
      recipients = assignee ? [{ email: assignee, role: 'kaz' }] : [];
      break;
    }
    case 'behoerde-antwort':
    case 'sla-warnung':
      recipients = [{ email: assigneeOrQueue, role: 'kaz' }];
      break;
    case 'eskalation': {
      recipients = [{ email: kazQueueEmail, role: 'kaz' }];
      const ministry = ticket.mail_details.kontaktEmail?.trim();
      if (notice.details.blockierend === true && ministry) recipients.push({ email: ministry, role: 'ministerium' });
      break;
    }
  }
  const seen = new Set<string>();
  return recipients.filter((r) => !seen.has(r.email.toLowerCase()) && seen.add(r.email.toLowerCase()));
}

/** The ticket's next due time for the Kaz: the first response until there is one, then the resolution; none while paused. */
function nextDue(notice: TicketNotice, ticket: TicketFacts): Pick<TicketMailDetails, 'faelligAm' | 'frist' | 'ohneFrist'> {
  if (typeof notice.details.faelligAm === 'string' && (notice.details.frist === 'erste-reaktion' || notice.details.frist === 'loesung')) {
    return { faelligAm: notice.details.faelligAm, frist: notice.details.frist };
  }
  if (ticket.stage === 'wartet-auf-kommune') return { faelligAm: null, frist: null, ohneFrist: 'wartet auf die Behörde' };
  if (ticket.stage === 'geloest' || ticket.stage === 'geschlossen') return { faelligAm: null, frist: null, ohneFrist: ticket.stage === 'geloest' ? 'gelöst' : 'geschlossen' };
  return ticket.first_responded_at
    ? { faelligAm: ticket.resolution_due.toISOString(), frist: 'loesung' }
    : { faelligAm: ticket.first_response_due.toISOString(), frist: 'erste-reaktion' };
}

export function createTicketMailActivities(deps: TicketMailDeps) {
  const { db, logger } = deps;
  const secret = linkSecretOnce(db);

  async function notify(job: Job) {
    const notice = job.payload as unknown as TicketNotice;
    const log = logger.child({ ticketId: notice.ticketId, occasion: notice.occasion, jobId: job.id });
    const ticket = await loadTicketFacts(db, notice.ticketId);
    if (!ticket) {
      log.warn('Ticket gibt es nicht mehr: keine Benachrichtigung');
      return;
    }
    const recipients = recipientsOf(notice, ticket, deps.kazQueueEmail);
    if (recipients.length === 0) {
      log.info(TO_THE_AUTHORITY.includes(notice.occasion) ? 'Behörde ohne E-Mail-Adresse: keine Ticket-Mail' : 'Niemand zu benachrichtigen');
      return;
    }
    const details: TicketMailDetails = {
      ...notice.details,
      anlass: notice.occasion,
      nummer: Number(ticket.number),
      titel: ticket.title,
      kategorie: ticket.category,
      solutionId: ticket.solution_id,
      loesungTitel: ticket.solution_title,
      behoerde: ticket.authority_name,
      ausgeloestAm: notice.at ?? job.created_at.toISOString(),
      prioritaet: ticket.priority,
      blockierend: ticket.blocking,
      ...nextDue(notice, ticket),
      ...(notice.occasion === 'geloest' ? { wiedereroeffnenTage: deps.reopenDays } : {}),
    };
    const at = deps.now();
    await db.transaction().execute(async (trx) => {
      for (const recipient of recipients) {
        const noticeKey = `${job.idempotency_key}:${recipient.email}`;
        await trx
          .insertInto('mail_message')
          .values({
            id: randomUUID(),
            ticket_id: ticket.id,
            ars: notice.ars,
            recipient_email: recipient.email,
            recipient_role: recipient.role,
            kind: `ticket-${notice.occasion}` satisfies TicketMailKind,
            message_id: newMessageId(deps.messageIdDomain),
            details: toJson(details),
            notice_key: noticeKey,
            updated_at: at,
          })
          .onConflict((oc) => oc.column('notice_key').where('notice_key', 'is not', null).doNothing())
          .execute();
        const row = await trx.selectFrom('mail_message').select('id').where('notice_key', '=', noticeKey).executeTakeFirstOrThrow();
        await enqueueMailSend(trx, row.id, at);
      }
    });
    log.debug({ recipients: recipients.length }, 'Ticket-Mails angelegt');
  }

  /** Deterministic for a row: its details, and the authority's link derived from its key. */
  async function renderMessage(message: MailMessage) {
    if (!message.ticket_id || !message.details) throw new Error(`Mail ${message.id} ist keine Ticket-Mail`);
    const details = message.details as TicketMailDetails;
    const audience: TicketMailAudience = message.recipient_role === 'behoerde' ? 'behoerde' : message.recipient_role === 'ministerium' ? 'ministerium' : 'kaz';
    if (audience !== 'behoerde') {
      // The staff's ticket page: signed out, the person signs in and lands on the ticket.
      const pageUrl = `${deps.publicBaseUrl.replace(/\/+$/, '')}/verwaltung/tickets/${message.ticket_id}`;
      return renderTicketMail({ details, audience, url: pageUrl });
    }
    const { url: linkUrl } = await issueTicketLink(db, {
      secret: await secret(),
      solutionId: details.solutionId,
      ars: message.ars!,
      expiresAt: new Date(new Date(details.ausgeloestAm).getTime() + deps.linkTtlDays * DAY_MS),
      baseUrl: deps.publicBaseUrl,
    });
    return renderTicketMail({ details, audience, url: ticketPageUrl(linkUrl, details.nummer) });
  }

  const handlers: Record<string, JobHandler> = { [TICKET_NOTICE_JOB]: notify };
  return { handlers, renderMessage };
}
