import { Type } from 'typebox';
import { PARTICIPANT_STAGES, SOLUTION_STAGES } from '../../workflows/index.ts';
import { FreeObject } from '../validation/common.schemas.ts';
import { AllowedEventList, BlockedEventList, Nullable, Timestamp } from '../http/response.schemas.ts';

/**
 * What the solution routes answer, as response schemas: they document the outputs in
 * the OpenAPI document, and Fastify serialises with them – which also drops any field a
 * view does not declare, so that no database row leaks through. A machine's context is
 * free-form on purpose (it grows with the machines).
 */

const Context = (description: string) => FreeObject(description);
const StageOf = (stages: readonly string[]) => Type.Enum([...stages]);
const EventTypes = AllowedEventList;
/** `allowedEvents` and, beside it, `blockedEvents` with their reasons (event-choice.ts). */
const eventChoice = { allowedEvents: EventTypes, blockedEvents: BlockedEventList };

export const SolutionView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    title: Type.String(),
    ozgId: Type.String(),
    leikaKeys: Type.Array(Type.String()),
    leadMinistry: Type.String(),
    description: Type.String(),
    responsibility: Type.Object({
      level: Type.Enum(['gemeinde', 'kreis', 'liste']),
      authorities: Type.Optional(Type.Array(Type.String())),
      land: Type.Optional(Type.String({ description: 'ein Land (Schlüssel) oder alle; fehlt, wenn laender mehrere nennt' })),
      laender: Type.Optional(Type.Array(Type.String(), { description: 'mehrere Länder (Schlüssel)' })),
    }),
    overrides: Type.Array(Type.Object({ ars: Type.String(), action: Type.Enum(['add', 'exclude']), reason: Type.String() })),
    stage: StageOf(SOLUTION_STAGES),
    stateValue: Type.Unknown({ description: 'Zustand der Maschine (XState state value)' }),
    context: Context('Kontext der Lösungsmaschine: Erstinformation, Lessons learned, Wellen, Pause …'),
    machineVersion: Type.Integer(),
    revision: Type.Integer(),
    ...eventChoice,
    participantsByStage: Type.Record(Type.String(), Type.Integer(), { description: 'Anzahl Teilnehmender je Stadium' }),
    createdBy: Type.String(),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { description: 'EfA-Lösung' },
);

export const SolutionPage = Type.Object(
  {
    total: Type.Integer({ description: 'Treffer insgesamt' }),
    items: Type.Array(
      Type.Object({
        id: Type.String({ format: 'uuid' }),
        title: Type.String(),
        ozgId: Type.String(),
        leadMinistry: Type.String(),
        stage: StageOf(SOLUTION_STAGES),
        revision: Type.Integer(),
        participantsByStage: Type.Record(Type.String(), Type.Integer(), { description: 'Anzahl Teilnehmender je Stadium' }),
        createdAt: Timestamp(),
        updatedAt: Timestamp(),
      }),
    ),
  },
  { description: 'eine Seite EfA-Lösungen' },
);

export const AllowedEventsView = Type.Object(
  { stage: StageOf(SOLUTION_STAGES), ...eventChoice },
  { description: 'Stadium, mögliche und zurückgehaltene Ereignisse (mit Grund)' },
);

export const AppliedEventView = Type.Object(
  {
    fromStage: Type.String(),
    stage: Type.String(),
    revision: Type.Integer(),
    context: Context('Kontext der Maschine nach dem Ereignis'),
    ...eventChoice,
    historyId: Type.Integer({ description: 'Eintrag im Verlauf' }),
  },
  { description: 'angewandt' },
);

const participantFields = {
  ars: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  kreisArs: Nullable(Type.String()),
  email: Nullable(Type.String()),
  authorityActive: Type.Boolean({ description: 'false: im Kommunalverzeichnis nicht mehr aktiv' }),
  stage: StageOf(PARTICIPANT_STAGES),
  context: Nullable(Context('Kontext der Teilnahme: Frist, Erinnerungen, Bereitschaft, BUS-BB-Meldung, Begründung, Pilotkandidatur (pilot)')),
  revision: Type.Integer(),
  updatedAt: Timestamp(),
};

export const ParticipantPage = Type.Object(
  {
    total: Type.Optional(Type.Integer({ description: 'Treffer insgesamt: ohne after immer, mit after nur bei total=true' })),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'after für die nächste Seite (sort=name oder ars); null auf der letzten Seite und bei anderen Sortierungen',
    }),
    items: Type.Array(
      Type.Object({
        ...participantFields,
        waves: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), { description: 'Wellen, denen die Behörde angehört (geplant oder gestartet), die älteste zuerst' }),
        openBlockingTickets: Type.Integer({ minimum: 0, description: 'offene blockierende Tickets bei der Kaz: so viele halten den Live-Gang auf' }),
      }),
    ),
  },
  { description: 'eine Seite teilnehmender Behörden' },
);

export const ParticipantDetailView = Type.Object({ ...participantFields, ...eventChoice }, { description: 'teilnehmende Behörde' });

export const HistoryPage = Type.Object(
  {
    items: Type.Array(
      Type.Object({
        id: Type.Integer(),
        participantArs: Nullable(Type.String()),
        eventType: Type.String(),
        event: FreeObject('das Ereignis, wie es angewandt wurde (mit at, bei der Lösung mit facts)'),
        fromStage: Nullable(Type.String()),
        toStage: Type.String(),
        actor: Type.String({ description: 'wer: admin:…, ministerium:…, behoerde:…:link:…, system:…' }),
        machineVersion: Type.Integer(),
        at: Timestamp(),
      }),
    ),
    nextAfterId: Nullable(Type.Integer({ description: 'für die nächste Seite als afterId; null: keine weitere' })),
  },
  { description: 'eine Seite des Verlaufs' },
);

const BULK_OUTCOMES = ['applied', 'already-applied', 'refused', 'not-found', 'solution-inactive'];

export const BulkEventView = Type.Object(
  {
    bulkId: Type.String({ description: 'Kennung der Sammelaktion; steht im Verlauf jeder Behörde (bulk:<bulkId>:<ARS>). Bei einer Wiederholung mit demselben idempotencyKey dieselbe' }),
    idempotencyKey: Type.Optional(Type.String({ description: 'der mitgesandte idempotencyKey' })),
    replayed: Type.Optional(
      Type.Boolean({ description: 'true: Wiederholung einer schon abgeschlossenen Anfrage mit demselben idempotencyKey und demselben Inhalt – dies ist deren Ergebnis, nichts wurde erneut angewandt' }),
    ),
    eventType: Type.String(),
    selected: Type.Integer({ description: 'so viele Behörden waren ausgewählt' }),
    counts: Type.Record(Type.String(), Type.Integer(), { description: 'Anzahl je Ergebnis' }),
    results: Type.Array(
      Type.Object({
        ars: Type.String(),
        outcome: Type.Enum(BULK_OUTCOMES, {
          description: 'applied: angewandt; already-applied: von einer früheren Ausführung dieser Anfrage (derselbe idempotencyKey, die abbrach) schon angewandt; refused: im Stadium nicht möglich oder Vorbedingung nicht erfüllt (reason, allowedEvents, details – z. B. die offenen Checklistenpunkte eines Piloten); not-found: keine Teilnehmerin; solution-inactive: Lösung inzwischen angehalten',
        }),
        fromStage: Type.Optional(Type.String()),
        stage: Type.Optional(Type.String()),
        reason: Type.Optional(Type.String()),
        allowedEvents: Type.Optional(EventTypes),
        blockedEvents: Type.Optional(BlockedEventList),
        details: Type.Optional(FreeObject('bei einer nicht erfüllten Vorbedingung: was fehlt')),
      }),
    ),
    historyId: Type.Integer({ description: 'Eintrag SAMMELAKTION im Verlauf der Lösung' }),
  },
  { description: 'Ergebnis je Behörde; jede Behörde wurde für sich angewandt (kein Alles-oder-nichts)' },
);
