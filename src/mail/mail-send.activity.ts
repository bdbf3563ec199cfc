import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Job, MailMessage, MailStatus } from '../db/schema.ts';
import { enqueueJob, JOB_PRIORITY, PermanentJobError, type BatchJobHandler, type JobHandler, type NewJob } from '../engine/job.queue.ts';
import { classifyMailError, type MailTransport } from './mail.transport.ts';

/**
 * Sends mail_messages as durable jobs: every (mailing, recipient) row is handed to the mail
 * server once, across crashes and restarts, and its outcome is recorded on the row.
 *
 * The jobs run in batches (`createMailSendBatchHandler`, up to MAIL_SEND_BATCH_SIZE due
 * jobs claimed at once): one statement reads the rows, one marks them 'wird-gesendet', the
 * SMTP sends go out together over the pooled transport, and one transaction per
 * ACCEPTED_CHUNK accepted messages records their 'angenommen' with its bookkeeping
 * (`onAccepted`). Each message still ends on its own: a
 * refusal, a retry, a discard or a paused solution concerns its job alone.
 *
 * The in-doubt window, honestly: the rows are marked 'wird-gesendet' (committed) before the
 * SMTP conversations and 'angenommen' after the server's 250 – in chunks of ACCEPTED_CHUNK
 * as the answers come. If the process dies – or the database is unreachable – between the
 * server accepting a message and that commit, its job runs again once its lease has expired
 * and re-sends. So after a crash the accepted but not yet recorded messages of the batches
 * then running are in doubt – per running batch a chunk or two (the one being written and
 * the one filling) while the database keeps up, up to the whole batch when it lags; at most
 * JOB_CONCURRENCY × MAIL_SEND_BATCH_SIZE in all – not only the one message being sent as
 * before batching. SMTP offers no way to ask a server whether
 * it already holds a message, so this cannot be closed from our side. What we guarantee
 * instead is that the retry sends the *identical* message with the *same* Message-ID
 * (`render` is deterministic for a row, the Message-ID is stored on it), which mail clients
 * and archive systems treat as one message. A row left in 'wird-gesendet' with attempts > 1
 * is the evidence of such an in-doubt send.
 */

export const MAIL_SEND_JOB = 'mail.send';

export interface MailSendPayload {
  mailMessageId: string;
}

export interface MailContent {
  subject: string;
  text: string;
  html: string;
  replyTo?: { name: string; address: string } | null;
}

export type MailVerdict = 'send' | { discard: string };

export interface MailSendDeps {
  db: Kysely<Database>;
  transport: MailTransport;
  mailFrom: string;
  /** Must be deterministic for a message: same content and links on every attempt. */
  render: (message: MailMessage) => Promise<MailContent>;
  /** `render` for a batch: per message its content or the error its render met. Without it, `render` one by one. */
  renderMany?: (messages: readonly MailMessage[]) => Promise<Map<string, MailContent | Error>>;
  logger: Logger;
  now?: () => Date;
  /** Asked right before sending: a mail that became pointless is discarded ('verworfen'). May throw WaitForResumeError. */
  stillWanted?: (message: MailMessage) => Promise<MailVerdict>;
  /** `stillWanted` for a batch: per message its verdict or the error (WaitForResumeError) its job meets. */
  stillWantedMany?: (messages: readonly MailMessage[]) => Promise<Map<string, MailVerdict | Error>>;
  /** Runs in the transaction that records the server's acceptance (e.g. the authority now counts as informed). */
  onAccepted?: (trx: Transaction<Database>, message: MailMessage) => Promise<void>;
  /** `onAccepted` for every message of a batch the server accepted, in the one transaction recording them. */
  onAcceptedMany?: (trx: Transaction<Database>, messages: readonly MailMessage[]) => Promise<void>;
  /** Most messages one batch takes (default MAIL_SEND_BATCH_SIZE). */
  batchSize?: number;
}

/** Due mail.send jobs one batch takes: a few statements for all of them instead of some per message. */
export const MAIL_SEND_BATCH_SIZE = 50;
/** Accepted messages of a batch recorded together, as soon as that many have been accepted (and the rest at its end). */
export const ACCEPTED_CHUNK = 10;

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

/** The delivery of one message as a plain job handler: a batch of one (tests, tools). */
export function createMailSendHandler(deps: MailSendDeps): JobHandler {
  const sendBatch = createMailSendBatchHandler(deps);
  return async function sendMailMessage(job) {
    const failures = await sendBatch.run([job]);
    if (failures.has(job.id)) throw failures.get(job.id);
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * The delivery of up to MAIL_SEND_BATCH_SIZE messages at once (see the file's comment).
 * Answers, per job, the error that job's single run would have thrown.
 */
export function createMailSendBatchHandler(deps: MailSendDeps): BatchJobHandler {
  const { db, transport, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const stillWantedMany =
    deps.stillWantedMany ??
    (async (messages: readonly MailMessage[]) => {
      const verdicts = new Map<string, MailVerdict | Error>();
      for (const message of messages) verdicts.set(message.id, deps.stillWanted ? await deps.stillWanted(message).catch(asError) : 'send');
      return verdicts;
    });
  const renderMany =
    deps.renderMany ??
    (async (messages: readonly MailMessage[]) => {
      const contents = new Map<string, MailContent | Error>();
      for (const message of messages) contents.set(message.id, await deps.render(message).catch(asError));
      return contents;
    });
  const onAcceptedMany =
    deps.onAcceptedMany ??
    (deps.onAccepted
      ? async (trx: Transaction<Database>, messages: readonly MailMessage[]) => {
          for (const message of messages) await deps.onAccepted!(trx, message);
        }
      : undefined);

  /** Records the acceptances in one transaction; if that fails, each in its own, so that one message's bookkeeping cannot hold back the others. */
  async function recordAccepted(accepted: { job: Job; message: MailMessage; response: string }[], failures: Map<number, unknown>): Promise<void> {
    const record = async (items: typeof accepted) => {
      const sentAt = now();
      await db.transaction().execute(async (trx) => {
        await sql`
          update mail_message set status = 'angenommen', sent_at = ${sentAt}, last_response = accepted.response, updated_at = ${sentAt}
          from unnest(${items.map((item) => item.message.id)}::uuid[], ${items.map((item) => item.response)}::text[]) as accepted(id, response)
          where mail_message.id = accepted.id`.execute(trx);
        await onAcceptedMany?.(trx, items.map((item) => item.message));
      });
    };
    try {
      await record(accepted);
      return;
    } catch (error) {
      if (accepted.length === 1) {
        await recordFailure({ ...accepted[0]!, error }, failures);
        return;
      }
      logger.warn({ err: error, messages: accepted.length }, 'Annahme des Stapels nicht gespeichert; einzeln');
    }
    for (const item of accepted) {
      try {
        await record([item]);
      } catch (error) {
        await recordFailure({ ...item, error }, failures);
      }
    }
  }

  /** As before batching: a refusal or a lost connection is recorded on its row, and its job fails or is retried. */
  async function recordFailure({ job, message, error }: { job: Job; message: MailMessage; error: unknown }, failures: Map<number, unknown>): Promise<void> {
    const { permanent, response } = classifyMailError(error);
    // On the job's last attempt a transient failure is final too: a message left
    // 'zurueckgestellt' would claim a retry that will never come.
    const givingUp = !permanent && job.attempts >= job.max_attempts;
    const log = logger.child({ mailMessageId: message.id, jobId: job.id });
    try {
      await db
        .updateTable('mail_message')
        .set({
          status: permanent || givingUp ? 'fehlgeschlagen' : 'zurueckgestellt',
          last_response: givingUp ? `${response} (aufgegeben nach ${job.attempts} Versuchen)` : response,
          updated_at: now(),
        })
        .where('id', '=', message.id)
        .execute();
    } catch (recordError) {
      failures.set(job.id, recordError);
      return;
    }
    if (permanent || givingUp) {
      log.warn({ response }, 'Mail endgültig fehlgeschlagen');
      failures.set(job.id, new PermanentJobError(response));
      return;
    }
    log.info({ response }, 'Mail zurückgestellt, neuer Versuch folgt');
    failures.set(job.id, error);
  }

  async function run(jobs: Job[]): Promise<Map<number, unknown>> {
    const failures = new Map<number, unknown>();
    const jobOf = new Map<string, Job>();
    for (const job of jobs) {
      const { mailMessageId } = job.payload as Partial<MailSendPayload>;
      // A malformed job fails alone, not its batch.
      if (typeof mailMessageId === 'string' && UUID.test(mailMessageId)) jobOf.set(mailMessageId, job);
      else failures.set(job.id, new PermanentJobError(`mail.send ohne gültige mailMessageId: ${JSON.stringify(job.payload)}`));
    }
    if (jobOf.size === 0) return failures;
    const rows = await db.selectFrom('mail_message').selectAll().where('id', 'in', [...jobOf.keys()]).execute();
    const found = new Set(rows.map((row) => row.id));
    for (const [mailMessageId, job] of jobOf) {
      // Deleted with its mailing: nothing left to send.
      if (!found.has(mailMessageId)) logger.warn({ mailMessageId, jobId: job.id }, 'Mail-Nachricht nicht mehr vorhanden');
    }
    const open = rows.filter((row) => !FINAL_STATUSES.includes(row.status));
    if (open.length === 0) return failures;

    const verdicts = await stillWantedMany(open);
    const wanted: MailMessage[] = [];
    for (const message of open) {
      const verdict = verdicts.get(message.id) ?? new Error(`Mail ${message.id}: keine Entscheidung, ob sie noch gesendet wird`);
      if (verdict === 'send') wanted.push(message);
      else if (verdict instanceof Error) failures.set(jobOf.get(message.id)!.id, verdict);
      else {
        await db
          .updateTable('mail_message')
          .set({ status: 'verworfen', last_response: verdict.discard, updated_at: now() })
          .where('id', '=', message.id)
          .where('status', 'not in', FINAL_STATUSES)
          .execute();
        logger.info({ mailMessageId: message.id, reason: verdict.discard }, 'Mail verworfen');
      }
    }
    if (wanted.length === 0) return failures;

    const contents = await renderMany(wanted);
    const renderable = wanted.filter((message) => {
      const content = contents.get(message.id) ?? new Error(`Mail ${message.id} nicht gerendert`);
      if (content instanceof Error) failures.set(jobOf.get(message.id)!.id, content);
      return !(content instanceof Error);
    });
    if (renderable.length === 0) return failures;

    // Committed before the SMTP conversations, so a crash leaves a visible in-doubt send.
    const claimedRows = await db
      .updateTable('mail_message')
      .set((eb) => ({ status: 'wird-gesendet', attempts: eb('attempts', '+', 1), updated_at: now() }))
      .where('id', 'in', renderable.map((message) => message.id))
      .where('status', 'not in', FINAL_STATUSES)
      .returning('id')
      .execute();
    const claimed = new Set(claimedRows.map((row) => row.id));

    // The acceptances are recorded in chunks as the server answers, not once the whole
    // batch has: what a crash can leave in doubt is a chunk per running batch.
    let unrecorded: { job: Job; message: MailMessage; response: string }[] = [];
    let recording: Promise<void> = Promise.resolve();
    const recordUnrecorded = () => {
      const items = unrecorded;
      unrecorded = [];
      recording = recording.then(() => (items.length ? recordAccepted(items, failures) : undefined));
      return recording;
    };
    const refused: { job: Job; message: MailMessage; error: unknown }[] = [];
    await Promise.all(
      renderable
        .filter((message) => claimed.has(message.id))
        .map(async (message) => {
          const job = jobOf.get(message.id)!;
          const content = contents.get(message.id) as MailContent;
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
            unrecorded.push({ job, message, response });
            if (unrecorded.length >= ACCEPTED_CHUNK) void recordUnrecorded();
          } catch (error) {
            refused.push({ job, message, error });
          }
        }),
    );
    await recordUnrecorded();
    for (const outcome of refused) await recordFailure(outcome, failures);
    return failures;
  }

  return { size: deps.batchSize ?? MAIL_SEND_BATCH_SIZE, run };
}
