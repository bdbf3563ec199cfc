/**
 * Which of the events a stage takes an API caller can send now, and why the others
 * cannot: `allowedEvents` beside `blockedEvents` with a German reason. A web interface
 * draws its buttons from it, so both are decided on the same state and facts the event
 * itself would meet in the engine – the guards' facts (participant counts, the reopen
 * period), the solution's stage and the database preconditions a feature registered
 * (open blocking tickets).
 *
 * What only the payload decides (a reason text, a URL, the next BUS-BB step) does not
 * block: an event is allowed when some valid payload passes. ROLLOUT_STARTEN therefore
 * stays allowed in the pilot phase – an `override.reason` always passes.
 *
 * The engine refuses a blocked event with exactly the reason listed here (the same
 * functions decide both), so that a button and its 409 never disagree. The blockers
 * themselves are the targets' (solutions/event-choice.ts, tickets/ticket.target.ts).
 */

export interface BlockedEvent {
  type: string;
  reason: string;
}

export interface EventChoice {
  /** What an API caller can send now (system events left out). */
  allowedEvents: string[];
  /** Events the stage takes, held back by the state or the facts: with the reason. */
  blockedEvents: BlockedEvent[];
}

/** Why an event of the stage cannot happen now; null when it can. */
export type Blocker = (type: string) => string | null;

export const NO_CHOICE: EventChoice = Object.freeze({ allowedEvents: [], blockedEvents: [] }) as EventChoice;

/** Splits the stage's client events into allowed and blocked ones. */
export function chooseEvents(types: readonly string[], blockedBy: Blocker): EventChoice {
  const choice: EventChoice = { allowedEvents: [], blockedEvents: [] };
  for (const type of types) {
    const reason = blockedBy(type);
    if (reason === null) choice.allowedEvents.push(type);
    else choice.blockedEvents.push({ type, reason });
  }
  return choice;
}
