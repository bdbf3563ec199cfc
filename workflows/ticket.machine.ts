// The life of one integration ticket of the Kaz / ZIT-BB: neu → in-bearbeitung →
// wartet-auf-kommune → geloest → geschlossen, reopened from geloest/geschlossen within a
// period. Pure definition: the engine persists the snapshot and keeps the SLA columns
// (due times, the paused clock) in step with the stage it reports.
import { assign, setup } from 'xstate';

export const TICKET_MACHINE_VERSION = 1;

export type TicketStage = 'neu' | 'in-bearbeitung' | 'wartet-auf-kommune' | 'geloest' | 'geschlossen';
export const TICKET_STAGES = ['neu', 'in-bearbeitung', 'wartet-auf-kommune', 'geloest', 'geschlossen'] as const satisfies readonly TicketStage[];
/** Stages in which a ticket is open: it blocks a go-live (if blocking) and its SLA runs. */
export const TICKET_OPEN_STAGES = ['neu', 'in-bearbeitung', 'wartet-auf-kommune'] as const satisfies readonly TicketStage[];

/** Computed by the engine from the ticket row; whatever a client sent here is overwritten. */
export interface TicketFacts {
  /** ISO time until which a solved or closed ticket may be reopened; null: never solved. */
  reopenUntil: string | null;
}

export interface TicketContext {
  reopenCount: number;
  /** Last solution text given with LOESEN. */
  loesung: string | null;
  /** What the Kaz waits for while in wartet-auf-kommune. */
  wartetAuf: string | null;
  lastReopenReason: string | null;
}

export type TicketEvent =
  | { type: 'BEARBEITUNG_BEGINNEN'; at: string }
  | { type: 'AUF_KOMMUNE_WARTEN'; grund: string; at: string }
  | { type: 'KOMMUNE_ANTWORTET'; at: string }
  | { type: 'LOESEN'; loesung: string; at: string }
  | { type: 'SCHLIESSEN'; at: string }
  | { type: 'WIEDEREROEFFNEN'; grund: string; at: string; facts: TicketFacts };

export type TicketEventType = TicketEvent['type'];
export const TICKET_EVENT_TYPES = [
  'BEARBEITUNG_BEGINNEN',
  'AUF_KOMMUNE_WARTEN',
  'KOMMUNE_ANTWORTET',
  'LOESEN',
  'SCHLIESSEN',
  'WIEDEREROEFFNEN',
] as const satisfies readonly TicketEventType[];

/**
 * No ticket event is reserved to the system: KOMMUNE_ANTWORTET comes from the authority's
 * ticket page, but the Kaz may send it too (the answer came by phone).
 */
export const TICKET_SYSTEM_EVENTS: Readonly<Partial<Record<TicketEventType, string>>> = {};

const nonBlank = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

export const ticketMachine = setup({
  types: { context: {} as TicketContext, events: {} as TicketEvent },
  guards: {
    hatGrund: ({ event }) => 'grund' in event && nonBlank(event.grund),
    hatLoesung: ({ event }) => event.type === 'LOESEN' && nonBlank(event.loesung),
    innerhalbDerFrist: ({ event }) =>
      event.type === 'WIEDEREROEFFNEN' &&
      nonBlank(event.grund) &&
      typeof event.facts?.reopenUntil === 'string' &&
      Date.parse(event.at) <= Date.parse(event.facts.reopenUntil),
  },
  actions: {
    merkeWarten: assign({ wartetAuf: ({ event }) => (event.type === 'AUF_KOMMUNE_WARTEN' ? event.grund.trim() : null) }),
    vergissWarten: assign({ wartetAuf: null }),
    merkeLoesung: assign({ loesung: ({ event }) => (event.type === 'LOESEN' ? event.loesung.trim() : null), wartetAuf: null }),
    merkeWiedereroeffnung: assign({
      reopenCount: ({ context }) => context.reopenCount + 1,
      lastReopenReason: ({ event }) => (event.type === 'WIEDEREROEFFNEN' ? event.grund.trim() : null),
    }),
  },
}).createMachine({
  id: 'ticket',
  initial: 'neu',
  context: { reopenCount: 0, loesung: null, wartetAuf: null, lastReopenReason: null },
  states: {
    neu: {
      on: {
        BEARBEITUNG_BEGINNEN: 'in-bearbeitung',
        AUF_KOMMUNE_WARTEN: { target: 'wartet-auf-kommune', guard: 'hatGrund', actions: 'merkeWarten' },
        LOESEN: { target: 'geloest', guard: 'hatLoesung', actions: 'merkeLoesung' },
      },
    },
    'in-bearbeitung': {
      on: {
        AUF_KOMMUNE_WARTEN: { target: 'wartet-auf-kommune', guard: 'hatGrund', actions: 'merkeWarten' },
        LOESEN: { target: 'geloest', guard: 'hatLoesung', actions: 'merkeLoesung' },
      },
    },
    'wartet-auf-kommune': {
      on: {
        KOMMUNE_ANTWORTET: { target: 'in-bearbeitung', actions: 'vergissWarten' },
        LOESEN: { target: 'geloest', guard: 'hatLoesung', actions: 'merkeLoesung' },
      },
    },
    geloest: {
      on: {
        SCHLIESSEN: 'geschlossen',
        WIEDEREROEFFNEN: { target: 'in-bearbeitung', guard: 'innerhalbDerFrist', actions: 'merkeWiedereroeffnung' },
      },
    },
    geschlossen: {
      on: {
        WIEDEREROEFFNEN: { target: 'in-bearbeitung', guard: 'innerhalbDerFrist', actions: 'merkeWiedereroeffnung' },
      },
    },
  },
});

export function ticketStage(snapshot: { value: unknown }): TicketStage {
  return snapshot.value as TicketStage;
}
