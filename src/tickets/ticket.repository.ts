import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { initialTransition } from 'xstate';
import { toJson, type Database, type TicketCategory, type TicketPriority, type TicketSource } from '../db/schema.ts';
import { persistSnapshot, TICKET_MACHINE_VERSION, ticketMachine, ticketStage } from '../../workflows/index.ts';
import { recordChange } from '../engine/change.record.ts';
import { slaDueTimes, type TicketSettings } from './ticket.sla.ts';
import { replanSlaTimers } from './sla-timers.ts';
import { enqueueTicketNotice } from './ticket-notices.ts';

type Trx = Transaction<Database>;

export interface NewTicket {
  solutionId: string;
  ars: string;
  category: TicketCategory;
  priority: TicketPriority;
  title: string;
  description: string;
  blocking: boolean;
  assignee: string | null;
  source: TicketSource;
  autoReason: string | null;
  actor: string;
  at: Date;
}

/**
 * Inserts a ticket in its machine's initial stage with its SLA due times and the
 * TICKET_ERSTELLT row of its timeline and the authority's notice, in the caller's transaction. An automatic ticket
 * whose (participant, reason) has one already is not written again: answers null.
 */
export async function insertTicket(trx: Trx, ticket: NewTicket, settings: TicketSettings): Promise<{ id: string; number: number } | null> {
  const [snapshot] = initialTransition(ticketMachine);
  const stage = ticketStage(snapshot);
  const id = randomUUID();
  let query = trx.insertInto('ticket').values({
    id,
    solution_id: ticket.solutionId,
    ars: ticket.ars,
    category: ticket.category,
    priority: ticket.priority,
    title: ticket.title,
    description: ticket.description,
    blocking: ticket.blocking,
    assignee: ticket.assignee,
    source: ticket.source,
    auto_reason: ticket.autoReason,
    opened_by: ticket.actor,
    stage,
    snapshot: toJson(persistSnapshot(ticketMachine, snapshot)),
    machine_version: TICKET_MACHINE_VERSION,
    revision: 0,
    paused_minutes: 0,
    ...slaDueTimes(ticket.at, ticket.priority, 0, settings.officeHours),
    created_at: ticket.at,
    updated_at: ticket.at,
  });
  if (ticket.autoReason) query = query.onConflict((c) => c.columns(['solution_id', 'ars', 'auto_reason']).where('auto_reason', 'is not', null).doNothing());
  const inserted = await query.returning(['id', 'number']).executeTakeFirst();
  if (!inserted) return null;
  await recordChange(trx, {
    solutionId: ticket.solutionId,
    ars: ticket.ars,
    stage,
    machineVersion: TICKET_MACHINE_VERSION,
    eventType: 'TICKET_ERSTELLT',
    event: {
      kategorie: ticket.category,
      prioritaet: ticket.priority,
      titel: ticket.title,
      blockierend: ticket.blocking,
      quelle: ticket.source,
      ...(ticket.autoReason ? { grund: ticket.autoReason } : {}),
    },
    actor: ticket.actor,
    at: ticket.at,
    ticketId: id,
  });
  await replanSlaTimers(trx, id, ticket.at);
  await enqueueTicketNotice(trx, {
    ticketId: id,
    solutionId: ticket.solutionId,
    ars: ticket.ars,
    occasion: 'eroeffnet',
    ref: id,
    details: { beschreibung: ticket.description, quelle: ticket.source },
  }, ticket.at);
  return { id, number: Number(inserted.number) };
}
