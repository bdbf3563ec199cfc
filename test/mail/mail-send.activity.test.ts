import t from 'tap';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Job, MailMessage } from '../../src/db/schema.ts';
import { JobWorker } from '../../src/engine/job.queue.ts';
import { createMailSendHandler, enqueueMailSend, MAIL_SEND_JOB } from '../../src/mail/mail-send.activity.ts';
import { createMailTransport } from '../../src/mail/mail.transport.ts';
import { databaseKinds, openTestDatabase } from '../helpers/databases.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';
import { insertBareMailing, insertBareSolution } from '../helpers/rows.ts';

const logger = pino({ level: 'silent' });
const MAIL_FROM = 'EfA-Rollout Brandenburg <efa-rollout@land-brandenburg.example>';

/** The rows a mail_message needs: a solution and a mailing (the FKs), then the message itself. */
async function insertMailing(db: Kysely<Database>): Promise<string> {
  const solutionId = await insertBareSolution(db);
  return insertBareMailing(db, solutionId);
}

async function insertMessage(db: Kysely<Database>, mailingId: string, recipientEmail: string): Promise<MailMessage> {
  return db
    .insertInto('mail_message')
    .values({
      id: randomUUID(),
      mailing_id: mailingId,
      ars: '120690000000',
      recipient_email: recipientEmail,
      recipient_role: 'behoerde',
      kind: 'erstinformation',
      message_id: `<${randomUUID()}@efa-rollout>`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

const render = async (message: MailMessage) => ({
  subject: 'Erstinformation: Elterngeld digital',
  text: `Guten Tag, Ihre Rückmeldung: https://efa.example/r/${message.id}`,
  html: `<p>Guten Tag, Ihre <a href="https://efa.example/r/${message.id}">Rückmeldung</a></p>`,
});

for (const kind of databaseKinds()) {
  t.test(`${kind}: mail.send jobs`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    let clock = new Date('2026-03-02T08:00:00Z');
    const mailingId = await insertMailing(db);

    async function setUp(sinkOptions: Parameters<typeof startSmtpSink>[0] = {}) {
      const sink = await startSmtpSink(sinkOptions);
      const transport = createMailTransport({
        smtpUrl: sink.url,
        maxConnections: 2,
        rateLimitPerSecond: 1000,
        outboxDir: '/nonexistent',
        logger,
        smtpOptions: { ignoreTLS: true },
      });
      t.teardown(async () => {
        await transport.close();
        await sink.close();
      });
      const handler = createMailSendHandler({ db, transport, mailFrom: MAIL_FROM, render, logger, now: () => clock });
      const worker = new JobWorker({ db, handlers: { [MAIL_SEND_JOB]: handler }, logger, concurrency: 2, pollIntervalMs: 50, now: () => clock });
      return { sink, transport, handler, worker };
    }
    const load = (id: string) => db.selectFrom('mail_message').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const jobOf = (id: string) => db.selectFrom('job').selectAll().where('idempotency_key', '=', `mail.send:${id}`).executeTakeFirstOrThrow();

    t.test('accepted: recorded with the server answer, sent once', async (t) => {
      const { sink, worker, handler } = await setUp();
      const message = await insertMessage(db, mailingId, 'poststelle@amt-beetzsee.example');
      await db.transaction().execute((trx) => enqueueMailSend(trx, message.id, clock));
      await enqueueMailSend(db, message.id);
      t.equal(await worker.drain(), 1, 'the second enqueue for the same message is ignored');

      const row = await load(message.id);
      t.equal(row.status, 'angenommen');
      t.equal(row.attempts, 1);
      t.match(row.last_response, /^250 OK: queued/);
      t.same(row.sent_at, clock);
      t.equal(sink.messages.length, 1);
      t.equal(sink.messages[0]!.messageId, message.message_id, 'sent with the recorded Message-ID');
      t.same(sink.messages[0]!.envelopeTo, ['poststelle@amt-beetzsee.example']);
      t.match(sink.messages[0]!.text, `https://efa.example/r/${message.id}`);
      const job = await jobOf(message.id);
      t.equal(job.status, 'done');
      t.equal(job.max_attempts, 8);

      // The job ran again (a lease taken over after the commit): nothing is sent twice.
      await handler(job);
      t.equal(sink.messages.length, 1, 'an accepted message is not sent again');
      t.equal((await load(message.id)).attempts, 1);
    });

    t.test('transient 451: retried with backoff until accepted', async (t) => {
      const { sink, worker } = await setUp({ failFirst: 2 });
      const message = await insertMessage(db, mailingId, 'poststelle@stadt-brandenburg.example');
      await enqueueMailSend(db, message.id, clock);

      await worker.drain();
      let row = await load(message.id);
      t.equal(row.status, 'zurueckgestellt');
      t.match(row.last_response, /^451 /);
      let job: Job = await jobOf(message.id);
      t.equal(job.status, 'pending');
      t.ok(job.run_at > clock, 'the retry waits');
      t.equal(await worker.drain(), 0, 'not before the backoff has passed');

      for (let i = 0; i < 2; i++) {
        clock = new Date(clock.getTime() + 11 * 60 * 1000);
        await worker.drain();
      }
      row = await load(message.id);
      t.equal(row.status, 'angenommen');
      t.equal(row.attempts, 3);
      t.match(row.last_response, /^250 /);
      t.equal(sink.deferred, 2, 'two attempts were deferred by the server');
      t.equal(sink.messages.length, 1, 'exactly one accepted copy');
      job = await jobOf(message.id);
      t.equal(job.status, 'done');
      t.equal(job.attempts, 3);
    });

    t.test('permanent 550: failed with the server answer, not retried', async (t) => {
      const { sink, worker } = await setUp({ rejectRecipients: (address) => address.startsWith('unbekannt@') });
      const message = await insertMessage(db, mailingId, 'unbekannt@amt-nirgendwo.example');
      await enqueueMailSend(db, message.id, clock);
      await worker.drain();

      const row = await load(message.id);
      t.equal(row.status, 'fehlgeschlagen');
      t.match(row.last_response, /550/);
      t.match(row.last_response, /User unknown/);
      t.equal(row.attempts, 1);
      const job = await jobOf(message.id);
      t.equal(job.status, 'failed');
      t.match(job.last_error, /550/);
      t.equal(sink.messages.length, 0);
    });

    t.test('a crash after the server accepted: the retry sends the identical message', async (t) => {
      const { sink, handler, worker } = await setUp();
      const message = await insertMessage(db, mailingId, 'poststelle@amt-doberlug.example');
      await enqueueMailSend(db, message.id, clock);
      const job = await db.selectFrom('job').selectAll().where('idempotency_key', '=', `mail.send:${message.id}`).executeTakeFirstOrThrow();
      // Simulate the crash: the send went through, the 'angenommen' commit never happened.
      await handler(job);
      await db.updateTable('mail_message').set({ status: 'wird-gesendet', sent_at: null }).where('id', '=', message.id).execute();

      await worker.drain();
      const row = await load(message.id);
      t.equal(row.status, 'angenommen');
      t.equal(row.attempts, 2, 'the in-doubt send shows in the attempts');
      t.equal(sink.messages.length, 2);
      const [first, second] = sink.messages;
      t.equal(first!.messageId, second!.messageId, 'same Message-ID');
      t.equal(first!.text, second!.text, 'same content');
      t.equal(first!.subject, second!.subject);
    });

    t.test('transient failures on the last attempt end the message as failed', async (t) => {
      const { worker } = await setUp({ failFirst: 100 });
      const message = await insertMessage(db, mailingId, 'poststelle@amt-dauerhaft.example');
      await enqueueMailSend(db, message.id, clock);
      await db.updateTable('job').set({ max_attempts: 2 }).where('idempotency_key', '=', `mail.send:${message.id}`).execute();
      await worker.drain();
      clock = new Date(clock.getTime() + 11 * 60 * 1000);
      await worker.drain();
      const row = await load(message.id);
      t.equal(row.status, 'fehlgeschlagen', 'no longer claims a retry');
      t.match(row.last_response, /^451 .*aufgegeben nach 2 Versuchen/);
      t.equal((await jobOf(message.id)).status, 'failed');
    });
  });
}
