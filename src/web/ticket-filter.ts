import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { countTickets, listTickets, type QueueFilter } from '../tickets/ticket.service.ts';
import { SLA_STATES } from '../tickets/ticket.sla.ts';
import { TICKET_CATEGORIES, TICKET_PRIORITIES } from '../tickets/ticket.views.ts';
import { isMailAddress } from '../validation/mail-address.ts';
import { OFFSET_MAX } from '../validation/common.schemas.ts';
import { TICKET_STAGES } from '../../workflows/index.ts';
import { formTextTrimmed, isUuid } from './staff-route.kit.ts';

/**
 * The ticket pages' filters as the query string carries them (a plain GET form, German
 * names) and as the ticket API's queue takes them (QueueFilter: the same service call
 * as GET /api/v1/tickets, so a page and the JSON route list the same tickets). Lists may
 * come repeated (`status=neu&status=geloest`) or comma-separated; an unknown value is an
 * error the page names (422), never silently dropped.
 */

export interface TicketFilterChoice {
  status: string[];
  sla: string[];
  prioritaet: string[];
  thema: string[];
  /** '' all, 'ja' only blocking tickets, 'nein' only the others. */
  blockiert: string;
  /** '' all, 'mir' assigned to the signed-in person (their token's label is their address), 'niemand' unassigned. */
  zustaendig: string;
  /** Assigned to this address. */
  an: string;
  /** The board only: one solution's tickets. */
  loesung: string;
}

export const EMPTY_CHOICE: TicketFilterChoice = { status: [], sla: [], prioritaet: [], thema: [], blockiert: '', zustaendig: '', an: '', loesung: '' };

/** Far beyond the longest sensible value of any filter field. */
const VALUE_MAX_LENGTH = 300;

/** The address behind „mir zugewiesen“: a personal token's label when it is an address, else none. */
export function ownAddressOf(principal: Principal): string | null {
  return isMailAddress(principal.label) ? principal.label : null;
}

const LISTS: readonly { name: 'status' | 'sla' | 'prioritaet' | 'thema'; known: readonly string[]; label: string }[] = [
  { name: 'status', known: TICKET_STAGES, label: 'Status' },
  { name: 'sla', known: SLA_STATES, label: 'SLA-Zustand' },
  { name: 'prioritaet', known: TICKET_PRIORITIES, label: 'Priorität' },
  { name: 'thema', known: TICKET_CATEGORIES, label: 'Thema' },
];

function valuesOf(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);
}


export interface ParsedTicketFilter {
  choice: TicketFilterChoice;
  filter: QueueFilter;
  offset: number;
  errors: FieldError[];
}

/** Reads the query; `solutionId` fixes the solution (a solution's tickets page). */
export function parseTicketFilter(query: Record<string, unknown>, principal: Principal, solutionId?: string): ParsedTicketFilter {
  const errors: FieldError[] = [];
  const tooLong = Object.entries(query).find(([, v]) => valuesOf(v).some((s) => s.length > VALUE_MAX_LENGTH));
  if (tooLong) return { choice: EMPTY_CHOICE, filter: { solutionId }, offset: 0, errors: [{ field: tooLong[0].slice(0, 40), message: 'Ein Filterwert ist zu lang.' }] };

  const choice: TicketFilterChoice = { ...EMPTY_CHOICE };
  for (const list of LISTS) {
    const values = [...new Set(valuesOf(query[list.name]))];
    const unknown = values.filter((v) => !list.known.includes(v));
    if (unknown.length) errors.push({ field: list.name, message: `${list.label}: „${unknown[0]}“ gibt es nicht. Bitte wählen Sie aus der Liste.` });
    choice[list.name] = values.filter((v) => list.known.includes(v));
  }
  choice.blockiert = formTextTrimmed(query, 'blockiert');
  if (!['', 'ja', 'nein'].includes(choice.blockiert)) {
    errors.push({ field: 'blockiert', message: 'Blockiert den Live-Gang: bitte „ja“, „nein“ oder „alle“ wählen.' });
    choice.blockiert = '';
  }
  choice.zustaendig = formTextTrimmed(query, 'zustaendig');
  const own = ownAddressOf(principal);
  if (!['', 'niemand', ...(own ? ['mir'] : [])].includes(choice.zustaendig)) {
    errors.push({ field: 'zustaendig', message: choice.zustaendig === 'mir' ? 'Ihr Token nennt keine E-Mail-Adresse: „mir zugewiesen“ ist nicht möglich.' : 'Zuständig: bitte eine der Möglichkeiten wählen.' });
    choice.zustaendig = '';
  }
  choice.an = formTextTrimmed(query, 'an');
  if (choice.an && !isMailAddress(choice.an)) errors.push({ field: 'an', message: 'Zugewiesen an: bitte eine gültige E-Mail-Adresse angeben oder das Feld leer lassen.' });
  else if (choice.an && choice.zustaendig) errors.push({ field: 'an', message: 'Zugewiesen an: bitte entweder eine Adresse angeben oder „mir“ bzw. „niemandem zugewiesen“ wählen.' });
  choice.loesung = solutionId ? '' : formTextTrimmed(query, 'loesung');
  if (choice.loesung && !isUuid(choice.loesung)) {
    errors.push({ field: 'loesung', message: 'EfA-Lösung: bitte eine Lösung aus der Liste wählen.' });
    choice.loesung = '';
  }
  const ab = formTextTrimmed(query, 'ab') || '0';
  const offset = /^\d{1,7}$/.test(ab) ? Number(ab) : NaN;
  if (!(offset <= OFFSET_MAX)) errors.push({ field: 'ab', message: 'Die Seitenangabe „ab“ muss eine ganze Zahl ab 0 sein.' });

  const assignee = choice.zustaendig === 'mir' ? own! : choice.an && isMailAddress(choice.an) ? choice.an : undefined;
  const filter: QueueFilter = {
    status: choice.status,
    sla: choice.sla,
    priority: choice.prioritaet,
    category: choice.thema,
    ...(assignee ? { assignee } : {}),
    ...(choice.zustaendig === 'niemand' ? { assigned: false } : {}),
    ...(choice.blockiert ? { blocking: choice.blockiert === 'ja' } : {}),
    ...(solutionId ? { solutionId } : choice.loesung ? { solutionId: choice.loesung } : {}),
  };
  return { choice, filter, offset: Number.isFinite(offset) && offset <= OFFSET_MAX ? offset : 0, errors };
}

/** The query string of a choice (for page and count links); `ab` only when given. */
export function queryOfChoice(choice: TicketFilterChoice, offset?: number): string {
  const query = new URLSearchParams();
  for (const list of LISTS) for (const value of choice[list.name]) query.append(list.name, value);
  if (choice.blockiert) query.set('blockiert', choice.blockiert);
  if (choice.zustaendig) query.set('zustaendig', choice.zustaendig);
  if (choice.an) query.set('an', choice.an);
  if (choice.loesung) query.set('loesung', choice.loesung);
  if (offset !== undefined) query.set('ab', String(offset));
  return query.toString();
}

/** Tickets on one page of the queue, as the API's default page (50). */
export const QUEUE_PAGE_SIZE = 50;

/**
 * One page of the queue for the query, and its counts without the filters (within the
 * solution on a solution's page): the ticket API's own service calls. Wrong values are
 * named in `errors` and left out of the filter.
 */
export async function loadTicketQueue(db: Kysely<Database>, principal: Principal, now: Date, query: Record<string, unknown>, solutionId?: string) {
  const parsed = parseTicketFilter(query, principal, solutionId);
  const [page, counts] = await Promise.all([
    listTickets(db, principal, now, parsed.filter, { limit: QUEUE_PAGE_SIZE, offset: parsed.offset }),
    countTickets(db, principal, now, solutionId ? { solutionId } : {}),
  ]);
  return { ...page, choice: parsed.choice, errors: parsed.errors, counts, ownAddress: ownAddressOf(principal) };
}
