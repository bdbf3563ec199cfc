import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { TICKET_OPEN_STAGES } from '../../workflows/index.ts';
import type { PreconditionInput, PreconditionRefusal } from '../engine/participant.preconditions.ts';

/** A participant with an open blocking ticket does not go live (pilot or rollout): the refusal names the tickets. */
export async function noOpenBlockingTicket(trx: Transaction<Database>, input: PreconditionInput): Promise<PreconditionRefusal | null> {
  const open = await trx
    .selectFrom('ticket')
    .select(['id', 'number', 'title', 'stage'])
    .where('solution_id', '=', input.solutionId)
    .where('ars', '=', input.ars)
    .where('blocking', '=', true)
    .where('stage', 'in', [...TICKET_OPEN_STAGES])
    .orderBy('number')
    .execute();
  if (open.length === 0) return null;
  return {
    reason: `Offene blockierende Tickets verhindern den Live-Gang: ${open.map((t) => `#${t.number} „${t.title}“`).join(', ')}`,
    details: { blockingTickets: open.map((t) => ({ id: t.id, number: Number(t.number), title: t.title, stage: t.stage })) },
  };
}
