import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import { enqueueJob, JOB_PRIORITY, PermanentJobError, type JobHandler, type NewJob } from '../engine/job.queue.ts';
import { takeQuarterSnapshots } from './snapshot.service.ts';
import { isQuarter, nextQuarter, quarterEnd, quarterOf } from './quarter.ts';

/**
 * The quarterly snapshot as a job of the durable queue: one job per quarter, due at the
 * quarter's end (the first instant of the next quarter, Berlin time), keyed by the
 * quarter – however many instances start or run it, there is one job, and the snapshots'
 * unique key makes a second run store nothing. Each run schedules the next quarter's job;
 * every start makes sure the running quarter's job exists (a database that never had one,
 * a chain broken by a job that failed for good), so the chain survives restarts.
 */

export const QUARTER_SNAPSHOT_JOB = 'progress-snapshot.quarter';

export function quarterSnapshotJob(quarter: string): NewJob {
  return {
    kind: QUARTER_SNAPSHOT_JOB,
    payload: { quarter },
    idempotencyKey: `progress-snapshot:${quarter}`,
    runAt: quarterEnd(quarter),
    priority: JOB_PRIORITY.normal,
  };
}

/** On start: the job of the quarter running now (due at its end) exists – once, whoever asks. */
export async function ensureQuarterSnapshotJob(db: Kysely<Database>, now: Date): Promise<void> {
  await enqueueJob(db, quarterSnapshotJob(quarterOf(now)));
}

export function createSnapshotJobHandlers(deps: { db: Kysely<Database>; now: () => Date; logger: Logger }): Record<string, JobHandler> {
  return {
    [QUARTER_SNAPSHOT_JOB]: async (job) => {
      const quarter = (job.payload as { quarter?: unknown }).quarter;
      if (!isQuarter(quarter)) throw new PermanentJobError(`kein Quartal: ${String(quarter)}`);
      const result = await takeQuarterSnapshots(deps.db, quarter, deps.now());
      deps.logger.info({ quarter, ...result }, `Quartalsstände ${quarter} festgehalten: ${result.stored} von ${result.solutions} Lösungen neu`);
      await enqueueJob(deps.db, quarterSnapshotJob(nextQuarter(quarter)));
    },
  };
}
