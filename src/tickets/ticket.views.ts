import { Type } from 'typebox';
import { FreeObject } from '../validation/common.schemas.ts';
import { AllowedEventList, BlockedEventList, Nullable, Timestamp } from '../http/response.schemas.ts';
import { TICKET_STAGES } from '../../workflows/index.ts';
import { SLA_STATES } from './ticket.sla.ts';

/** What the ticket routes answer (camelCase; the schemas drop whatever a view does not declare). */

export const TICKET_CATEGORIES = ['fachverfahren-anbindung', 'transport', 'epayment', 'bundid', 'bus-bb-pvog', 'datenschutz-avv', 'sonstiges'] as const;

/** The categories in German words: the authority's report form, its ticket page and the ticket mails. */
export const TICKET_CATEGORY_LABELS: Readonly<Record<(typeof TICKET_CATEGORIES)[number], string>> = Object.freeze({
  'fachverfahren-anbindung': 'Anbindung des Fachverfahrens',
  transport: 'Transport (FIT-Connect, OSCI-XTA, DVDV)',
  epayment: 'ePayment (Bezahldienst)',
  bundid: 'BundID (Nutzerkonto)',
  'bus-bb-pvog': 'BUS-BB und PVOG (Zuständigkeitsfinder)',
  'datenschutz-avv': 'Datenschutz und Vertrag zur Auftragsverarbeitung (AVV)',
  sonstiges: 'Sonstiges',
});

export const TICKET_PRIORITIES = ['kritisch', 'hoch', 'normal', 'niedrig'] as const;
export const TICKET_SOURCES = ['behoerde', 'ministerium', 'kaz', 'automatisch'] as const;

const SlaView = Type.Object(
  {
    state: Type.Enum([...SLA_STATES], { description: 'im-plan, bald-faellig (75 % der Zeit verbraucht), ueberschritten; pausiert (wartet auf die Kommune), erledigt' }),
    dueAt: Nullable(Timestamp('nächste Frist: erste Reaktion, danach Lösung; null wenn erledigt')),
    firstResponseDue: Timestamp('Frist für die erste Reaktion (Brandenburger Arbeitszeit)'),
    resolutionDue: Timestamp('Frist für die Lösung (Brandenburger Arbeitszeit)'),
    firstRespondedAt: Nullable(Timestamp()),
    resolvedAt: Nullable(Timestamp()),
    pausedSince: Nullable(Timestamp('seit wann auf die Kommune gewartet wird')),
    pausedMinutes: Type.Integer({ description: 'Arbeitsminuten, die bisher auf die Kommune gewartet wurde (verschieben die Fristen)' }),
  },
  { description: 'SLA in Brandenburger Arbeitszeit' },
);

const ticketFields = {
  id: Type.String({ format: 'uuid' }),
  number: Type.Integer({ description: 'laufende Nummer' }),
  solutionId: Type.String({ format: 'uuid' }),
  solutionTitle: Type.String(),
  ars: Type.String({ description: 'die teilnehmende Behörde' }),
  authorityName: Type.String(),
  kreisArs: Nullable(Type.String({ description: 'Landkreis der Behörde' })),
  category: Type.Enum([...TICKET_CATEGORIES]),
  priority: Type.Enum([...TICKET_PRIORITIES]),
  assignee: Nullable(Type.String()),
  blocking: Type.Boolean({ description: 'hält den Live-Gang der Behörde auf' }),
  title: Type.String(),
  source: Type.Enum([...TICKET_SOURCES]),
  stage: Type.Enum([...TICKET_STAGES]),
  revision: Type.Integer(),
  openedBy: Type.String(),
  createdAt: Timestamp(),
  updatedAt: Timestamp(),
  sla: SlaView,
};

export const TicketSummaryView = Type.Object(ticketFields, { description: 'Ticket' });

export const TimelineEntry = Type.Object(
  {
    kind: Type.Enum(['ereignis', 'kommentar']),
    at: Timestamp(),
    actor: Type.String(),
    eventType: Type.String({ description: 'was geschah, z. B. LOESEN, TICKET_GEAENDERT, TICKET_KOMMENTIERT' }),
    fromStage: Nullable(Type.String()),
    toStage: Type.String(),
    event: FreeObject('Angaben des Ereignisses'),
    visibility: Nullable(Type.Enum(['oeffentlich', 'intern'], { description: 'bei kommentar' })),
    text: Nullable(Type.String({ description: 'bei kommentar' })),
  },
  { description: 'Eintrag des Verlaufs' },
);

export const TicketDetailView = Type.Object(
  {
    ...ticketFields,
    description: Type.String(),
    autoReason: Nullable(Type.String({ description: 'bei automatischen Tickets: der Grund der Bereitschaftsantwort' })),
    context: FreeObject('Kontext der Ticket-Maschine'),
    allowedEvents: AllowedEventList,
    blockedEvents: BlockedEventList,
    timeline: Type.Array(TimelineEntry),
  },
  { description: 'Ticket mit vollständigem Verlauf' },
);

export const TicketPage = Type.Object(
  { items: Type.Array(TicketSummaryView), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() },
  { description: 'Warteschlange, nach Dringlichkeit sortiert' },
);

export const TicketCounts = Type.Object(
  {
    total: Type.Integer(),
    bySla: Type.Record(Type.String(), Type.Integer(), { description: 'je SLA-Zustand' }),
    byStage: Type.Record(Type.String(), Type.Integer(), { description: 'je Status' }),
  },
  { description: 'Zahlen für das Dashboard' },
);

export const TicketEventApplied = Type.Object(
  {
    fromStage: Type.String(),
    stage: Type.String(),
    revision: Type.Integer(),
    context: FreeObject('Kontext der Ticket-Maschine'),
    allowedEvents: AllowedEventList,
    blockedEvents: BlockedEventList,
    historyId: Type.Integer(),
  },
  { description: 'Ereignis angewandt' },
);

export const CommentView = Type.Object(
  { id: Type.String({ format: 'uuid' }), visibility: Type.Enum(['oeffentlich', 'intern']), author: Type.String(), text: Type.String(), createdAt: Timestamp() },
  { description: 'Kommentar' },
);
