import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { TICKET_OPEN_STAGES } from '../../workflows/index.ts';
import type { PreconditionInput, PreconditionRefusal } from '../engine/participant.preconditions.ts';
import { blockingTicketsReason } from '../engine/event-choice.ts';

type Executor = Kysely<Database> | Transaction<Database>;

const openBlocking = (db: Executor, solutionId: string, ars: string) =>
  db
    .selectFrom('ticket')
    .where('solution_id', '=', solutionId)
    .where('ars', '=', ars)
    .where('blocking', '=', true)
    .where('stage', 'in', [...TICKET_OPEN_STAGES]);

/** How many open blocking tickets hold the participant's go-live back: what its blockedEvents say. */
export async function countOpenBlockingTickets(db: Executor, solutionId: string, ars: string): Promise<number> {
  const row = await openBlocking(db, solutionId, ars)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * A participant with an open blocking ticket does not go live (pilot or rollout). The
 * reason names how many and that the Kaz works them, in words every caller may read; the
 * tickets themselves (id, number, title) are in `details.blockingTickets`, which the
 * routes pass on only to roles that may read tickets (redactTicketDetails, roles.ts).
 */
export async function noOpenBlockingTicket(trx: Transaction<Database>, input: PreconditionInput): Promise<PreconditionRefusal | null> {
  const open = await openBlocking(trx, input.solutionId, input.ars).select(['id', 'number', 'title', 'stage']).orderBy('number').execute();
  if (open.length === 0) return null;
  return {
    reason: blockingTicketsReason(open.length),
    details: {
      blockingTicketCount: open.length,
      blockingTickets: open.map((t) => ({ id: t.id, number: Number(t.number), title: t.title, stage: t.stage })),
    },
  };
}
