import t from 'tap';
import pino from 'pino';
import { databaseKinds, openTestDatabase } from '../helpers/databases.ts';
import { enqueueJob, JobWorker, PermanentJobError, retryDelayMs, type JobHandler } from '../../src/engine/job.queue.ts';

const logger = pino({ level: 'silent' });

for (const kind of databaseKinds()) {
  t.test(`${kind}: job queue`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    let clock = new Date('2026-03-01T08:00:00Z');
    const runs: Record<string, number> = {};
    const handlers: Record<string, JobHandler> = {
      flaky: async (job) => {
        runs[job.idempotency_key] = (runs[job.idempotency_key] ?? 0) + 1;
        if (runs[job.idempotency_key]! < 3) throw new Error('Verbindung verloren');
      },
      broken: async () => {
        throw new PermanentJobError('550 Postfach unbekannt');
      },
      counted: async (job) => {
        runs[job.idempotency_key] = (runs[job.idempotency_key] ?? 0) + 1;
      },
    };
    const worker = new JobWorker({ db, handlers, logger, concurrency: 2, pollIntervalMs: 50, now: () => clock });

    await enqueueJob(db, { kind: 'counted', payload: {}, idempotencyKey: 'once', runAt: clock });
    await enqueueJob(db, { kind: 'counted', payload: {}, idempotencyKey: 'once', runAt: clock });
    t.equal(await worker.drain(), 1, 'a second job with the same idempotency key is ignored');

    await enqueueJob(db, { kind: 'flaky', payload: {}, idempotencyKey: 'flaky-1', runAt: clock });
    await worker.drain();
    let job = await db.selectFrom('job').selectAll().where('idempotency_key', '=', 'flaky-1').executeTakeFirstOrThrow();
    t.equal(job.status, 'pending', 'a transient failure is retried later');
    t.equal(job.last_error, 'Verbindung verloren');
    t.ok(job.run_at.getTime() > clock.getTime(), 'with a backoff');
    for (let i = 0; i < 2; i++) {
      clock = new Date(clock.getTime() + 11 * 60 * 1000);
      await worker.drain();
    }
    job = await db.selectFrom('job').selectAll().where('idempotency_key', '=', 'flaky-1').executeTakeFirstOrThrow();
    t.equal(job.status, 'done');
    t.equal(job.attempts, 3);

    await enqueueJob(db, { kind: 'broken', payload: {}, idempotencyKey: 'broken-1', runAt: clock });
    await worker.drain();
    job = await db.selectFrom('job').selectAll().where('idempotency_key', '=', 'broken-1').executeTakeFirstOrThrow();
    t.equal(job.status, 'failed', 'a permanent failure is not retried');
    t.equal(job.last_error, '550 Postfach unbekannt');

    // A worker claimed this job and died: once its lease has run out, another takes it over.
    await enqueueJob(db, { kind: 'counted', payload: {}, idempotencyKey: 'orphan', runAt: clock });
    await db
      .updateTable('job')
      .set({ status: 'running', locked_by: 'worker-dead', locked_until: new Date(clock.getTime() + 60_000), attempts: 1 })
      .where('idempotency_key', '=', 'orphan')
      .execute();
    t.equal(await worker.drain(), 0, 'not while the lease holds');
    clock = new Date(clock.getTime() + 61_000);
    t.equal(await worker.drain(), 1, 'after the lease ran out');
    t.equal(runs.orphan, 1);
    job = await db.selectFrom('job').selectAll().where('idempotency_key', '=', 'orphan').executeTakeFirstOrThrow();
    t.equal(job.status, 'done');
  });
}

t.test('retry delays grow and are capped', async (t) => {
  t.equal(retryDelayMs(1), 2000);
  t.equal(retryDelayMs(2), 4000);
  t.equal(retryDelayMs(30), 10 * 60 * 1000);
});

for (const kind of databaseKinds()) {
  t.test(`${kind}: several workers (instances) on one database run each job once`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    const runs = new Map<string, number>();
    const handlers: Record<string, JobHandler> = {
      counted: async (job) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        runs.set(job.idempotency_key, (runs.get(job.idempotency_key) ?? 0) + 1);
      },
    };
    const now = new Date();
    for (let i = 0; i < 60; i++) await enqueueJob(db, { kind: 'counted', payload: {}, idempotencyKey: `job-${i}`, runAt: now });
    const workers = [1, 2, 3].map(() => new JobWorker({ db, handlers, logger, concurrency: 4, pollIntervalMs: 20 }));
    const ran = await Promise.all(workers.map((worker) => worker.drain()));
    t.equal(ran.reduce((a, b) => a + b, 0), 60, 'all jobs claimed');
    t.equal(runs.size, 60);
    t.ok([...runs.values()].every((n) => n === 1), 'none twice');
  });
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: a job that runs longer than its lease keeps it and runs once`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    let runs = 0;
    const handlers: Record<string, JobHandler> = {
      slow: async () => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 2500));
      },
    };
    await enqueueJob(db, { kind: 'slow', payload: {}, idempotencyKey: 'slow-1' });
    // Two instances, a 1.5 s lease: without renewal either would take the job over after 1.5 s.
    const workers = [1, 2].map(() => new JobWorker({ db, handlers, logger, concurrency: 2, pollIntervalMs: 50, leaseMs: 1500 }));
    workers.forEach((worker) => worker.start());
    for (let i = 0; i < 100; i++) {
      const job = await db.selectFrom('job').select('status').where('idempotency_key', '=', 'slow-1').executeTakeFirstOrThrow();
      if (job.status === 'done') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await Promise.all(workers.map((worker) => worker.stop()));
    const job = await db.selectFrom('job').selectAll().where('idempotency_key', '=', 'slow-1').executeTakeFirstOrThrow();
    t.equal(job.status, 'done');
    t.equal(runs, 1, 'renewed lease: nobody ran it a second time');
    t.equal(job.attempts, 1);
  });
}
