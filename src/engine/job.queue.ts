import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { toJson, type Database, type Job } from '../db/schema.ts';
import type { JobWakeUps } from './job.notifications.ts';

/**
 * Durable jobs in PostgreSQL: the transactional outbox for effects and the store
 * for timers. A job is inserted in the transaction that causes it, so it exists if
 * and only if that transaction committed; workers of any number of instances claim
 * due jobs with FOR UPDATE SKIP LOCKED and hold them under a lease, so a job whose
 * worker crashed is taken up again once the lease has run out. Handlers must
 * therefore be idempotent: a job can run more than once, never zero times.
 */

export interface NewJob {
  kind: string;
  payload: Record<string, unknown>;
  /** A second job with the same key is ignored: the effect is recorded once. */
  idempotencyKey: string;
  runAt?: Date;
  maxAttempts?: number;
  /** The solution (and authority) it concerns: ending or pausing them stops or holds the job. */
  solutionId?: string | null;
  ars?: string | null;
  /** Equality key under which a later transition may cancel it (see cancelJobs). */
  cancelKey?: string;
  /** Lower runs first among due jobs; default JOB_PRIORITY.urgent. */
  priority?: number;
}

/**
 * Among due jobs the lower priority runs first: timers and effects move the rollout and
 * are few; mail deliveries come by the thousand and may wait a moment behind them.
 */
export const JOB_PRIORITY = { urgent: 0, normal: 5, bulk: 10 } as const;

type Executor = Kysely<Database> | Transaction<Database>;

export async function enqueueJob(db: Executor, job: NewJob): Promise<void> {
  await enqueueJobs(db, [job]);
}

/** Inserts many jobs in batches (a mailing to thousands of recipients); duplicates by key are ignored. */
export async function enqueueJobs(db: Executor, jobs: NewJob[]): Promise<void> {
  for (let offset = 0; offset < jobs.length; offset += 1000) {
    await db
      .insertInto('job')
      .values(
        jobs.slice(offset, offset + 1000).map((job) => ({
          kind: job.kind,
          payload: toJson(job.payload),
          idempotency_key: job.idempotencyKey,
          ...(job.runAt ? { run_at: job.runAt } : {}),
          ...(job.maxAttempts ? { max_attempts: job.maxAttempts } : {}),
          solution_id: job.solutionId ?? null,
          ars: job.ars ?? null,
          cancel_key: job.cancelKey ?? null,
          priority: job.priority ?? JOB_PRIORITY.urgent,
        })),
      )
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute();
  }
}

/** Which open jobs to cancel: by cancel key, or those of a solution (optionally one authority, some kinds). */
export type CancelScope =
  | { cancelKey: string }
  | { solutionId: string; ars?: string; kinds?: readonly string[]; exceptKinds?: readonly string[] };

/** Cancels the open (pending or waiting) jobs of a scope; all lookups are indexed equalities. */
export async function cancelJobs(db: Executor, scope: CancelScope, now = new Date()): Promise<number> {
  let query = db
    .updateTable('job')
    .set({ status: 'cancelled', finished_at: now })
    .where('status', 'in', ['pending', 'waiting']);
  if ('cancelKey' in scope) {
    query = query.where('cancel_key', '=', scope.cancelKey);
  } else {
    query = query.where('solution_id', '=', scope.solutionId);
    if (scope.ars) query = query.where('ars', '=', scope.ars);
    if (scope.kinds) query = query.where('kind', 'in', [...scope.kinds]);
    if (scope.exceptKinds) query = query.where('kind', 'not in', [...scope.exceptKinds]);
  }
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The solution resumed: its waiting jobs are due now. */
export async function resumeWaitingJobs(db: Executor, solutionId: string, now: Date): Promise<number> {
  const result = await db
    .updateTable('job')
    .set({ status: 'pending', run_at: now })
    .where('solution_id', '=', solutionId)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Deletes finished jobs (done, cancelled) older than the retention, in batches so that no
 * statement holds locks for long. Failed jobs stay: they are what an operator looks into.
 */
export async function purgeFinishedJobs(db: Kysely<Database>, olderThan: Date, batchSize = 5000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = db
      .selectFrom('job')
      .select('id')
      .where('status', 'in', ['done', 'cancelled'])
      .where('finished_at', '<', olderThan)
      .limit(batchSize);
    const result = await db.deleteFrom('job').where('id', 'in', batch).executeTakeFirst();
    const n = Number(result.numDeletedRows);
    deleted += n;
    if (n < batchSize) return deleted;
  }
}

/** An error a handler throws when trying again cannot help (bad data, 5xx answers). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** Thrown by a handler that cannot run yet: the job waits, and the attempt does not count. */
export class DeferJobError extends Error {
  override name = 'DeferJobError';
  readonly delayMs: number;
  constructor(delayMs: number) {
    super(`aufgeschoben um ${delayMs} ms`);
    this.delayMs = delayMs;
  }
}

/**
 * Thrown by a handler whose solution is paused: the job waits (status 'waiting') until
 * FORTSETZEN makes it due again. The attempt does not count.
 */
export class WaitForResumeError extends Error {
  override name = 'WaitForResumeError';
  readonly solutionId: string;
  constructor(solutionId: string) {
    super(`wartet auf die Fortsetzung der Lösung ${solutionId}`);
    this.solutionId = solutionId;
  }
}

export type JobHandler = (job: Job) => Promise<void>;

/**
 * Runs many due jobs of one kind at once (mail deliveries: one statement for all their rows,
 * pipelined SMTP). Each job still ends on its own: `run` answers, per job id, the error that
 * job's single run would have thrown (PermanentJobError, WaitForResumeError, DeferJobError or
 * any other for a retry); a job without an entry is done. A `run` that throws fails every
 * job of the batch as a single handler's throw would.
 */
export interface BatchJobHandler {
  /** Most jobs one run takes. */
  size: number;
  run(jobs: Job[]): Promise<Map<number, unknown>>;
}

export interface JobWorkerOptions {
  db: Kysely<Database>;
  handlers: Record<string, JobHandler>;
  /**
   * Kinds whose due jobs are claimed and run together: a claimed job of such a kind brings
   * up to `size` due jobs of its kind along, in one statement, and they take one of the
   * `concurrency` places. A kind here needs no entry in `handlers`.
   */
  batchHandlers?: Record<string, BatchJobHandler>;
  logger: Logger;
  concurrency: number;
  pollIntervalMs: number;
  /** How long a claimed job stays with its worker before others may take it over. */
  leaseMs?: number;
  /** Finished jobs older than this are deleted (hourly); unset: kept. */
  retentionMs?: number;
  now?: () => Date;
  /**
   * Whether a solution is paused, read in the parking transaction with a share lock (the
   * solutions feature hands it in at composition). Without it a parked job is due again
   * at once.
   */
  isSolutionPaused?: (trx: Transaction<Database>, solutionId: string) => Promise<boolean>;
  /**
   * Pokes the worker when another instance commits due jobs (PostgreSQL: LISTEN, see
   * job.notifications.ts); started and stopped with the worker. Polling stays beside it.
   */
  wakeUps?: JobWakeUps;
}

/** Retry delay after the n-th failed attempt: 2 s, 4 s, 8 s … capped at 10 minutes. */
export function retryDelayMs(attempt: number): number {
  return Math.min(2000 * 2 ** Math.max(0, attempt - 1), 10 * 60 * 1000);
}

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export class JobWorker {
  readonly workerId = `worker-${randomUUID()}`;
  private running = false;
  private active = 0;
  private timer: NodeJS.Timeout | null = null;
  private wakeRequested = false;
  private polling: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  /** Ids of the jobs this worker is running: never claimed twice, their leases kept alive. */
  private readonly runningIds = new Set<number>();
  private heartbeat: NodeJS.Timeout | null = null;
  private purgeTimer: NodeJS.Timeout | null = null;

  private readonly options: JobWorkerOptions;
  constructor(options: JobWorkerOptions) {
    this.options = options;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // A job can run longer than its lease (a slow SMTP server, a busy database):
    // renewing the lease keeps other instances from taking over a job that is alive.
    const every = Math.max(500, Math.floor(this.leaseMs() / 3));
    this.heartbeat = setInterval(() => {
      this.renewLeases().catch((error) => this.options.logger.warn({ err: error }, 'Job-Lease nicht verlängert'));
    }, every);
    this.heartbeat.unref();
    if (this.options.retentionMs) {
      const purge = () => {
        if (!this.running) return;
        const olderThan = new Date(this.now().getTime() - this.options.retentionMs!);
        purgeFinishedJobs(this.options.db, olderThan)
          .then((deleted) => deleted && this.options.logger.info({ deleted }, 'Erledigte Jobs nach Ablauf der Aufbewahrungsfrist gelöscht'))
          .catch((error) => this.options.logger.warn({ err: error }, 'Erledigte Jobs nicht gelöscht'));
      };
      this.purgeTimer = setInterval(purge, PURGE_INTERVAL_MS);
      this.purgeTimer.unref();
      setTimeout(purge, 10_000).unref();
    }
    this.options.wakeUps?.start(() => this.poke());
    this.poke();
  }

  private leaseMs(): number {
    return this.options.leaseMs ?? 5 * 60 * 1000;
  }

  private async renewLeases(): Promise<void> {
    if (this.runningIds.size === 0) return;
    await this.options.db
      .updateTable('job')
      .set({ locked_until: new Date(this.now().getTime() + this.leaseMs()) })
      .where('id', 'in', [...this.runningIds])
      .where('locked_by', '=', this.workerId)
      .where('status', '=', 'running')
      .execute();
  }

  /** Look for due jobs now (called after a commit that enqueued jobs). */
  poke(): void {
    if (!this.running) return;
    if (this.polling) {
      this.wakeRequested = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.polling = this.pollOnce()
      .catch((error) => this.options.logger.error({ err: error }, 'Job-Abfrage fehlgeschlagen'))
      .finally(() => {
        this.polling = null;
        if (!this.running) return;
        if (this.wakeRequested) {
          this.wakeRequested = false;
          this.poke();
        } else {
          this.timer = setTimeout(() => this.poke(), this.options.pollIntervalMs);
        }
      });
  }

  /** Stops claiming new jobs and waits for the running ones. */
  async stop(): Promise<void> {
    this.running = false;
    await this.options.wakeUps?.stop();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.purgeTimer = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Runs due jobs until none is left (for tests and the CLI); returns how many ran. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const runs = await this.claimDueRuns(this.options.concurrency);
      if (runs.length === 0) return total;
      await Promise.all(runs.map((run) => this.runClaimed(run)));
      total += runs.reduce((sum, run) => sum + run.length, 0);
    }
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private async pollOnce(): Promise<void> {
    const free = this.options.concurrency - this.active;
    if (free <= 0) return;
    const runs = await this.claimDueRuns(free);
    for (const claimed of runs) {
      const run = this.runClaimed(claimed).finally(() => {
        this.inFlight.delete(run);
        this.poke();
      });
      this.inFlight.add(run);
    }
    // A full batch says more of its kind are due: fill the other free places now, not after the poll interval.
    const fullBatch = runs.some((claimed) => claimed.length > 1 && claimed.length >= (this.batchHandlerOf(claimed[0]!)?.size ?? Infinity));
    if (fullBatch && runs.length < free) this.wakeRequested = true;
  }

  private batchHandlerOf(job: Job): BatchJobHandler | undefined {
    return this.options.batchHandlers?.[job.kind];
  }

  /**
   * Claims up to `limit` places' worth of due jobs: each job alone, except those of a batch
   * kind, which come as one run together with up to `size` due jobs of their kind.
   */
  private async claimDueRuns(limit: number): Promise<Job[][]> {
    const jobs = await this.claimDueJobs(limit);
    const runs: Job[][] = [];
    const batches = new Map<string, Job[]>();
    for (const job of jobs) {
      if (!this.batchHandlerOf(job)) {
        runs.push([job]);
        continue;
      }
      const batch = batches.get(job.kind);
      if (batch) batch.push(job);
      else {
        const started = [job];
        batches.set(job.kind, started);
        runs.push(started);
      }
    }
    for (const [kind, batch] of batches) {
      const room = this.options.batchHandlers![kind]!.size - batch.length;
      if (room > 0) batch.push(...(await this.claimDueJobs(room, kind)));
    }
    return runs;
  }

  private runClaimed(jobs: Job[]): Promise<void> {
    const handler = this.batchHandlerOf(jobs[0]!);
    return handler ? this.runBatch(handler, jobs) : this.runJob(jobs[0]!);
  }

  private async claimDueJobs(limit: number, kind?: string): Promise<Job[]> {
    const now = this.now();
    const { db } = this.options;
    // Jobs of a crashed worker (lease run out) become pending again first, so that the
    // claim itself is one ordered walk along the due index: priority, then due time. (A
    // batch's second claim follows the first at once: that was done a moment ago.)
    if (!kind) {
      let expired = db
        .updateTable('job')
        .set({ status: 'pending', locked_by: null, locked_until: null })
        .where('status', '=', 'running')
        .where('locked_until', '<', now);
      if (this.runningIds.size) expired = expired.where('id', 'not in', [...this.runningIds]);
      await expired.execute();
    }
    let due = db
      .selectFrom('job')
      .select('id')
      .where('status', '=', 'pending')
      .where('run_at', '<=', now);
    if (kind) due = due.where('kind', '=', kind);
    const ordered = due
      .orderBy('priority')
      .orderBy('run_at')
      .orderBy('id')
      .limit(limit)
      .forUpdate()
      .skipLocked();
    return db
      .updateTable('job')
      .set({
        status: 'running',
        locked_by: this.workerId,
        locked_until: new Date(now.getTime() + this.leaseMs()),
        attempts: sql<number>`attempts + 1`,
      })
      .where('id', 'in', ordered)
      .returningAll()
      .execute();
  }

  /** Hands a job of this worker back without counting the attempt (a pause, a deferral). */
  private async putBackUncounted(db: Executor, job: Job, fields: { status: 'pending' | 'waiting'; run_at: Date; solution_id?: string }): Promise<void> {
    await db
      .updateTable('job')
      .set({ ...fields, attempts: job.attempts - 1, locked_by: null, locked_until: null })
      .where('id', '=', job.id)
      .where('locked_by', '=', this.workerId)
      .execute();
  }

  /**
   * Parks a job until its solution resumes. isSolutionPaused reads the solution FOR SHARE, so this
   * either runs before a concurrent FORTSETZEN (which then wakes the parked job) or after
   * it (and the job is due again at once) – it can never miss the resume.
   */
  private async park(job: Job, solutionId: string): Promise<void> {
    await this.options.db.transaction().execute(async (trx) => {
      const paused = (await this.options.isSolutionPaused?.(trx, solutionId)) ?? false;
      await this.putBackUncounted(trx, job, {
        status: paused ? 'waiting' : 'pending',
        // resumeWaitingJobs finds it by its solution, also when it was enqueued without one (a mail)
        solution_id: solutionId,
        run_at: this.now(),
      });
    });
    this.options.logger.info({ jobId: job.id, jobKind: job.kind, solutionId }, 'Job wartet auf die Fortsetzung der Lösung');
  }

  /**
   * Runs a job and records its outcome; never rejects. When the outcome cannot be recorded
   * (the database went away in between) the job stays 'running' under its lease and runs
   * again once that has expired – handlers are idempotent. A rejection here would be
   * unhandled (poke() does not await its runs) and end the process.
   */
  private async runJob(job: Job): Promise<void> {
    this.active++;
    this.runningIds.add(job.id);
    const log = this.options.logger.child({ jobId: job.id, jobKind: job.kind, attempt: job.attempts });
    try {
      const handler = this.options.handlers[job.kind];
      try {
        if (!handler) throw new PermanentJobError(`Kein Handler für Job-Art ${job.kind}`);
        await handler(job);
      } catch (error) {
        await this.settleFailed(job, error);
        return;
      }
      await this.markDone([job]);
    } catch (error) {
      // Its outcome could not be saved (the database went away): the job stays running and
      // is taken up again once its lease has run out. Never a rejection nobody handles.
      log.warn({ err: error }, 'Job-Ergebnis nicht gespeichert – der Job läuft nach Ablauf der Lease erneut');
    } finally {
      this.active--;
      this.runningIds.delete(job.id);
    }
  }

  /** One place for the whole batch; each job ends as it would alone (done in one statement, the others one by one). */
  private async runBatch(handler: BatchJobHandler, jobs: Job[]): Promise<void> {
    this.active++;
    for (const job of jobs) this.runningIds.add(job.id);
    try {
      let failures: Map<number, unknown>;
      try {
        failures = await handler.run(jobs);
      } catch (error) {
        failures = new Map(jobs.map((job) => [job.id, error]));
      }
      await this.markDone(jobs.filter((job) => !failures.has(job.id)));
      for (const job of jobs) {
        if (failures.has(job.id)) await this.settleFailed(job, failures.get(job.id));
      }
    } catch (error) {
      // As in runJob: outcomes not saved stay running under their lease; never an unhandled rejection.
      this.options.logger.warn({ err: error, jobKind: jobs[0]?.kind, jobs: jobs.length }, 'Job-Ergebnisse nicht gespeichert – die Jobs laufen nach Ablauf der Lease erneut');
    } finally {
      this.active--;
      for (const job of jobs) this.runningIds.delete(job.id);
    }
  }

  private async markDone(jobs: Job[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.options.db
      .updateTable('job')
      .set({ status: 'done', finished_at: new Date(), locked_by: null, locked_until: null, last_error: null })
      .where('id', 'in', jobs.map((job) => job.id))
      .where('locked_by', '=', this.workerId)
      .execute();
    if (jobs.length === 1) this.options.logger.debug({ jobId: jobs[0]!.id, jobKind: jobs[0]!.kind, attempt: jobs[0]!.attempts }, 'Job erledigt');
    else this.options.logger.debug({ jobKind: jobs[0]!.kind, jobs: jobs.length }, 'Jobs erledigt');
  }

  /** A job's run threw: park, defer, retry with backoff or fail it. */
  private async settleFailed(job: Job, error: unknown): Promise<void> {
    const { db, logger } = this.options;
    const log = logger.child({ jobId: job.id, jobKind: job.kind, attempt: job.attempts });
    if (error instanceof WaitForResumeError) {
      await this.park(job, error.solutionId);
      return;
    }
    if (error instanceof DeferJobError) {
      await this.putBackUncounted(db, job, { status: 'pending', run_at: new Date(this.now().getTime() + error.delayMs) });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const permanent = error instanceof PermanentJobError || job.attempts >= job.max_attempts;
    if (permanent) {
      log.error({ err: error }, 'Job endgültig fehlgeschlagen');
      await db
        .updateTable('job')
        .set({ status: 'failed', finished_at: new Date(), last_error: message, locked_by: null, locked_until: null })
        .where('id', '=', job.id)
        .where('locked_by', '=', this.workerId)
        .execute();
    } else {
      const delay = retryDelayMs(job.attempts);
      log.warn({ err: error, retryInMs: delay }, 'Job fehlgeschlagen, neuer Versuch geplant');
      await db
        .updateTable('job')
        .set({
          status: 'pending',
          run_at: new Date(this.now().getTime() + delay),
          last_error: message,
          locked_by: null,
          locked_until: null,
        })
        .where('id', '=', job.id)
        .where('locked_by', '=', this.workerId)
        .execute();
    }
  }
}
