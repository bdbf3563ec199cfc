// Candidate events for the property-based and model-based tests of the pure machines
// (machine-properties.test.ts, machine-graph.test.ts): for every event type of each
// machine's own list, payloads that pass its guards and payloads that do not.
import {
  BUS_BB_SCHRITTE,
  busBbSchritteOf,
  PARTICIPANT_EVENT_TYPES,
  SOLUTION_EVENT_TYPES,
  TICKET_EVENT_TYPES,
  type ParticipantEvent,
  type SolutionEvent,
  type TicketEvent,
} from '../../workflows/index.ts';

export const ARS = '120615202000';
export const AT = '2025-05-05T08:00:00.000Z';
const URL_OK = 'https://service.brandenburg.de/hundesteuer/amt-beispiel';

type Loose = Record<string, unknown> & { type: string };

/** The participant's delayed event (`after: antwortfrist` in `eingeladen`), as the engine delivers it from its job. */
export const PARTICIPANT_TIMER_EVENT = { type: 'xstate.after.antwortfrist.participant.eingeladen' } as const;

const participantPayloads: Record<(typeof PARTICIPANT_EVENT_TYPES)[number], Loose[]> = {
  INFORMIEREN: [{ type: 'INFORMIEREN' }],
  INTERESSE_BEKUNDEN: [{ type: 'INTERESSE_BEKUNDEN' }],
  ALS_PILOT_BEWERBEN: [{ type: 'ALS_PILOT_BEWERBEN' }],
  PILOT_VORSCHLAGEN: [
    { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium', at: AT },
    { type: 'PILOT_VORSCHLAGEN', quelle: 'spitzenverband', spitzenverband: 'landkreistag', vorgeschlagenAm: '2025-05-01', at: AT },
    { type: 'PILOT_VORSCHLAGEN', quelle: 'spitzenverband', at: AT },
    { type: 'PILOT_VORSCHLAGEN', quelle: 'selbst', at: AT },
    { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium', vorgeschlagenAm: '2025-02-30', at: AT },
  ],
  PILOT_BESTAETIGEN: [{ type: 'PILOT_BESTAETIGEN' }],
  PILOT_ZURUECKSTELLEN: [{ type: 'PILOT_ZURUECKSTELLEN', reason: 'später' }, { type: 'PILOT_ZURUECKSTELLEN', reason: ' ' }],
  PILOT_ABLEHNEN: [{ type: 'PILOT_ABLEHNEN', reason: 'passt nicht' }, { type: 'PILOT_ABLEHNEN' }],
  PILOT_LIVE_MELDEN: [
    { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: URL_OK, at: AT },
    { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: 'ftp://x', at: AT },
    { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: URL_OK, verknuepftAm: '2025-13-01', at: AT },
  ],
  EINLADEN: [
    { type: 'EINLADEN', wave: 'Welle 1', at: AT },
    { type: 'EINLADEN', wave: 'Welle 2', fristTage: 7, at: AT },
    { type: 'EINLADEN', wave: '', at: AT },
    { type: 'EINLADEN', wave: 'Welle 3', fristTage: -1, at: AT },
  ],
  BEREITSCHAFT_MELDEN: [
    { type: 'BEREITSCHAFT_MELDEN', status: 'bereit', at: AT },
    { type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab', ab: '2025-09-01', at: AT },
    { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['epayment'], at: AT },
    { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['sonstiges'], at: AT },
    { type: 'BEREITSCHAFT_MELDEN', status: 'vielleicht', at: AT },
  ],
  ONBOARDING_STARTEN: [{ type: 'ONBOARDING_STARTEN' }],
  BUS_BB_VERKNUEPFUNG_MELDEN: [
    { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: URL_OK, at: AT },
    { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: URL_OK, schritte: ['lsp-sichtbar'], at: AT },
    { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'kein-link', at: AT },
  ],
  BUS_BB_SCHRITTE_MELDEN: [
    { type: 'BUS_BB_SCHRITTE_MELDEN', schritte: [...BUS_BB_SCHRITTE], at: AT },
    { type: 'BUS_BB_SCHRITTE_MELDEN', schritte: [], at: AT },
    { type: 'BUS_BB_SCHRITTE_MELDEN', schritte: ['erfunden'], at: AT },
  ],
  BUS_BB_SCHRITT_BESTAETIGEN: [
    ...BUS_BB_SCHRITTE.map((schritt) => ({ type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt, at: AT })),
    { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'lsp-sichtbar', at: '' },
    { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'erfunden', at: AT },
  ],
  BUS_BB_ABGLEICH_UEBERNEHMEN: [
    { type: 'BUS_BB_ABGLEICH_UEBERNEHMEN', abgleichId: 'a-1', at: AT },
    { type: 'BUS_BB_ABGLEICH_UEBERNEHMEN', abgleichId: 'a-2', onlineDienstUrl: 'http://pvog.example/x', at: AT },
    { type: 'BUS_BB_ABGLEICH_UEBERNEHMEN', abgleichId: '', at: AT },
  ],
  LIVE_BESTAETIGEN: [{ type: 'LIVE_BESTAETIGEN' }],
  ABLEHNEN: [{ type: 'ABLEHNEN', reason: 'kein Bedarf' }, { type: 'ABLEHNEN', reason: '' }],
  NICHT_ZUSTAENDIG_MELDEN: [{ type: 'NICHT_ZUSTAENDIG_MELDEN', reason: 'Amt zuständig' }, { type: 'NICHT_ZUSTAENDIG_MELDEN' }],
  AUSSCHLIESSEN: [{ type: 'AUSSCHLIESSEN', reason: 'doppelt' }, { type: 'AUSSCHLIESSEN', reason: '  ' }],
  ZUSTAENDIGKEIT_BESTAETIGEN: [{ type: 'ZUSTAENDIGKEIT_BESTAETIGEN' }],
};

const facts = (pilotsLive: number, participantsOpen: number) => ({ pilotsLive, participantsTotal: 5, participantsOpen });

const solutionPayloads: Record<(typeof SOLUTION_EVENT_TYPES)[number], Loose[]> = {
  ERSTINFORMATION_STARTEN: [{ type: 'ERSTINFORMATION_STARTEN' }],
  ERSTINFORMATION_VERSANDT: [{ type: 'ERSTINFORMATION_VERSANDT', at: AT }, { type: 'ERSTINFORMATION_VERSANDT', at: ' ' }],
  PILOTPHASE_STARTEN: [{ type: 'PILOTPHASE_STARTEN' }],
  LESSONS_LEARNED_ERFASSEN: [
    { type: 'LESSONS_LEARNED_ERFASSEN', text: 'Formular kürzen', relevanz: 'hoch', at: AT },
    { type: 'LESSONS_LEARNED_ERFASSEN', text: '', at: AT },
  ],
  ROLLOUT_STARTEN: [
    { type: 'ROLLOUT_STARTEN', facts: facts(1, 3) },
    { type: 'ROLLOUT_STARTEN', facts: facts(0, 3) },
    { type: 'ROLLOUT_STARTEN', facts: facts(0, 3), override: { reason: 'Dringend' } },
    { type: 'ROLLOUT_STARTEN', facts: facts(0, 3), override: { reason: '' } },
    { type: 'ROLLOUT_STARTEN', facts: { pilotsLive: -1 } },
  ],
  WELLE_STARTEN: [
    { type: 'WELLE_STARTEN', label: 'Welle 1', authorities: [ARS], at: AT },
    { type: 'WELLE_STARTEN', label: 'Welle 2', authorities: [ARS, '120640000000'], fristTage: 7, at: AT },
    { type: 'WELLE_STARTEN', label: 'Welle 3', authorities: [], at: AT },
    { type: 'WELLE_STARTEN', label: 'Welle 4', authorities: ['12'], at: AT },
  ],
  ABSCHLIESSEN: [
    { type: 'ABSCHLIESSEN', facts: facts(1, 0), at: AT },
    { type: 'ABSCHLIESSEN', facts: facts(1, 1), at: AT },
    { type: 'ABSCHLIESSEN', facts: facts(1, 7), at: AT },
    { type: 'ABSCHLIESSEN', facts: { participantsOpen: 0 }, at: AT },
    { type: 'ABSCHLIESSEN', facts: facts(1, 0), at: '' },
  ],
  PAUSIEREN: [{ type: 'PAUSIEREN', reason: 'Haushaltssperre' }, { type: 'PAUSIEREN', reason: '' }],
  FORTSETZEN: [{ type: 'FORTSETZEN' }],
  ABBRECHEN: [{ type: 'ABBRECHEN', reason: 'eingestellt' }, { type: 'ABBRECHEN' }],
};

const UNTIL = '2025-05-19T08:00:00.000Z';
const ticketPayloads: Record<(typeof TICKET_EVENT_TYPES)[number], Loose[]> = {
  BEARBEITUNG_BEGINNEN: [{ type: 'BEARBEITUNG_BEGINNEN', at: AT }],
  AUF_KOMMUNE_WARTEN: [{ type: 'AUF_KOMMUNE_WARTEN', grund: 'Zugangsdaten', at: AT }, { type: 'AUF_KOMMUNE_WARTEN', grund: ' ', at: AT }],
  KOMMUNE_ANTWORTET: [{ type: 'KOMMUNE_ANTWORTET', at: AT }],
  LOESEN: [{ type: 'LOESEN', loesung: 'freigeschaltet', at: AT }, { type: 'LOESEN', loesung: '', at: AT }],
  SCHLIESSEN: [{ type: 'SCHLIESSEN', at: AT }],
  WIEDEREROEFFNEN: [
    { type: 'WIEDEREROEFFNEN', grund: 'wieder kaputt', at: AT, facts: { reopenUntil: UNTIL } },
    { type: 'WIEDEREROEFFNEN', grund: 'zu spät', at: '2025-06-01T08:00:00.000Z', facts: { reopenUntil: UNTIL } },
    { type: 'WIEDEREROEFFNEN', grund: 'nie gelöst', at: AT, facts: { reopenUntil: null } },
    { type: 'WIEDEREROEFFNEN', grund: '', at: AT, facts: { reopenUntil: UNTIL } },
  ],
};

/** Every candidate of the machine's event list (each type has at least one). */
export const PARTICIPANT_CANDIDATES = PARTICIPANT_EVENT_TYPES.flatMap((type) => participantPayloads[type]) as unknown as ParticipantEvent[];
export const SOLUTION_CANDIDATES = SOLUTION_EVENT_TYPES.flatMap((type) => solutionPayloads[type]) as unknown as SolutionEvent[];
export const TICKET_CANDIDATES = TICKET_EVENT_TYPES.flatMap((type) => ticketPayloads[type]) as unknown as TicketEvent[];

/**
 * The abstract state the model-based tests tell apart: the state value plus what a guard
 * of the machine reads from the context (so every guarded way is explored), never the
 * growing lists or timestamps themselves – the space stays finite.
 */
export function participantKey(snapshot: { value: unknown; context: Record<string, unknown> }): string {
  const schritte = busBbSchritteOf(snapshot.context);
  const confirmed = BUS_BB_SCHRITTE.map((schritt) => (schritte[schritt]?.bestaetigtAm ? 1 : 0)).join('');
  return JSON.stringify([snapshot.value, confirmed, snapshot.context['erinnerungen']]);
}

export function solutionKey(snapshot: { value: unknown; context: Record<string, unknown>; historyValue?: unknown }): string {
  const context = snapshot.context as { erstinformationVersandtAm: unknown; lessonsLearned: unknown[]; waves: { label: string }[] };
  // the history entry decides where FORTSETZEN returns to
  const history = Object.values((snapshot.historyValue ?? {}) as Record<string, { id?: string }[]>).flat().map((node) => node.id);
  return JSON.stringify([snapshot.value, context.erstinformationVersandtAm !== null, context.lessonsLearned.length > 0, context.waves.map((w) => w.label).sort(), history]);
}

export function ticketKey(snapshot: { value: unknown; context: Record<string, unknown> }): string {
  return JSON.stringify([snapshot.value, snapshot.context['wartetAuf'] !== null]);
}
