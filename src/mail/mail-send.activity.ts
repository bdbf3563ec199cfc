import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database, MailMessage, MailStatus } from '../db/schema.ts';
import { enqueueJob, JOB_PRIORITY, PermanentJobError, type JobHandler, type NewJob } from '../engine/job.queue.ts';
import { classifyMailError, type MailTransport } from './mail.transport.ts';

/**
 * Sends one mail_message as a durable job: every (mailing, recipient) row is handed to
 * the mail server once, across crashes and restarts, and its outcome is recorded on the row.
 *
 * The in-doubt window, honestly: the row is marked 'wird-gesendet' (committed) before the
 * SMTP conversation and 'angenommen' after the server's 250. If the process dies – or the
 * database is unreachable – between the server accepting the message and that commit, the
 * job runs again once its lease has expired and re-sends. SMTP offers no way to ask a
 * server whether it already holds a message, so this cannot be closed from our side. What
 * we guarantee instead is that the retry sends the *identical* message with the *same*
 * Message-ID (`render` is deterministic for a row, the Message-ID is stored on it), which
 * mail clients and archive systems treat as one message. A row left in 'wird-gesendet'
 * with attempts > 1 is the evidence of such an in-doubt send.
 */

export const MAIL_SEND_JOB = 'mail.send';

export interface MailSendPayload {
  mailMessageId: string;
}

export interface MailSendDeps {
  db: Kysely<Database>;
  transport: MailTransport;
  mailFrom: string;
  /** Must be deterministic for a message: same content and links on every attempt. */
  render: (message: MailMessage) => Promise<{ subject: string; text: string; html: string; replyTo?: { name: string; address: string } | null }>;
  logger: Logger;
  now?: () => Date;
  /** Asked right before sending: a mail that became pointless is discarded ('verworfen'). May throw WaitForResumeError. */
  stillWanted?: (message: MailMessage) => Promise<'send' | { discard: string }>;
  /** Runs in the transaction that records the server's acceptance (e.g. the authority now counts as informed). */
  onAccepted?: (trx: Transaction<Database>, message: MailMessage) => Promise<void>;
}

const MAIL_SEND_MAX_ATTEMPTS = 8;
const FINAL_STATUSES: readonly MailStatus[] = ['angenommen', 'fehlgeschlagen', 'unzustellbar', 'verworfen'];

/** Queues the send of one message, in the caller's transaction; a second call for the same message is ignored. */
export async function enqueueMailSend(
  db: Kysely<Database> | Transaction<Database>,
  mailMessageId: string,
  runAt?: Date,
): Promise<void> {
  await enqueueJob(db, mailSendJob(mailMessageId, runAt));
}

/** The delivery job of one message: bulk priority, so timers and effects never queue behind a mailing. */
export function mailSendJob(mailMessageId: string, runAt?: Date): NewJob {
  return {
    kind: MAIL_SEND_JOB,
    payload: { mailMessageId } satisfies MailSendPayload,
    idempotencyKey: `${MAIL_SEND_JOB}:${mailMessageId}`,
    maxAttempts: MAIL_SEND_MAX_ATTEMPTS,
    priority: JOB_PRIORITY.bulk,
    ...(runAt ? { runAt } : {}),
  };
}

export function createMailSendHandler(deps: MailSendDeps): JobHandler {
  const { db, transport, logger } = deps;
  const now = deps.now ?? (() => new Date());

  return async function sendMailMessage(job) {
    const { mailMessageId } = job.payload as unknown as MailSendPayload;
    const log = logger.child({ mailMessageId, jobId: job.id });
    const message = await db.selectFrom('mail_message').selectAll().where('id', '=', mailMessageId).executeTakeFirst();
    if (!message) {
      // Deleted with its mailing: nothing left to send.
      log.warn('Mail-Nachricht nicht mehr vorhanden');
      return;
    }
    if (FINAL_STATUSES.includes(message.status)) return;
    const wanted = deps.stillWanted ? await deps.stillWanted(message) : 'send';
    if (wanted !== 'send') {
      await db
        .updateTable('mail_message')
        .set({ status: 'verworfen', last_response: wanted.discard, updated_at: now() })
        .where('id', '=', message.id)
        .where('status', 'not in', FINAL_STATUSES)
        .execute();
      log.info({ reason: wanted.discard }, 'Mail verworfen');
      return;
    }

    const content = await deps.render(message);

    // Committed before the SMTP conversation, so a crash leaves a visible in-doubt send.
    const claimed = await db
      .updateTable('mail_message')
      .set((eb) => ({ status: 'wird-gesendet', attempts: eb('attempts', '+', 1), updated_at: now() }))
      .where('id', '=', message.id)
      .where('status', 'not in', FINAL_STATUSES)
      .executeTakeFirst();
    if (claimed.numUpdatedRows === 0n) return;

    try {
      const { response } = await transport.send({
        from: deps.mailFrom,
        to: message.recipient_email,
        subject: content.subject,
        text: content.text,
        html: content.html,
        messageId: message.message_id,
        ...(content.replyTo ? { replyTo: content.replyTo } : {}),
      });
      const sentAt = now();
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('mail_message')
          .set({ status: 'angenommen', sent_at: sentAt, last_response: response, updated_at: sentAt })
          .where('id', '=', message.id)
          .execute();
        await deps.onAccepted?.(trx, message);
      });
      log.debug({ response }, 'Mail angenommen');
    } catch (error) {
      const { permanent, response } = classifyMailError(error);
      // On the job's last attempt a transient failure is final too: a message left
      // 'zurueckgestellt' would claim a retry that will never come.
      const givingUp = !permanent && job.attempts >= job.max_attempts;
      await db
        .updateTable('mail_message')
        .set({
          status: permanent || givingUp ? 'fehlgeschlagen' : 'zurueckgestellt',
          last_response: givingUp ? `${response} (aufgegeben nach ${job.attempts} Versuchen)` : response,
          updated_at: now(),
        })
        .where('id', '=', message.id)
        .execute();
      if (permanent || givingUp) {
        log.warn({ response }, 'Mail endgültig fehlgeschlagen');
        throw new PermanentJobError(response);
      }
      log.info({ response }, 'Mail zurückgestellt, neuer Versuch folgt');
      throw error;
    }
  };
}
