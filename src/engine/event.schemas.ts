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
  TICKET_EVENT_TYPES,
  TICKET_SYSTEM_EVENTS,
  type TicketEventType,
} from '../../workflows/index.ts';
import { Ars, CalendarDate, FristTage, HttpsUrl, HttpUrl, NonBlankLine, Text, Uuid } from '../validation/common.schemas.ts';

/** How much a lesson learned matters for the rollout. */
export const LESSON_RELEVANZ = ['hoch', 'mittel', 'niedrig'] as const;

/**
 * The one source of truth for what an event may carry: one TypeBox schema per event
 * type, closed (unknown properties are refused, not stored in the history) and bounded
 * (every text, list and number). The routes validate request bodies with the client
 * union (and show it in the OpenAPI document); the engine validates every event with the
 * same schemas, because effects and link answers send events without HTTP.
 *
 * `at` and `facts` are not here: the engine sets them itself after validation.
 */

/** Named, so that the OpenAPI document can show each as a schema of its own (components) that the discriminator selects. */
const event = <Type extends string, Properties extends TProperties>(machine: 'Solution' | 'Participant' | 'Ticket', type: Type, description: string, properties: Properties) =>
  Type.Object({ type: Type.Literal(type), ...properties }, { $id: `${machine}Event.${type}`, additionalProperties: false, description, title: type });
const solutionEvent = <Type extends string, Properties extends TProperties>(type: Type, description: string, properties: Properties) =>
  event('Solution', type, description, properties);
const participantEvent = <Type extends string, Properties extends TProperties>(type: Type, description: string, properties: Properties) =>
  event('Participant', type, description, properties);

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

/** Ticket events (issue 9): the status flow of an integration ticket. */
export const TICKET_EVENT_SCHEMAS = {
  BEARBEITUNG_BEGINNEN: event('Ticket', 'BEARBEITUNG_BEGINNEN', 'Die Kaz beginnt mit der Bearbeitung (erste Reaktion).', {}),
  AUF_KOMMUNE_WARTEN: event('Ticket', 'AUF_KOMMUNE_WARTEN', 'Wartet auf die Behörde; die SLA-Uhr hält an.', {
    grund: Text('worauf gewartet wird, z. B. Zugangsdaten der Fachverfahrens-Schnittstelle', 1000),
  }),
  KOMMUNE_ANTWORTET: event('Ticket', 'KOMMUNE_ANTWORTET', 'Die Behörde hat geantwortet; die SLA-Uhr läuft weiter.', {}),
  LOESEN: event('Ticket', 'LOESEN', 'Als gelöst melden.', { loesung: Text('was die Lösung war') }),
  SCHLIESSEN: event('Ticket', 'SCHLIESSEN', 'Gelöstes Ticket schließen.', {}),
  WIEDEREROEFFNEN: event('Ticket', 'WIEDEREROEFFNEN', 'Gelöstes oder geschlossenes Ticket innerhalb der Frist wieder öffnen.', {
    grund: Text('warum das Problem wieder besteht', 1000),
  }),
} as const satisfies Record<TicketEventType, TObject>;

const ALL_EVENT_SCHEMAS: Readonly<Record<string, TObject>> = { ...SOLUTION_EVENT_SCHEMAS, ...PARTICIPANT_EVENT_SCHEMAS, ...TICKET_EVENT_SCHEMAS };

/** The schema of an event type of either machine; undefined for a type no machine knows. */
export function eventSchemaOf(type: string): TObject | undefined {
  return Object.hasOwn(ALL_EVENT_SCHEMAS, type) ? ALL_EVENT_SCHEMAS[type] : undefined;
}

/**
 * The body an API caller may send: one branch per client event, chosen by `type`
 * (a discriminated union, so that a 422 speaks of the event sent, not of all of them).
 * The system's events stay in the union as one open branch: a client that sends one gets
 * the engine's 403 with the explanation who sends it, not a schema error. The branches
 * are shared schemas (`eventBodySchemas`), referenced by $ref.
 */
function clientEventBody(
  machine: 'Solution' | 'Participant' | 'Ticket',
  schemas: Record<string, TObject>,
  types: readonly string[],
  systemEvents: Readonly<Partial<Record<string, string>>>,
  description: string,
) {
  const system = types.filter((type) => systemEvents[type]);
  const branches: TSchema[] = types.filter((type) => !systemEvents[type]).map((type) => schemas[type]!);
  if (system.length) {
    branches.push(
      Type.Object(
        { type: Type.Enum(system) },
        {
          $id: `${machine}Event.System`,
          additionalProperties: true,
          title: 'Systemereignis',
          description: `sendet nur das System (${system.join(', ')}); ein Client erhält 403 mit der Erklärung`,
        },
      ),
    );
  }
  const body = Type.Unsafe<{ type: string } & Record<string, unknown>>({
    type: 'object',
    oneOf: branches.map((branch) => ({ $ref: `${String((branch as { $id?: string }).$id)}#` })),
    discriminator: { propertyName: 'type' },
    description,
  });
  return { body, branches };
}

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

const ticketBody = clientEventBody(
  'Ticket',
  TICKET_EVENT_SCHEMAS,
  TICKET_EVENT_TYPES,
  TICKET_SYSTEM_EVENTS,
  'Ereignis an ein Ticket; welche gerade möglich sind, nennt allowedEvents',
);
export const TicketEventBody = ticketBody.body;
/** Shared schemas of the ticket event route (fastify.addSchema in tickets.routes.ts). */
export const ticketEventBodySchemas: readonly TSchema[] = ticketBody.branches;
