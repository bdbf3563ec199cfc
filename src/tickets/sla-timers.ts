import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, Job } from '../db/schema.ts';
import { cancelJobs, enqueueJobs, type NewJob } from '../engine/job.queue.ts';
import { recordChange } from '../engine/change.record.ts';
import { SOLUTION_FINAL_STAGES, TICKET_OPEN_STAGES } from '../../workflows/index.ts';
import { enqueueTicketNotice, ticketNoticeKey } from './ticket-notices.ts';

/**
 * Durable SLA timers of a ticket in the job table: a warning when 75 % of a budget is used
 * and the breach at its due time, for the first response (until there is one) and the
 * resolution. Replanned in the transaction of every change that moves the due times or
 * ends/pauses the clock; the handler checks again that its due time is still the ticket's
 * (a stale timer does nothing). What fires is recorded in the ticket's timeline and
 * becomes a notice: the warning to the assignee (or the Kaz queue), the breach to the Kaz
 * queue and – for a blocking ticket – the solution's ministry contact. A solution that has
 * ended runs no SLA any more (its timers are cancelled with it, none are planned).
 */
export const SLA_TIMER_JOB = 'ticket.slaFrist';

type Frist = 'erste-reaktion' | 'loesung';
type Stufe = 'warnung' | 'ueberschritten';
interface SlaTimerPayload {
  ticketId: string;
  frist: Frist;
  stufe: Stufe;
  at: string;
}

const cancelKeyOf = (ticketId: string) => `ticket-sla:${ticketId}`;

function currentTimes(row: {
  first_response_due: Date;
  first_response_warn: Date;
  resolution_due: Date;
  resolution_warn: Date;
  first_responded_at: Date | null;
}): { frist: Frist; stufe: Stufe; at: Date }[] {
  const times: { frist: Frist; stufe: Stufe; at: Date }[] = [];
  if (!row.first_responded_at) {
    times.push({ frist: 'erste-reaktion', stufe: 'warnung', at: row.first_response_warn }, { frist: 'erste-reaktion', stufe: 'ueberschritten', at: row.first_response_due });
  }
  times.push({ frist: 'loesung', stufe: 'warnung', at: row.resolution_warn }, { frist: 'loesung', stufe: 'ueberschritten', at: row.resolution_due });
  return times;
}

/** Cancels the ticket's timers and plans those still ahead for its current state (none while paused or solved). */
export async function replanSlaTimers(trx: Transaction<Database>, ticketId: string, now: Date): Promise<number> {
  await cancelJobs(trx, { cancelKey: cancelKeyOf(ticketId) }, now);
  const row = await trx.selectFrom('ticket').selectAll().where('id', '=', ticketId).executeTakeFirstOrThrow();
  if (!(TICKET_OPEN_STAGES as readonly string[]).includes(row.stage) || row.stage === 'wartet-auf-kommune') return 0;
  const solution = await trx.selectFrom('solution').select('stage').where('id', '=', row.solution_id).executeTakeFirst();
  if (!solution || (SOLUTION_FINAL_STAGES as readonly string[]).includes(solution.stage)) return 0;
  const jobs: NewJob[] = currentTimes(row)
    .filter((timer) => timer.at.getTime() > now.getTime())
    .map((timer) => ({
      kind: SLA_TIMER_JOB,
      payload: { ticketId, frist: timer.frist, stufe: timer.stufe, at: timer.at.toISOString() },
      // a fresh key per plan: a cancelled timer of the same instant must not swallow the new one
      idempotencyKey: `${cancelKeyOf(ticketId)}:${timer.frist}:${timer.stufe}:${randomUUID()}`,
      cancelKey: cancelKeyOf(ticketId),
      runAt: timer.at,
      solutionId: row.solution_id,
      ars: row.ars,
    }));
  await enqueueJobs(trx, jobs);
  return jobs.length;
}

/** The job handler: records the warning or breach in the ticket's timeline if it is still due. */
export function createSlaTimerHandler(db: Kysely<Database>, now: () => Date) {
  return async function fireSlaTimer(job: Job): Promise<void> {
    const payload = job.payload as unknown as SlaTimerPayload;
    await db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('ticket').selectAll().where('id', '=', payload.ticketId).forUpdate().executeTakeFirst();
      if (!row || !(TICKET_OPEN_STAGES as readonly string[]).includes(row.stage) || row.stage === 'wartet-auf-kommune') return;
      const still = currentTimes(row).some((timer) => timer.frist === payload.frist && timer.stufe === payload.stufe && timer.at.toISOString() === payload.at);
      if (!still) return;
      const notice = {
        ticketId: row.id,
        solutionId: row.solution_id,
        ars: row.ars,
        occasion: payload.stufe === 'warnung' ? ('sla-warnung' as const) : ('eskalation' as const),
        ref: `${payload.frist}:${payload.at}`,
      };
      // A re-run after a crash past the commit: the notice is there, nothing to add.
      const done = await trx.selectFrom('job').select('id').where('idempotency_key', '=', ticketNoticeKey(notice)).executeTakeFirst();
      if (done) return;
      const faelligAm = payload.frist === 'erste-reaktion' ? row.first_response_due.toISOString() : row.resolution_due.toISOString();
      await enqueueTicketNotice(trx, { ...notice, details: { frist: payload.frist, faelligAm, blockierend: row.blocking } }, now());
      await recordChange(trx, {
        solutionId: row.solution_id,
        ars: row.ars,
        stage: row.stage,
        machineVersion: row.machine_version,
        eventType: payload.stufe === 'warnung' ? 'TICKET_SLA_WARNUNG' : 'TICKET_SLA_UEBERSCHRITTEN',
        event: { frist: payload.frist, faelligAm },
        actor: 'system:sla',
        at: now(),
        ticketId: row.id,
      });
    });
  };
}
