import {
  BUS_BB_SCHRITTE,
  busBbSchritteOf,
  participantsStandStill,
  PARTICIPANTS_MOVING_STAGES,
  type ParticipantContext,
  type SolutionContext,
  type SolutionFacts,
} from '../../workflows/index.ts';
import { germanDateTime } from '../time/berlin.clock.ts';

/**
 * Which of the events a stage takes an API caller can send now, and why the others
 * cannot: `allowedEvents` beside `blockedEvents` with a German reason. A web interface
 * draws its buttons from it, so both are decided on the same state and facts the event
 * itself would meet in the engine – the guards' facts (participant counts, the reopen
 * period), the solution's stage and the database preconditions (open blocking tickets).
 *
 * What only the payload decides (a reason text, a URL, the next BUS-BB step) does not
 * block: an event is allowed when some valid payload passes. ROLLOUT_STARTEN therefore
 * stays allowed in the pilot phase – an `override.reason` always passes.
 *
 * The engine refuses a blocked event with exactly the reason listed here (the same
 * functions decide both), so that a button and its 409 never disagree.
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

// ── Solution ──────────────────────────────────────────────────────────────────

export const ERSTINFORMATION_NOT_SENT =
  'Die Pilotphase beginnt erst, wenn die Erstinformation versandt ist: das Erstinformations-Mailing ' +
  '(POST /api/v1/solutions/{id}/mailings mit kind „erstinformation“) muss vollständig an den Mailserver übergeben sein.';

export function openParticipantsReason(open: number): string {
  return (
    'Abschließen setzt voraus, dass jede teilnehmende Behörde verknüpft (live) oder mit Begründung ausgenommen ist; ' +
    `offen ${open === 1 ? 'ist noch 1 Behörde' : `sind noch ${open} Behörden`}.`
  );
}

export const NO_PARTICIPANTS = 'Die Lösung hat keine teilnehmenden Behörden, die eine Welle einladen könnte.';

/** The solution machine's conditions on its state and on the participant counts (SolutionFacts). */
export function solutionBlocker(context: SolutionContext, facts: SolutionFacts): Blocker {
  return (type) => {
    switch (type) {
      case 'PILOTPHASE_STARTEN':
        return context.erstinformationVersandtAm === null ? ERSTINFORMATION_NOT_SENT : null;
      case 'ABSCHLIESSEN':
        return facts.participantsOpen > 0 ? openParticipantsReason(facts.participantsOpen) : null;
      case 'WELLE_STARTEN':
        return facts.participantsTotal === 0 ? NO_PARTICIPANTS : null;
      default:
        return null;
    }
  };
}

// ── Participant ───────────────────────────────────────────────────────────────

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

export const LSP_NOT_CONFIRMED =
  'LIVE_BESTAETIGEN setzt voraus, dass der letzte BUS-BB-Schritt „im Landesserviceportal sichtbar“ bestätigt ist ' +
  '(BUS_BB_SCHRITT_BESTAETIGEN mit schritt lsp-sichtbar, nach online-dienst-angelegt und zustaendigkeit-zugeordnet).';

export const ALL_STEPS_CONFIRMED = 'Alle BUS-BB-Schritte sind bereits bestätigt; es gibt keinen weiteren zu bestätigen.';

/** Participant events whose go-live an open blocking ticket holds back (blocking-tickets.gate.ts). */
export const GO_LIVE_EVENTS: readonly string[] = ['PILOT_LIVE_MELDEN', 'LIVE_BESTAETIGEN'];

export interface ParticipantSituation {
  solutionStage: string;
  context: ParticipantContext;
  /** Open blocking tickets of the participant; only counted where a go-live event is possible. */
  openBlockingTickets: number;
}

/**
 * In the engine's order: a solution that is not active stops every participant, then the
 * database preconditions (blocking tickets), then the machine's guards on the context.
 */
export function participantBlocker(situation: ParticipantSituation): Blocker {
  return (type) => {
    if (!PARTICIPANTS_MOVING_STAGES.includes(situation.solutionStage)) return participantsStandStill(situation.solutionStage);
    if (GO_LIVE_EVENTS.includes(type) && situation.openBlockingTickets > 0) return blockingTicketsReason(situation.openBlockingTickets);
    return participantContextBlocker(situation.context)(type);
  };
}

/** The machine's guards that depend on the participant's context only. */
export function participantContextBlocker(context: ParticipantContext): Blocker {
  return (type) => {
    const schritte = busBbSchritteOf(context);
    switch (type) {
      case 'LIVE_BESTAETIGEN':
        return schritte['lsp-sichtbar']?.bestaetigtAm ? null : LSP_NOT_CONFIRMED;
      case 'BUS_BB_SCHRITT_BESTAETIGEN':
        return BUS_BB_SCHRITTE.every((schritt) => schritte[schritt]?.bestaetigtAm) ? ALL_STEPS_CONFIRMED : null;
      default:
        return null;
    }
  };
}

// ── Ticket ────────────────────────────────────────────────────────────────────

export function reopenPeriodOverReason(reopenUntil: string | null): string {
  return reopenUntil === null
    ? 'Das Ticket wurde nie als gelöst gemeldet; eine Wiedereröffnung ist nicht möglich.'
    : `Die Frist für eine Wiedereröffnung endete am ${germanDateTime(reopenUntil)} (TICKET_REOPEN_DAYS nach der Lösung); ` +
        'besteht das Problem wieder, bitte ein neues Ticket eröffnen.';
}

/** The ticket machine's condition on the reopen period (TicketFacts), judged at `at`. */
export function ticketBlocker(facts: { reopenUntil: string | null }, at: Date): Blocker {
  return (type) => {
    if (type !== 'WIEDEREROEFFNEN') return null;
    return facts.reopenUntil !== null && at.getTime() <= Date.parse(facts.reopenUntil) ? null : reopenPeriodOverReason(facts.reopenUntil);
  };
}
