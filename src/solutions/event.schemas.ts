import { Type, type TObject, type TProperties, type TSchema } from 'typebox';
import {
  BUS_BB_SCHRITTE,
  PARTICIPANT_EVENT_TYPES,
  PARTICIPANT_SYSTEM_EVENTS,
  READINESS_GRUENDE,
  SPITZENVERBAENDE,
  SOLUTION_EVENT_TYPES,
  SOLUTION_SYSTEM_EVENTS,
  type ParticipantEventType,
  type SolutionEventType,
} from '../../workflows/index.ts';
import { Ars, CalendarDate, FristTage, HttpsUrl, HttpUrl, NonBlankLine, Text, Uuid } from '../validation/common.schemas.ts';
import { clientEventBody, defineEvent } from '../engine/event.schemas.ts';

/** How much a lesson learned matters for the rollout. */
export const LESSON_RELEVANZ = ['hoch', 'mittel', 'niedrig'] as const;

/**
 * What the events of a solution and of its participants may carry: one closed, bounded
 * schema per event type (engine/event.schemas.ts says why). The engine validates every
 * event with them (registered with the targets, solution.workflows.ts); the routes
 * validate and document the client unions below.
 */

const solutionEvent = <Type extends string, Properties extends TProperties>(type: Type, description: string, properties: Properties) =>
  defineEvent('Solution', type, description, properties);
const participantEvent = <Type extends string, Properties extends TProperties>(type: Type, description: string, properties: Properties) =>
  defineEvent('Participant', type, description, properties);

const reason = (description = 'Begründung') => ({ reason: Text(description) });
const note = { freitext: Type.Optional(Text('Anmerkung der Behörde (aus dem Antwortformular)')) };
const linking = {
  onlineDienstUrl: HttpsUrl('Adresse des verknüpften Online-Dienstes (https://…)'),
  verknuepftAm: Type.Optional(CalendarDate('Tag der Verknüpfung, wie die Behörde ihn meldet (JJJJ-MM-TT, nicht in der Zukunft)')),
};

const BusBbSchritt = Type.Enum([...BUS_BB_SCHRITTE], {
  description: 'BUS-BB-Schritt: online-dienst-angelegt → zustaendigkeit-zugeordnet (OE + Gebiet) → lsp-sichtbar (im Landesserviceportal sichtbar)',
});
const BusBbSchrittListe = Type.Array(BusBbSchritt, { minItems: 1, maxItems: BUS_BB_SCHRITTE.length, uniqueItems: true, description: 'erledigte BUS-BB-Schritte' });

export const SOLUTION_EVENT_SCHEMAS = {
  ERSTINFORMATION_STARTEN: solutionEvent('ERSTINFORMATION_STARTEN', 'Schritt 1 beginnen: die Erstinformation vorbereiten', {}),
  ERSTINFORMATION_VERSANDT: solutionEvent('ERSTINFORMATION_VERSANDT', 'nur das System: alle Mails der Erstinformation sind übergeben', {}),
  PILOTPHASE_STARTEN: solutionEvent('PILOTPHASE_STARTEN', 'Schritt 2: Pilotbehörden gewinnen (nach versandter Erstinformation)', {}),
  LESSONS_LEARNED_ERFASSEN: solutionEvent('LESSONS_LEARNED_ERFASSEN', 'Erfahrung aus der Pilotphase festhalten (ein Eintrag; mehrere je Lösung)', {
    text: Text('Lessons learned'),
    thema: Type.Optional(NonBlankLine('Thema, z. B. Anbindung Fachverfahren', 200)),
    pilotArs: Type.Optional({ ...Ars, description: 'aus welcher Pilotbehörde (ARS einer Teilnehmenden)' }),
    relevanz: Type.Optional(Type.Enum([...LESSON_RELEVANZ], { description: 'Bedeutung für den Rollout (ohne Angabe: mittel)' })),
  }),
  ROLLOUT_STARTEN: solutionEvent('ROLLOUT_STARTEN', 'Schritt 3: flächendeckender Rollout (≥ 1 Pilot live und Lessons learned – oder override)', {
    override: Type.Optional(Type.Object(reason('warum ohne erfolgreiche Pilotphase'), { additionalProperties: false })),
  }),
  WELLE_STARTEN: solutionEvent('WELLE_STARTEN', 'eine Welle teilnehmender Behörden einladen', {
    label: NonBlankLine('Name der Welle, eindeutig je Lösung', 200),
    authorities: Type.Array(Ars, { minItems: 1, maxItems: 20000, uniqueItems: true, description: 'einzuladende teilnehmende Behörden' }),
    fristTage: Type.Optional(FristTage),
  }),
  ABSCHLIESSEN: solutionEvent('ABSCHLIESSEN', 'Rollout abschließen (jede Behörde verknüpft oder begründet ausgenommen)', {}),
  PAUSIEREN: solutionEvent('PAUSIEREN', 'Lösung anhalten', reason()),
  FORTSETZEN: solutionEvent('FORTSETZEN', 'angehaltene Lösung fortsetzen', {}),
  ABBRECHEN: solutionEvent('ABBRECHEN', 'Rollout abbrechen', reason()),
} satisfies Record<SolutionEventType, TObject>;

export const PARTICIPANT_EVENT_SCHEMAS = {
  INFORMIEREN: participantEvent('INFORMIEREN', 'nur das System: die Erstinformation hat die Behörde erreicht', {}),
  INTERESSE_BEKUNDEN: participantEvent('INTERESSE_BEKUNDEN', 'die Behörde hat Interesse', note),
  ALS_PILOT_BEWERBEN: participantEvent('ALS_PILOT_BEWERBEN', 'die Behörde bewirbt sich als Pilot', note),
  PILOT_VORSCHLAGEN: participantEvent('PILOT_VORSCHLAGEN', 'Pilotkandidat vorschlagen: von einem kommunalen Spitzenverband oder vom Ministerium selbst', {
    quelle: Type.Enum(['spitzenverband', 'ministerium'], { description: 'spitzenverband braucht spitzenverband' }),
    spitzenverband: Type.Optional(Type.Enum([...SPITZENVERBAENDE], { description: 'welcher Verband vorgeschlagen hat (nur bei quelle spitzenverband)' })),
    vorgeschlagenVon: Type.Optional(NonBlankLine('wer vorgeschlagen hat (Person, Stelle)', 200)),
    vorgeschlagenAm: Type.Optional(CalendarDate('Tag des Vorschlags (JJJJ-MM-TT, nicht in der Zukunft)')),
  }),
  PILOT_BESTAETIGEN: participantEvent('PILOT_BESTAETIGEN', 'Pilot bestätigt', {}),
  PILOT_ZURUECKSTELLEN: participantEvent('PILOT_ZURUECKSTELLEN', 'Pilot zurückstellen (zurück zu interessiert)', reason()),
  PILOT_ABLEHNEN: participantEvent('PILOT_ABLEHNEN', 'Pilotkandidat ablehnen (zurück zu interessiert)', reason()),
  PILOT_LIVE_MELDEN: participantEvent('PILOT_LIVE_MELDEN', 'der Pilot ist live: Online-Dienst verknüpft; setzt eine abgeschlossene Checkliste voraus – oder override', {
    ...linking,
    override: Type.Optional(
      Type.Object(reason('warum der Pilot trotz offener Checklistenpunkte live geht'), { additionalProperties: false, description: 'nur Ministerium/Admin' }),
    ),
  }),
  EINLADEN: participantEvent('EINLADEN', 'nur das System: mit einer Welle eingeladen', { wave: NonBlankLine('Welle', 200), fristTage: Type.Optional(FristTage) }),
  BEREITSCHAFT_MELDEN: participantEvent('BEREITSCHAFT_MELDEN', 'Bereitschaft der eingeladenen Behörde', {
    status: Type.Enum(['bereit', 'bereit-ab', 'nicht-bereit'], { description: 'bereit-ab braucht ab; nicht-bereit braucht gruende' }),
    ab: Type.Optional(CalendarDate('bei bereit-ab: ab wann (JJJJ-MM-TT)')),
    gruende: Type.Optional(
      Type.Array(Type.Enum([...READINESS_GRUENDE]), { minItems: 1, maxItems: READINESS_GRUENDE.length, uniqueItems: true, description: 'bei nicht-bereit: Gründe' }),
    ),
    freitext: Type.Optional(Text('Erläuterung; Pflicht bei Grund „sonstiges“')),
  }),
  ONBOARDING_STARTEN: participantEvent('ONBOARDING_STARTEN', 'Anbindung beginnt', {}),
  BUS_BB_VERKNUEPFUNG_MELDEN: participantEvent('BUS_BB_VERKNUEPFUNG_MELDEN', 'die Behörde hat den Online-Dienst in BUS-BB verknüpft (Online-Dienst angelegt und Zuständigkeit zugeordnet)', {
    ...linking,
    schritte: Type.Optional(BusBbSchrittListe),
  }),
  BUS_BB_SCHRITTE_MELDEN: participantEvent('BUS_BB_SCHRITTE_MELDEN', 'die Behörde meldet erledigte BUS-BB-Schritte (Stadium bleibt)', {
    schritte: BusBbSchrittListe,
    ...note,
  }),
  BUS_BB_SCHRITT_BESTAETIGEN: participantEvent('BUS_BB_SCHRITT_BESTAETIGEN', 'Landesredaktion oder Ministerium bestätigt einen BUS-BB-Schritt (der Reihe nach)', {
    schritt: BusBbSchritt,
  }),
  BUS_BB_ABGLEICH_UEBERNEHMEN: participantEvent('BUS_BB_ABGLEICH_UEBERNEHMEN', 'nur das System: Verknüpfung aus einem angewandten PVOG-Abgleich übernommen', {
    abgleichId: { ...Uuid, description: 'der Abgleich, dessen Export die Verknüpfung belegt' },
    onlineDienstUrl: Type.Optional(HttpUrl('Adresse des Onlinedienstes laut Export')),
  }),
  LIVE_BESTAETIGEN: participantEvent('LIVE_BESTAETIGEN', 'Landesredaktion: im Landesserviceportal sichtbar (setzt den bestätigten Schritt lsp-sichtbar voraus)', {}),
  ABLEHNEN: participantEvent('ABLEHNEN', 'die Behörde lehnt ab', reason()),
  NICHT_ZUSTAENDIG_MELDEN: participantEvent('NICHT_ZUSTAENDIG_MELDEN', 'die Behörde ist nicht zuständig', reason('wer stattdessen zuständig ist')),
  AUSSCHLIESSEN: participantEvent('AUSSCHLIESSEN', 'Behörde begründet ausnehmen', reason()),
  ZUSTAENDIGKEIT_BESTAETIGEN: participantEvent('ZUSTAENDIGKEIT_BESTAETIGEN', 'Meldung „nicht zuständig“ zurücknehmen', {}),
} satisfies Record<ParticipantEventType, TObject>;

const solutionBody = clientEventBody(
  'Solution',
  SOLUTION_EVENT_SCHEMAS,
  SOLUTION_EVENT_TYPES,
  SOLUTION_SYSTEM_EVENTS,
  'Ereignis an die Lösung; welche gerade möglich sind, nennt allowedEvents',
);
const participantBody = clientEventBody(
  'Participant',
  PARTICIPANT_EVENT_SCHEMAS,
  PARTICIPANT_EVENT_TYPES,
  PARTICIPANT_SYSTEM_EVENTS,
  'Ereignis an eine teilnehmende Behörde; welche gerade möglich sind, nennt allowedEvents',
);

export const SolutionEventBody = solutionBody.body;
export const ParticipantEventBody = participantBody.body;

/** The branches of both bodies: add them as shared schemas (fastify.addSchema) where the event routes live. */
export const eventBodySchemas: readonly TSchema[] = [...solutionBody.branches, ...participantBody.branches];

