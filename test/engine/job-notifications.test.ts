import t from 'tap';
import pino from 'pino';
import { sql } from 'kysely';
import { openTestDatabase, testPostgresUrl } from '../helpers/databases.ts';
import { enqueueJob, JobWorker, resumeWaitingJobs } from '../../src/engine/job.queue.ts';
import { JOB_NOTIFICATION_CHANNEL, JobNotificationListener } from '../../src/engine/job.notifications.ts';

// Several instances on one PostgreSQL: a committed due job NOTIFYs (migration 0019), and a
// worker's listener – on a connection of its own, reconnecting when it is lost – pokes it.
// PGlite is one process and needs none of it; its triggers run all the same (job-queue.test.ts).

const logger = pino({ level: 'silent' });
const until = async (what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

if (!testPostgresUrl()) {
  t.comment('kein PostgreSQL-Testserver: LISTEN/NOTIFY nur auf PostgreSQL, übersprungen');
} else {
  t.test('postgres: which transactions notify efa_jobs', async (t) => {
    const handle = await openTestDatabase(t, 'postgres');
    const received: string[] = [];
    const subscription = await handle.listen!(JOB_NOTIFICATION_CHANNEL, { onNotification: (payload) => received.push(payload), onLost: () => {} });
    t.teardown(() => subscription.close());
    const settle = async () => {
      // A round trip on the listening connection: notifications committed before it have arrived.
      await subscription.check(5000);
      const count = received.length;
      received.length = 0;
      return count;
    };
    const now = new Date();

    await handle.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 3; i++) await enqueueJob(trx, { kind: 'k', payload: {}, idempotencyKey: `due-${i}`, runAt: now });
    });
    t.equal(await settle(), 1, 'a transaction with due jobs notifies once, on commit');

    await handle.db
      .transaction()
      .execute(async (trx) => {
        await enqueueJob(trx, { kind: 'k', payload: {}, idempotencyKey: 'rolled-back', runAt: now });
        throw new Error('rollback');
      })
      .catch(() => {});
    t.equal(await settle(), 0, 'a rolled-back one does not');

    await enqueueJob(handle.db, { kind: 'timer', payload: {}, idempotencyKey: 'later', runAt: new Date(now.getTime() + 14 * 86_400_000) });
    t.equal(await settle(), 0, 'a timer due in two weeks wakes nobody');

    await enqueueJob(handle.db, { kind: 'k', payload: {}, idempotencyKey: 'due-0', runAt: now });
    t.equal(await settle(), 0, 'nor does a duplicate that inserted nothing');

    await sql`update job set status = 'waiting', solution_id = ${'00000000-0000-4000-8000-000000000001'} where idempotency_key like 'due-%'`.execute(handle.db);
    t.equal(await settle(), 0, 'parking jobs does not');
    t.equal(await resumeWaitingJobs(handle.db, '00000000-0000-4000-8000-000000000001', now), 3);
    t.equal(await settle(), 1, 'resuming waiting jobs notifies once');
  });

  t.test('postgres: the listener pokes the worker, comes back after its connection is killed, and stops with it', async (t) => {
    const handle = await openTestDatabase(t, 'postgres');
    const ran: string[] = [];
    const listener = new JobNotificationListener({ listen: handle.listen!, logger, retryDelaysMs: [50, 100] });
    // Polling far beyond the test's time: only a notification can start the job.
    const worker = new JobWorker({ db: handle.db, logger, concurrency: 2, pollIntervalMs: 3_600_000, wakeUps: listener, handlers: { k: async (job) => void ran.push(job.idempotency_key) } });
    worker.start();
    t.teardown(() => worker.stop());
    await until('LISTEN', () => listener.listening);

    // Committed over the pool as another instance would: this worker is not poked in process.
    await enqueueJob(handle.db, { kind: 'k', payload: {}, idempotencyKey: 'first', runAt: new Date() });
    await until('the first job to run', () => ran.includes('first'));
    t.pass('a notification started the job');

    await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%'`.execute(handle.db);
    await until('the listener to notice', () => !listener.listening);
    await until('LISTEN again', () => listener.listening);
    await enqueueJob(handle.db, { kind: 'k', payload: {}, idempotencyKey: 'second', runAt: new Date() });
    await until('the second job to run', () => ran.includes('second'));
    t.pass('after a new LISTEN notifications start jobs again');

    await worker.stop();
    t.notOk(listener.listening, 'stopping the worker closes its listening connection');
    const listeners = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen%'`.execute(handle.db);
    t.equal(listeners.rows[0]!.n, 0, 'no listening connection is left');
  });
}
