import {
  BUS_BB_SCHRITTE,
  busBbSchritteOf,
  participantsStandStill,
  PARTICIPANTS_MOVING_STAGES,
  type ParticipantContext,
  type SolutionContext,
  type SolutionFacts,
} from '../../workflows/index.ts';
import type { Blocker } from '../engine/event-choice.ts';

/**
 * What holds a solution's or a participant's events back whatever their payload, in the
 * words its blockedEvents show and its refusal says (engine/event-choice.ts explains the
 * pairing).
 */

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

export const LSP_NOT_CONFIRMED =
  'Live bestätigen setzt voraus, dass der letzte BUS-BB-Schritt „im Landesserviceportal sichtbar“ bestätigt ist ' +
  '(nach „Online-Dienst im BUS-BB angelegt“ und „Zuständigkeit zugeordnet“; in der API: BUS_BB_SCHRITT_BESTAETIGEN mit schritt lsp-sichtbar).';

export const ALL_STEPS_CONFIRMED = 'Alle BUS-BB-Schritte sind bereits bestätigt; es gibt keinen weiteren zu bestätigen.';

export interface ParticipantSituation {
  solutionStage: string;
  context: ParticipantContext;
  /**
   * Why registered preconditions hold events back whatever their payload (open blocking
   * tickets hold the go-live); only asked where such an event is possible.
   */
  heldBack: ReadonlyMap<string, string>;
}

/**
 * In the engine's order: a solution that is not active stops every participant, then the
 * database preconditions (registered by other features), then the machine's guards on the context.
 */
export function participantBlocker(situation: ParticipantSituation): Blocker {
  return (type) => {
    if (!PARTICIPANTS_MOVING_STAGES.includes(situation.solutionStage)) return participantsStandStill(situation.solutionStage);
    return situation.heldBack.get(type) ?? participantContextBlocker(situation.context)(type);
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
