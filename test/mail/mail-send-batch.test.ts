import t from 'tap';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Job, MailMessage } from '../../src/db/schema.ts';
import { enqueueJobs, JobWorker, type BatchJobHandler } from '../../src/engine/job.queue.ts';
import { createMailSendBatchHandler, MAIL_SEND_JOB, mailSendJob, type MailSendDeps } from '../../src/mail/mail-send.activity.ts';
import { createMailTransport, type MailTransport } from '../../src/mail/mail.transport.ts';
import { databaseKinds, openTestDatabase } from '../helpers/databases.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { insertBareMailing, insertBareSolution } from '../helpers/rows.ts';

/**
 * The batch path of mail delivery (src/mail/mail-send.activity.ts) through the real job
 * worker and a real SMTP server on loopback: one message's refusal or retry concerns that
 * message alone, a crash in the middle of a batch re-sends only the batch's in-doubt
 * messages (same Message-ID), and every recipient gets exactly one mail.
 */

const logger = pino({ level: 'silent' });
const MAIL_FROM = 'EfA-Rollout Brandenburg <efa-rollout@land-brandenburg.example>';
const LEASE_MS = 60_000;

const render = async (message: MailMessage) => ({
  subject: 'Erstinformation: Elterngeld digital',
  text: `Guten Tag, Ihre Rückmeldung: https://efa.example/r/${message.id}`,
  html: `<p>Guten Tag, Ihre <a href="https://efa.example/r/${message.id}">Rückmeldung</a></p>`,
});

async function insertMessages(db: Kysely<Database>, mailingId: string, recipients: string[]): Promise<MailMessage[]> {
  const rows = await db
    .insertInto('mail_message')
    .values(
      recipients.map((recipient) => ({
        id: randomUUID(),
        mailing_id: mailingId,
        ars: '120690000000',
        recipient_email: recipient,
        recipient_role: 'behoerde' as const,
        kind: 'erstinformation',
        message_id: `<${randomUUID()}@efa-rollout.example>`,
      })),
    )
    .returningAll()
    .execute();
  // One job each, in the recipients' order (the claim takes them by id).
  const byEmail = new Map(rows.map((row) => [row.recipient_email, row]));
  const ordered = recipients.map((recipient) => byEmail.get(recipient)!);
  await enqueueJobs(db, ordered.map((row) => mailSendJob(row.id, new Date('2026-03-02T07:00:00Z'))));
  return ordered;
}

/** The sink's Message-IDs per recipient, in arrival order. */
function deliveries(sink: SmtpSink): Map<string, string[]> {
  const byRecipient = new Map<string, string[]>();
  for (const mail of sink.messages) {
    for (const to of mail.envelopeTo) byRecipient.set(to, [...(byRecipient.get(to) ?? []), mail.messageId]);
  }
  return byRecipient;
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: mail.send in batches`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    let clock = new Date('2026-03-02T08:00:00Z');
    const mailingId = await insertBareMailing(db, await insertBareSolution(db));

    async function setUp(sinkOptions: Parameters<typeof startSmtpSink>[0] = {}) {
      const sink = await startSmtpSink(sinkOptions);
      const transport = createMailTransport({
        smtpUrl: sink.url,
        maxConnections: 3,
        rateLimitPerSecond: 10_000,
        outboxDir: '/nonexistent',
        logger,
        smtpOptions: { ignoreTLS: true },
      });
      t.teardown(async () => {
        await transport.close();
        await sink.close();
      });
      return { sink, transport };
    }
    /** A worker whose mail.send jobs run in batches; records each batch's size and each onAcceptedMany call. */
    function batchWorker(transport: MailTransport, options: { size: number; concurrency?: number; now?: () => Date }) {
      const batches: number[] = [];
      const acceptedCalls: string[][] = [];
      const deps: MailSendDeps = {
        db,
        transport,
        mailFrom: MAIL_FROM,
        render,
        logger,
        now: () => clock,
        batchSize: options.size,
        onAcceptedMany: async (_trx, messages) => {
          acceptedCalls.push(messages.map((message) => message.recipient_email));
        },
      };
      const handler = createMailSendBatchHandler(deps);
      const recorded: BatchJobHandler = {
        size: handler.size,
        run: (jobs) => {
          batches.push(jobs.length);
          return handler.run(jobs);
        },
      };
      const worker = new JobWorker({
        db,
        handlers: {},
        batchHandlers: { [MAIL_SEND_JOB]: recorded },
        logger,
        concurrency: options.concurrency ?? 1,
        pollIntervalMs: 20,
        leaseMs: LEASE_MS,
        now: options.now ?? (() => clock),
      });
      return { worker, batches, acceptedCalls };
    }
    const rowOf = (id: string) => db.selectFrom('mail_message').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const jobOf = (id: string): Promise<Job> => db.selectFrom('job').selectAll().where('idempotency_key', '=', `${MAIL_SEND_JOB}:${id}`).executeTakeFirstOrThrow();

    t.test('one batch: a permanent refusal and a transient one concern their messages alone', async (t) => {
      let deferrals = 0;
      const { sink, transport } = await setUp({
        rejectRecipients: (address) => address === 'unbekannt@amt-nirgendwo.example',
        deferRecipients: (address) => address === 'poststelle@amt-voll.example' && deferrals++ < 1,
      });
      const recipients = ['poststelle@amt-a.example', 'unbekannt@amt-nirgendwo.example', 'poststelle@amt-b.example', 'poststelle@amt-voll.example', 'poststelle@amt-c.example', 'poststelle@amt-d.example'];
      const messages = await insertMessages(db, mailingId, recipients);
      const { worker, batches, acceptedCalls } = batchWorker(transport, { size: 10 });

      t.equal(await worker.drain(), 6, 'all six jobs ran');
      t.same(batches, [6], 'as one batch');
      const [a, unknown, b, busy, c, d] = messages;
      for (const message of [a!, b!, c!, d!]) {
        const row = await rowOf(message.id);
        t.equal(row.status, 'angenommen', `${message.recipient_email} accepted`);
        t.match(row.last_response, /^250 /);
        t.equal(row.attempts, 1);
        t.same(row.sent_at, clock);
        t.equal((await jobOf(message.id)).status, 'done');
      }
      t.same(acceptedCalls, [[a!, b!, c!, d!].map((m) => m.recipient_email)], 'the acceptances are recorded together, in one call');

      const refused = await rowOf(unknown!.id);
      t.equal(refused.status, 'fehlgeschlagen', 'the 550 is final');
      t.match(refused.last_response, /550/);
      const refusedJob = await jobOf(unknown!.id);
      t.equal(refusedJob.status, 'failed');
      t.match(refusedJob.last_error, /550/);

      const deferred = await rowOf(busy!.id);
      t.equal(deferred.status, 'zurueckgestellt', 'the 450 is retried');
      t.match(deferred.last_response, /^450 /);
      const deferredJob = await jobOf(busy!.id);
      t.equal(deferredJob.status, 'pending');
      t.ok(deferredJob.run_at > clock, 'after a backoff');
      t.same([...deliveries(sink).keys()].sort(), [a!, b!, c!, d!].map((m) => m.recipient_email).sort(), 'the server holds the four accepted mails');

      clock = new Date(clock.getTime() + 11 * 60 * 1000);
      t.equal(await worker.drain(), 1, 'only the deferred message runs again');
      const retried = await rowOf(busy!.id);
      t.equal(retried.status, 'angenommen');
      t.equal(retried.attempts, 2);
      t.equal((await jobOf(busy!.id)).status, 'done');
      const byRecipient = deliveries(sink);
      t.equal(sink.messages.length, 5, 'five mails in all');
      t.same(byRecipient.get(busy!.recipient_email), [busy!.message_id], 'the retried message once, with its Message-ID');
      t.notOk(byRecipient.has(unknown!.recipient_email));
    });

    t.test('a malformed job fails alone, not its batch', async (t) => {
      const { sink, transport } = await setUp();
      await enqueueJobs(db, [{ kind: MAIL_SEND_JOB, payload: {}, idempotencyKey: `${MAIL_SEND_JOB}:kaputt`, priority: 10, runAt: new Date('2026-03-02T06:00:00Z') }]);
      const messages = await insertMessages(db, mailingId, ['poststelle@amt-heil-1.example', 'poststelle@amt-heil-2.example']);
      const { worker, batches } = batchWorker(transport, { size: 10 });
      t.equal(await worker.drain(), 3);
      t.same(batches, [3], 'one batch with the malformed job');
      const broken = await db.selectFrom('job').selectAll().where('idempotency_key', '=', `${MAIL_SEND_JOB}:kaputt`).executeTakeFirstOrThrow();
      t.equal(broken.status, 'failed');
      t.match(broken.last_error, /ohne gültige mailMessageId/);
      for (const message of messages) {
        t.equal((await rowOf(message.id)).status, 'angenommen', `${message.recipient_email} sent all the same`);
        t.equal((await jobOf(message.id)).status, 'done');
      }
      t.equal(sink.messages.length, 2);
    });

    t.test('a crash in the middle of a batch: only its in-doubt messages are sent again, with the same Message-ID', async (t) => {
      const { sink, transport } = await setUp();
      const recipients = Array.from({ length: 6 }, (_, i) => `poststelle@amt-absturz-${i + 1}.example`);
      const messages = await insertMessages(db, mailingId, recipients);
      // The first process: its transport hands mail 5 (the second batch's second) to nobody and never answers – the process dies there.
      const hung = messages[4]!;
      const dying: MailTransport = {
        kind: 'smtp',
        send: (mail) => (mail.messageId === hung.message_id ? new Promise(() => {}) : transport.send(mail)),
        close: async () => {},
      };
      const first = batchWorker(dying, { size: 3 });
      void first.worker.drain();
      const deadline = Date.now() + 20_000;
      while (sink.messages.length < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      t.equal(sink.messages.length, 5, 'the first batch and two mails of the second reached the server');
      t.same(first.batches, [3, 3], 'two batches of three');
      for (const message of messages.slice(0, 3)) t.equal((await rowOf(message.id)).status, 'angenommen', `${message.recipient_email}: recorded before the crash`);
      for (const message of messages.slice(3)) t.equal((await rowOf(message.id)).status, 'wird-gesendet', `${message.recipient_email}: in doubt`);

      // Another instance, once the dead one's lease has run out.
      const later = new Date(clock.getTime() + LEASE_MS + 1000);
      const second = batchWorker(transport, { size: 3, now: () => later });
      t.equal(await second.worker.drain(), 3, 'the in-doubt batch runs again, nothing else');

      const byRecipient = deliveries(sink);
      for (const [index, message] of messages.entries()) {
        const row = await rowOf(message.id);
        t.equal(row.status, 'angenommen', `${message.recipient_email} ends angenommen`);
        const copies = byRecipient.get(message.recipient_email) ?? [];
        t.ok(copies.every((id) => id === message.message_id), `${message.recipient_email}: every copy carries its Message-ID`);
        if (index < 3) {
          t.equal(copies.length, 1, `${message.recipient_email}: recorded before the crash, not sent again`);
          t.equal(row.attempts, 1);
        } else {
          t.equal(row.attempts, 2, `${message.recipient_email}: the re-send shows in the attempts`);
          t.equal(copies.length, message === hung ? 1 : 2, `${message.recipient_email}: ${message === hung ? 'sent once (never reached the server before)' : 'in doubt, so twice – the identical message'}`);
        }
      }
      t.equal(sink.messages.length, 8, '6 messages, 2 of them in doubt and sent again');
    });

    t.test('through the real SMTP server: exactly one mail per recipient', async (t) => {
      const { sink, transport } = await setUp({ parse: false });
      const recipients = Array.from({ length: 137 }, (_, i) => `poststelle@gemeinde-${String(i + 1).padStart(3, '0')}.example`);
      const messages = await insertMessages(db, mailingId, recipients);
      const { worker, batches } = batchWorker(transport, { size: 20, concurrency: 3 });
      worker.start();
      t.teardown(() => worker.stop());
      const deadline = Date.now() + 60_000;
      for (;;) {
        const open = await db
          .selectFrom('mail_message')
          .select('id')
          .where('id', 'in', messages.map((m) => m.id))
          .where('status', '!=', 'angenommen')
          .execute();
        if (open.length === 0 || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await worker.stop();
      const byRecipient = deliveries(sink);
      t.equal(sink.messages.length, recipients.length, 'one delivery per message');
      t.same(
        messages.filter((m) => byRecipient.get(m.recipient_email)?.length !== 1 || byRecipient.get(m.recipient_email)![0] !== m.message_id).map((m) => m.recipient_email),
        [],
        'every recipient holds exactly its one message',
      );
      const jobs = await db
        .selectFrom('job')
        .select(['status'])
        .where('idempotency_key', 'in', messages.map((m) => `${MAIL_SEND_JOB}:${m.id}`))
        .execute();
      t.ok(jobs.every((job) => job.status === 'done'), 'every job done');
      t.equal(batches.reduce((sum, n) => sum + n, 0), recipients.length, 'each job in one batch');
      t.ok(batches.length >= Math.ceil(recipients.length / 20) && batches.every((n) => n <= 20), `batches of at most 20 (${batches.join(', ')})`);
    });
  });
}
