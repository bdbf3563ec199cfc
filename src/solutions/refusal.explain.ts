import { BUS_BB_SCHRITTE, busBbSchritteOf, type BusBbSchritt } from '../../workflows/index.ts';
import { ALL_STEPS_CONFIRMED, ERSTINFORMATION_NOT_SENT, LSP_NOT_CONFIRMED, openParticipantsReason } from './event-choice.ts';

/**
 * German explanation of why the solution's or a participant's guard refused an event
 * whose payload passed its schema; null: the engine's general words. The state and facts
 * that hold an event back whatever its payload are decided before (event-choice.ts, with
 * the same words); what is left here is what the payload
 * decides against the state – a wave name already used, a BUS-BB step out of order. Every
 * guarded event has its own words (test/engine/event-choice.test.ts walks the machines).
 */
export function explainRolloutRefusal(event: { type: string; facts?: unknown } & Record<string, unknown>, context: unknown): string | null {
  const facts = (event.facts ?? {}) as { pilotsLive?: number; participantsOpen?: number };
  const ctx = (context ?? {}) as Record<string, unknown>;
  switch (event.type) {
    case 'ERSTINFORMATION_VERSANDT':
      return 'Die Erstinformation ist bereits als versandt vermerkt.';
    case 'PILOTPHASE_STARTEN':
      return ERSTINFORMATION_NOT_SENT;
    case 'ROLLOUT_STARTEN': {
      const lessons = Array.isArray(ctx.lessonsLearned) ? ctx.lessonsLearned.length : 0;
      return (
        'Der flächendeckende Rollout setzt mindestens eine Pilotbehörde im Stadium pilot-live ' +
        `(derzeit ${facts.pilotsLive ?? 0}) und erfasste Lessons Learned (derzeit ${lessons}) voraus – oder eine begründete Ausnahme in override.reason.`
      );
    }
    case 'WELLE_STARTEN': {
      const label = typeof event.label === 'string' ? event.label.trim() : '';
      const waves = Array.isArray(ctx.waves) ? (ctx.waves as { label?: unknown }[]) : [];
      if (waves.some((wave) => wave.label === label)) {
        return `Eine Welle „${label}“ gibt es in dieser Lösung schon; der Name einer Welle ist eindeutig (er steht in den Einladungen).`;
      }
      return 'Eine Welle braucht einen eindeutigen Namen und eine Liste verschiedener teilnehmender Behörden (ARS).';
    }
    case 'ABSCHLIESSEN':
      return openParticipantsReason(facts.participantsOpen ?? 0);
    case 'LESSONS_LEARNED_ERFASSEN':
      return 'Lessons Learned brauchen einen Text.';
    case 'PAUSIEREN':
    case 'ABBRECHEN':
    case 'PILOT_ZURUECKSTELLEN':
    case 'PILOT_ABLEHNEN':
    case 'ABLEHNEN':
    case 'NICHT_ZUSTAENDIG_MELDEN':
    case 'AUSSCHLIESSEN':
      return `${event.type} braucht eine Begründung (reason).`;
    case 'EINLADEN':
      return 'Eine Einladung braucht den Namen der Welle und eine Antwortfrist von mindestens einem Tag.';
    case 'PILOT_VORSCHLAGEN':
      return 'Ein Vorschlag nennt seine Quelle: ministerium, oder spitzenverband mit dem vorschlagenden Verband.';
    case 'PILOT_LIVE_MELDEN':
    case 'BUS_BB_VERKNUEPFUNG_MELDEN':
      return 'Die Meldung braucht die Adresse des Online-Dienstes (http/https) und, falls angegeben, einen gültigen Tag der Verknüpfung.';
    case 'BUS_BB_SCHRITTE_MELDEN':
      return `Gemeldet werden einer oder mehrere der BUS-BB-Schritte ${BUS_BB_SCHRITTE.join(', ')}.`;
    case 'BUS_BB_SCHRITT_BESTAETIGEN':
      return explainStepConfirmation(event.schritt, ctx);
    case 'LIVE_BESTAETIGEN':
      return LSP_NOT_CONFIRMED;
    case 'BUS_BB_ABGLEICH_UEBERNEHMEN':
      return 'Die Übernahme aus einem Abgleich braucht dessen Kennung und, falls angegeben, eine gültige Adresse des Online-Dienstes.';
    case 'BEREITSCHAFT_MELDEN':
      return (
        'Die Bereitschaft ist bereit, bereit-ab mit einem Tag (ab) oder nicht-bereit mit mindestens einem Grund ' +
        '(beim Grund „sonstiges“ mit Erläuterung in freitext).'
      );
    default:
      return null;
  }
}

/** Names the step that is due next, or that all are confirmed. */
function explainStepConfirmation(schritt: unknown, context: Record<string, unknown>): string {
  const schritte = busBbSchritteOf(context);
  const next = BUS_BB_SCHRITTE.find((step) => !schritte[step]?.bestaetigtAm);
  if (!next) return ALL_STEPS_CONFIRMED;
  if (typeof schritt === 'string' && schritte[schritt as BusBbSchritt]?.bestaetigtAm) {
    return `Der BUS-BB-Schritt ${schritt} ist bereits bestätigt; als nächster ist ${next} zu bestätigen.`;
  }
  return `BUS-BB-Schritte werden der Reihe nach bestätigt (${BUS_BB_SCHRITTE.join(' → ')}); als nächster ist ${next} zu bestätigen.`;
}
