import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { ParticipantEventType } from '../../workflows/index.ts';
import { goLiveChecklistComplete } from '../pilots/go-live.gate.ts';
import { noOpenBlockingTicket } from '../tickets/blocking-tickets.gate.ts';

/**
 * Conditions on a participant event that need the database and so cannot be a guard of
 * the pure machine: the engine runs them inside the event's transaction, after the
 * participant's row is locked and the event is known to be possible in its stage, and
 * refuses the event with their reason and details. Statically imported by the engine, so
 * that every path – the event route, an answer page, an effect, a future bulk route –
 * meets them; none can be left out by wiring.
 */
export interface PreconditionInput {
  solutionId: string;
  ars: string;
  stage: string;
  event: Record<string, unknown>;
}

export interface PreconditionRefusal {
  reason: string;
  /** Extra members of the refusal, e.g. the open checklist items. */
  details: Record<string, unknown>;
}

export type ParticipantPrecondition = (trx: Transaction<Database>, input: PreconditionInput) => Promise<PreconditionRefusal | null>;

/** All of them, in order: the first refusal wins. */
const allOf =
  (...checks: ParticipantPrecondition[]): ParticipantPrecondition =>
  async (trx, input) => {
    for (const check of checks) {
      const refusal = await check(trx, input);
      if (refusal) return refusal;
    }
    return null;
  };

export const PARTICIPANT_PRECONDITIONS: Readonly<Partial<Record<ParticipantEventType, ParticipantPrecondition>>> = {
  PILOT_LIVE_MELDEN: allOf(noOpenBlockingTicket, goLiveChecklistComplete),
  LIVE_BESTAETIGEN: noOpenBlockingTicket,
};
