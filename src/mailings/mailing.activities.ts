import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Job, LinkPurpose, MailMessage, MailingKind, TemplateKind } from '../db/schema.ts';
import { enqueueJob, JOB_PRIORITY, type JobHandler } from '../engine/job.queue.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { enqueueMailSend } from '../mail/mail-send.activity.ts';
import { linkPurposesFor, MULTIPLIER_TEMPLATE, prepareMail, type PreparedMail } from './template.render.ts';
import { loadSolutionsForMail, loadTemplatesFor, mailingMailContext, renderForRecipient, replyToOf, type RenderedMessage } from './template.service.ts';
import { issueResponseLinks, issueResponseLinksMany, linkSecretOnce } from '../links/link.service.ts';
import { NotFoundError } from '../errors/domain.errors.ts';
import { newMessageId, reminderDueAt } from './mailing.service.ts';
import { participantStillAsked, solutionGate } from './mail-relevance.ts';

/**
 * The mailing's own activities: rendering a message for delivery, coupling the sent
 * Erstinformation to the solution machine, reminders and the escalation to the ministry.
 * All are jobs and idempotent: a re-run finds the message it already created.
 */

type Db = Kysely<Database>;

export interface MailingActivityDeps {
  db: Db;
  engine: EngineDeps;
  logger: Logger;
  publicBaseUrl: string;
  linkTtlDays: number;
  /** Where escalations go when the solution names no contact address. */
  fallbackEscalationAddress: string;
  /** Right-hand side of the Message-IDs of reminders and escalations (a fully qualified domain). */
  messageIdDomain: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** The authorities' names by ARS, in one statement. */
async function loadAuthorityNames(db: Db, ars: readonly string[]): Promise<Map<string, { name: string; ars: string }>> {
  if (ars.length === 0) return new Map();
  const rows = await db.selectFrom('authority').select(['name', 'ars']).where('ars', 'in', [...new Set(ars)]).execute();
  return new Map(rows.map((row) => [row.ars, row]));
}

/** Authorities of a mailing that have not answered through any of its links. */
async function unansweredRecipients(db: Db, mailingId: string, solutionId: string, purposes: LinkPurpose[]) {
  return db
    .selectFrom('mail_message as m')
    .innerJoin('authority as a', 'a.ars', 'm.ars')
    .select(['m.ars', 'a.name', 'm.recipient_email'])
    .where('m.mailing_id', '=', mailingId)
    .where('m.recipient_role', '=', 'behoerde')
    .where('m.reminder_no', '=', 0)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('response_link as l')
            .select('l.token_hash')
            .whereRef('l.ars', '=', 'm.ars')
            .where('l.solution_id', '=', solutionId)
            .where('l.purpose', 'in', purposes.length ? purposes : ['interesse'])
            .where('l.used_at', 'is not', null),
        ),
      ),
    )
    .orderBy('a.name')
    .execute();
}

async function loadMailing(db: Db, mailingId: string) {
  return db.selectFrom('mailing').selectAll().where('id', '=', mailingId).executeTakeFirstOrThrow();
}

/** Records a follow-up message once (unique per mailing, address, kind, number) and hands it to delivery. */
async function recordFollowUpMessage(
  db: Db,
  messageIdDomain: string,
  message: { mailingId: string; ars: string | null; email: string; role: 'behoerde' | 'ministerium'; kind: MailingKind; reminderNo: number },
) {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('mail_message')
      .values({
        id: randomUUID(),
        mailing_id: message.mailingId,
        ars: message.ars,
        recipient_email: message.email,
        recipient_role: message.role,
        kind: message.kind,
        reminder_no: message.reminderNo,
        message_id: newMessageId(messageIdDomain),
      })
      .onConflict((oc) => oc.constraint('mail_message_once').doNothing())
      .execute();
    const row = await trx
      .selectFrom('mail_message')
      .select('id')
      .where('mailing_id', '=', message.mailingId)
      .where('recipient_email', '=', message.email)
      .where('kind', '=', message.kind)
      .where('reminder_no', '=', message.reminderNo)
      .executeTakeFirstOrThrow();
    await enqueueMailSend(trx, row.id);
  });
}

export function createMailingActivities(deps: MailingActivityDeps) {
  const { db, logger } = deps;
  // Bound to this instance's Message-ID domain, so the reminder and escalation code needs no mail settings.
  const createFollowUpMessage = (executor: Db, message: Parameters<typeof recordFollowUpMessage>[2]) =>
    recordFollowUpMessage(executor, deps.messageIdDomain, message);
  // The link key never changes once created: read it once per process, not per mail.
  const secret = linkSecretOnce(db);

  /** Renders a message exactly as the preview shows it; links are deterministic per authority and purpose. */
  async function renderMessage(message: MailMessage) {
    if (!message.mailing_id) throw new Error(`Mail ${message.id} gehört zu keinem Mailing`);
    const mailing = await loadMailing(db, message.mailing_id);
    const base = { solutionId: mailing.solution_id, frist: mailing.deadline, kind: message.kind as MailingKind };
    if (message.recipient_role === 'ministerium') {
      const offene = await unansweredRecipients(db, mailing.id, mailing.solution_id, linkPurposesFor(mailing.kind));
      return renderForRecipient(db, {
        ...base,
        ars: null,
        links: {},
        erinnerungNummer: mailing.reminder_count,
        offene: offene.map((o) => ({ name: o.name, ars: o.ars! })),
      });
    }
    if (message.recipient_role === 'multiplikator') {
      // Its own wording: the authority text would show a dash for every link and name.
      return renderForRecipient(db, {
        ...base,
        kind: MULTIPLIER_TEMPLATE,
        ars: null,
        links: {},
        empfaengerAnzahl: mailing.recipients_total - mailing.without_address.length,
      });
    }
    if (!message.ars) {
      return renderForRecipient(db, { ...base, ars: null, links: {} });
    }
    const links = await issueResponseLinks(db, {
      secret: await secret(),
      solutionId: mailing.solution_id,
      ars: message.ars,
      mailingId: mailing.id,
      purposes: linkPurposesFor(mailing.kind),
      expiresAt: new Date(mailing.created_at.getTime() + deps.linkTtlDays * DAY_MS),
      baseUrl: deps.publicBaseUrl,
    });
    return renderForRecipient(db, {
      ...base,
      ars: message.ars,
      links,
      ...(message.kind === 'erinnerung' ? { erinnerungNummer: message.reminder_no } : {}),
    });
  }

  /**
   * `renderMessage` for a batch of messages (the delivery's batch): mailings, solutions,
   * templates and authorities in one statement each, the answer links issued in one, each
   * mailing's template prepared once and filled per recipient. Per message its mail, or the
   * error its render met (that message's job tries again). Mails to the ministry (escalation)
   * and without an authority are rare and rendered one by one.
   */
  async function renderMessages(messages: readonly MailMessage[]): Promise<Map<string, RenderedMessage | Error>> {
    const rendered = new Map<string, RenderedMessage | Error>();
    const batchable = messages.filter((m) => m.mailing_id && (m.recipient_role === 'multiplikator' || (m.recipient_role === 'behoerde' && m.ars)));
    const inBatch = new Set(batchable);
    for (const message of messages) {
      if (inBatch.has(message)) continue;
      rendered.set(message.id, await renderMessage(message).catch(asError));
    }
    if (batchable.length === 0) return rendered;
    try {
      const mailings = await db
        .selectFrom('mailing')
        .selectAll()
        .where('id', 'in', [...new Set(batchable.map((m) => m.mailing_id!))])
        .execute();
      const mailingOf = new Map(mailings.map((mailing) => [mailing.id, mailing]));
      const solutionIds = mailings.map((mailing) => mailing.solution_id);
      const templateKindOf = (m: MailMessage): TemplateKind => (m.recipient_role === 'multiplikator' ? MULTIPLIER_TEMPLATE : (m.kind as MailingKind));
      const [solutions, templateOf, authorities] = await Promise.all([
        loadSolutionsForMail(db, solutionIds),
        loadTemplatesFor(db, solutionIds, [...new Set(batchable.map(templateKindOf))]),
        loadAuthorityNames(db, batchable.flatMap((m) => (m.recipient_role === 'behoerde' ? [m.ars!] : []))),
      ]);
      const toAuthorities = batchable.filter((m) => m.recipient_role === 'behoerde' && mailingOf.has(m.mailing_id!));
      const links = await issueResponseLinksMany(
        db,
        { secret: await secret(), baseUrl: deps.publicBaseUrl },
        toAuthorities.map((m) => {
          const mailing = mailingOf.get(m.mailing_id!)!;
          return {
            solutionId: mailing.solution_id,
            ars: m.ars!,
            mailingId: mailing.id,
            purposes: linkPurposesFor(mailing.kind),
            expiresAt: new Date(mailing.created_at.getTime() + deps.linkTtlDays * DAY_MS),
          };
        }),
      );
      const linksOf = new Map(toAuthorities.map((m, index) => [m.id, links[index]!]));
      const prepared = new Map<string, { mail: PreparedMail; replyTo: RenderedMessage['replyTo'] }>();
      for (const message of batchable) {
        const mailing = mailingOf.get(message.mailing_id!);
        const solution = mailing && solutions.get(mailing.solution_id);
        if (!mailing || !solution) {
          rendered.set(message.id, new Error(`Mail ${message.id}: Mailing oder Lösung gibt es nicht mehr`));
          continue;
        }
        const kind = templateKindOf(message);
        const key = `${mailing.id}:${kind}`;
        let prepare = prepared.get(key);
        if (!prepare) {
          const context = mailingMailContext(solution, {
            frist: mailing.deadline,
            ...(kind === MULTIPLIER_TEMPLATE ? { empfaengerAnzahl: mailing.recipients_total - mailing.without_address.length } : {}),
          });
          prepare = { mail: prepareMail(templateOf(mailing.solution_id, kind), context), replyTo: replyToOf(context.details) };
          prepared.set(key, prepare);
        }
        if (message.recipient_role === 'multiplikator') {
          rendered.set(message.id, { ...prepare.mail.render({ behoerde: null, links: {} }), replyTo: prepare.replyTo });
          continue;
        }
        const behoerde = authorities.get(message.ars!);
        if (!behoerde) {
          rendered.set(message.id, new NotFoundError(`Behörde ${message.ars} gibt es im Kommunalverzeichnis nicht`));
          continue;
        }
        const recipient = { behoerde, links: linksOf.get(message.id)!, ...(message.kind === 'erinnerung' ? { erinnerungNummer: message.reminder_no } : {}) };
        rendered.set(message.id, { ...prepare.mail.render(recipient), replyTo: prepare.replyTo });
      }
    } catch (error) {
      for (const message of batchable) rendered.set(message.id, asError(error));
    }
    return rendered;
  }

  async function sendReminder(job: Job) {
    const { mailingId, solutionId, ars, n } = job.payload as { mailingId: string; solutionId: string; ars: string; n: number };
    if ((await solutionGate(db, solutionId)) === 'ended') return;
    const mailing = await loadMailing(db, mailingId);
    if (!(await participantStillAsked(db, solutionId, ars, mailing.kind))) return;
    const open = await unansweredRecipients(db, mailingId, solutionId, linkPurposesFor(mailing.kind));
    const recipient = open.find((o) => o.ars === ars);
    if (!recipient) return; // answered meanwhile
    await createFollowUpMessage(db, { mailingId, ars, email: recipient.recipient_email, role: 'behoerde', kind: 'erinnerung', reminderNo: n });
    if (n < mailing.reminder_count && mailing.deadline) {
      await enqueueJob(db, {
        kind: 'mailing.reminder',
        payload: { mailingId, solutionId, ars, n: n + 1 },
        idempotencyKey: `reminder:${solutionId}:${ars}:${mailingId}:${n + 1}`,
        runAt: reminderDueAt(mailing.deadline, mailing.reminder_interval_days, n + 1),
        solutionId,
        ars,
        priority: JOB_PRIORITY.normal,
      });
    }
  }

  async function escalateToMinistry(job: Job) {
    const { mailingId, solutionId } = job.payload as { mailingId: string; solutionId: string };
    if ((await solutionGate(db, solutionId)) === 'ended') return;
    const mailing = await loadMailing(db, mailingId);
    const open = await unansweredRecipients(db, mailingId, solutionId, linkPurposesFor(mailing.kind));
    if (open.length === 0) return;
    const solution = await db.selectFrom('solution').select('mail_details').where('id', '=', solutionId).executeTakeFirstOrThrow();
    const email = solution.mail_details.kontaktEmail || deps.fallbackEscalationAddress;
    await createFollowUpMessage(db, { mailingId, ars: null, email, role: 'ministerium', kind: 'eskalation', reminderNo: 0 });
    logger.info({ solutionId, mailingId, unanswered: open.length }, 'Eskalation an das Ministerium');
  }

  /**
   * The participant machine's own answer deadline (state eingeladen) ran out: remind the
   * authority by mail if it was invited by a Rollout-Einladung mailing. A mailing's own
   * reminder with the same number is the same message (unique per mailing, address,
   * kind and number), so the two timers never send it twice.
   */
  async function remindInvitedParticipant(job: Job) {
    const { solutionId, ars, params } = job.payload as { solutionId: string; ars: string; params: { erinnerung?: number } };
    if ((await solutionGate(db, solutionId)) === 'ended' || !(await participantStillAsked(db, solutionId, ars, 'rollout-einladung'))) return;
    const invitation = await db
      .selectFrom('mail_message as m')
      .innerJoin('mailing as g', 'g.id', 'm.mailing_id')
      .select(['g.id as mailing_id', 'm.recipient_email'])
      .where('g.solution_id', '=', solutionId)
      .where('g.kind', '=', 'rollout-einladung')
      .where('m.ars', '=', ars)
      .where('m.reminder_no', '=', 0)
      .orderBy('g.created_at', 'desc')
      .executeTakeFirst();
    if (!invitation) {
      logger.info({ solutionId, ars, erinnerung: params.erinnerung }, 'Antwortfrist abgelaufen; keine Einladungs-Mail, an die erinnert werden könnte');
      return;
    }
    await createFollowUpMessage(db, {
      mailingId: invitation.mailing_id,
      ars,
      email: invitation.recipient_email,
      role: 'behoerde',
      kind: 'erinnerung',
      reminderNo: params.erinnerung ?? 1,
    });
  }

  const handlers: Record<string, JobHandler> = {
    'effect.remindParticipant': remindInvitedParticipant,
    'mailing.reminder': sendReminder,
    'mailing.escalate': escalateToMinistry,
  };
  return { renderMessage, renderMessages, handlers };
}
