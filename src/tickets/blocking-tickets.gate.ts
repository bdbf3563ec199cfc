import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { TICKET_OPEN_STAGES } from '../../workflows/index.ts';
import type { Precondition, PreconditionRefusal } from '../engine/workflow.types.ts';
import type { ParticipantRef } from '../solutions/participant.target.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** Participant events whose go-live an open blocking ticket holds back. */
export const GO_LIVE_EVENTS: readonly string[] = ['PILOT_LIVE_MELDEN', 'LIVE_BESTAETIGEN'];

/**
 * The words every caller reads for a go-live held by open blocking tickets: how many and
 * that the Kaz works them – no number, no title (the Landesredaktion, which confirms
 * go-lives, has no access to tickets; roles that have it find the tickets in the details).
 */
export function blockingTicketsReason(count: number): string {
  return count === 1
    ? 'Ein offenes blockierendes Ticket bei der Kaz (ZIT-BB) hält den Live-Gang auf; er ist möglich, sobald es gelöst ist.'
    : `${count} offene blockierende Tickets bei der Kaz (ZIT-BB) halten den Live-Gang auf; er ist möglich, sobald sie gelöst sind.`;
}

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
export async function noOpenBlockingTicket(trx: Transaction<Database>, input: ParticipantRef): Promise<PreconditionRefusal | null> {
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

/**
 * The gate as the engine runs it on the participant's go-live events (ticket.workflows.ts
 * registers it): in the event's transaction, and – for blockedEvents – the same reason
 * wherever a go-live is possible.
 */
export const blockingTicketsGate: Precondition<ParticipantRef> = {
  events: GO_LIVE_EVENTS,
  check: noOpenBlockingTicket,
  async holdsBack(db, { solutionId, ars }) {
    const open = await countOpenBlockingTickets(db, solutionId, ars);
    return open > 0 ? blockingTicketsReason(open) : null;
  },
};
