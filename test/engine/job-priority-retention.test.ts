import t from 'tap';
import pino from 'pino';
import { databaseKinds, openTestDatabase } from '../helpers/databases.ts';
import { enqueueJobs, JOB_PRIORITY, JobWorker, purgeFinishedJobs, type JobHandler, type NewJob } from '../../src/engine/job.queue.ts';

// A due timer is not delayed behind a queued mailing, and finished jobs do not pile up.

const logger = pino({ level: 'silent' });

for (const kind of databaseKinds()) {
  t.test(`${kind}: a due timer runs before thousands of queued mails`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    const clock = new Date('2026-03-01T08:00:00Z');
    const order: string[] = [];
    const record: JobHandler = async (job) => {
      order.push(job.kind);
    };
    const worker = new JobWorker({ db, handlers: { 'mail.send': record, 'timer.deliverEvent': record }, logger, concurrency: 1, pollIntervalMs: 50, now: () => clock });
    const mails: NewJob[] = Array.from({ length: 2000 }, (_, i) => ({
      kind: 'mail.send',
      payload: {},
      idempotencyKey: `mail-${i}`,
      runAt: new Date(clock.getTime() - 60_000),
      priority: JOB_PRIORITY.bulk,
    }));
    await enqueueJobs(db, mails);
    // due later than every mail, but urgent
    await enqueueJobs(db, [{ kind: 'timer.deliverEvent', payload: {}, idempotencyKey: 'timer', runAt: clock }]);
    const job = await db.selectFrom('job').select('priority').where('idempotency_key', '=', 'timer').executeTakeFirstOrThrow();
    t.equal(job.priority, JOB_PRIORITY.urgent, 'jobs are urgent unless they say otherwise');
    await worker.drain();
    t.equal(order.length, 2001);
    t.equal(order[0], 'timer.deliverEvent', 'the timer went first');
  });

  t.test(`${kind}: finished jobs past their retention are deleted, failed ones stay`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    const now = new Date('2026-06-01T08:00:00Z');
    const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
    const rows = [
      { key: 'done-old', status: 'done', finished: daysAgo(40) },
      { key: 'cancelled-old', status: 'cancelled', finished: daysAgo(31) },
      { key: 'failed-old', status: 'failed', finished: daysAgo(90) },
      { key: 'done-recent', status: 'done', finished: daysAgo(2) },
      { key: 'pending', status: 'pending', finished: null },
    ] as const;
    await db
      .insertInto('job')
      .values(rows.map((row) => ({ kind: 'x', payload: '{}', idempotency_key: row.key, status: row.status, finished_at: row.finished })))
      .execute();
    t.equal(await purgeFinishedJobs(db, daysAgo(30), 1), 2, 'two deleted, in batches of one');
    const left = (await db.selectFrom('job').select('idempotency_key').orderBy('idempotency_key').execute()).map((row) => row.idempotency_key);
    t.same(left, ['done-recent', 'failed-old', 'pending']);
  });
}
