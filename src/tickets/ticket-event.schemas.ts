import type { TObject, TSchema } from 'typebox';
import { TICKET_EVENT_TYPES, TICKET_SYSTEM_EVENTS, type TicketEventType } from '../../workflows/index.ts';
import { Text } from '../validation/common.schemas.ts';
import { clientEventBody, defineEvent } from '../engine/event.schemas.ts';

/** Ticket events (issue 9): the status flow of an integration ticket. */
export const TICKET_EVENT_SCHEMAS = {
  BEARBEITUNG_BEGINNEN: defineEvent('Ticket', 'BEARBEITUNG_BEGINNEN', 'Die Kaz beginnt mit der Bearbeitung (erste Reaktion).', {}),
  AUF_KOMMUNE_WARTEN: defineEvent('Ticket', 'AUF_KOMMUNE_WARTEN', 'Wartet auf die Behörde; die SLA-Uhr hält an.', {
    grund: Text('worauf gewartet wird, z. B. Zugangsdaten der Fachverfahrens-Schnittstelle', 1000),
  }),
  KOMMUNE_ANTWORTET: defineEvent('Ticket', 'KOMMUNE_ANTWORTET', 'Die Behörde hat geantwortet; die SLA-Uhr läuft weiter.', {}),
  LOESEN: defineEvent('Ticket', 'LOESEN', 'Als gelöst melden.', { loesung: Text('was die Lösung war') }),
  SCHLIESSEN: defineEvent('Ticket', 'SCHLIESSEN', 'Gelöstes Ticket schließen.', {}),
  WIEDEREROEFFNEN: defineEvent('Ticket', 'WIEDEREROEFFNEN', 'Gelöstes oder geschlossenes Ticket innerhalb der Frist wieder öffnen.', {
    grund: Text('warum das Problem wieder besteht', 1000),
  }),
} as const satisfies Record<TicketEventType, TObject>;

const ticketBody = clientEventBody(
  'Ticket',
  TICKET_EVENT_SCHEMAS,
  TICKET_EVENT_TYPES,
  TICKET_SYSTEM_EVENTS,
  'Ereignis an ein Ticket; welche gerade möglich sind, nennt allowedEvents',
);
export const TicketEventBody = ticketBody.body;
/** Shared schemas of the ticket event route (fastify.addSchema in ticket.routes.ts). */
export const ticketEventBodySchemas: readonly TSchema[] = ticketBody.branches;
