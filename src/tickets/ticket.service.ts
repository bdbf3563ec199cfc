import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, TicketCategory, TicketPriority } from '../db/schema.ts';
import { actorOf, type Principal } from '../auth/api-token.service.ts';
import { inOneTransaction, type EngineDeps, type WorkflowEvent } from '../engine/workflow.engine.ts';
import { sendTicketEvent, ticketEventChoice } from './ticket.target.ts';
import { recordChange } from '../engine/change.record.ts';
import { eventOutcomeForCaller } from '../auth/event-outcome.ts';
import { ConflictError, NotFoundError } from '../errors/domain.errors.ts';
import { restoreSnapshot, SOLUTION_FINAL_STAGES, ticketMachine, type TicketStage } from '../../workflows/index.ts';
import { insertTicket } from './ticket.repository.ts';
import { replanSlaTimers } from './sla-timers.ts';
import { enqueueTicketNotice } from './ticket-notices.ts';
import { DEFAULT_TICKET_SETTINGS, slaDueTimes, type SlaState, type TicketSettings } from './ticket.sla.ts';

type Db = Kysely<Database>;

/**
 * The Kaz's ticket work: open, read with timeline, comment, assign, prioritise, the
 * queue and its counts. Status changes go through the engine (sendTicketEvent); every
 * other change writes its history row (change.record.ts) in the same transaction.
 * Scope: a ministry reaches the tickets of its own solutions only (others are 404).
 */

const PRIORITY_RANK = sql<number>`case t.priority when 'kritisch' then 0 when 'hoch' then 1 when 'normal' then 2 else 3 end`;
const DUE = sql<Date>`case when t.first_responded_at is null then t.first_response_due else t.resolution_due end`;
const WARN = sql<Date>`case when t.first_responded_at is null then t.first_response_warn else t.resolution_warn end`;
/** The SLA state of `ticket as t` at `now`, as the board filters and counts it (also the statewide overview's „SLA überschritten“). */
export const slaState = (now: Date) =>
  sql<SlaState>`case when t.stage in ('geloest', 'geschlossen') then 'erledigt'
    when t.stage = 'wartet-auf-kommune' then 'pausiert'
    when ${DUE} <= ${now}::timestamptz then 'ueberschritten'
    when ${WARN} <= ${now}::timestamptz then 'bald-faellig'
    else 'im-plan' end`;

function baseQuery(db: Db, principal: Principal, now: Date) {
  let query = db
    .selectFrom('ticket as t')
    .innerJoin('solution as s', 's.id', 't.solution_id')
    .innerJoin('authority as a', 'a.ars', 't.ars')
    .select([
      't.id', 't.number', 't.solution_id', 's.title as solution_title', 't.ars', 'a.name as authority_name', 'a.kreis_ars', 't.category',
      't.priority', 't.assignee', 't.blocking', 't.title', 't.description', 't.source', 't.auto_reason', 't.stage', 't.revision',
      't.snapshot', 't.opened_by', 't.created_at', 't.updated_at', 't.first_response_due', 't.resolution_due', 't.first_responded_at',
      't.resolved_at', 't.paused_since', 't.paused_minutes',
    ])
    .select([slaState(now).as('sla_state'), DUE.as('due_at')]);
  if (principal.role === 'ministry') query = query.where('s.lead_ministry', '=', principal.ministry ?? '');
  return query;
}

type Row = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;
const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

function toSummary(row: Row) {
  return {
    id: row.id,
    number: Number(row.number),
    solutionId: row.solution_id,
    solutionTitle: row.solution_title,
    ars: row.ars,
    authorityName: row.authority_name,
    kreisArs: row.kreis_ars,
    category: row.category,
    priority: row.priority,
    assignee: row.assignee,
    blocking: row.blocking,
    title: row.title,
    source: row.source,
    stage: row.stage as TicketStage,
    revision: row.revision,
    openedBy: row.opened_by,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    sla: {
      state: row.sla_state,
      dueAt: row.sla_state === 'erledigt' ? null : iso(row.due_at),
      firstResponseDue: iso(row.first_response_due)!,
      resolutionDue: iso(row.resolution_due)!,
      firstRespondedAt: iso(row.first_responded_at),
      resolvedAt: iso(row.resolved_at),
      pausedSince: iso(row.paused_since),
      pausedMinutes: row.paused_minutes,
    },
  };
}

export interface CreateTicketInput {
  solutionId: string;
  ars: string;
  category: TicketCategory;
  priority?: TicketPriority;
  title: string;
  description: string;
  blocking?: boolean;
  assignee?: string;
}

export async function createTicket(engine: EngineDeps, principal: Principal, input: CreateTicketInput) {
  const now = engine.now();
  const settings = engine.tickets ?? DEFAULT_TICKET_SETTINGS;
  const id = await inOneTransaction(engine, async (trx) => {
    const participant = await trx
      .selectFrom('participant as p')
      .innerJoin('solution as s', 's.id', 'p.solution_id')
      .select(['s.lead_ministry', 's.stage as solution_stage'])
      .where('p.solution_id', '=', input.solutionId)
      .where('p.ars', '=', input.ars)
      .forKeyShare('p')
      .executeTakeFirst();
    if (!participant || (principal.role === 'ministry' && participant.lead_ministry !== principal.ministry)) {
      throw new NotFoundError(`Behörde ${input.ars} ist nicht Teilnehmerin der Lösung ${input.solutionId}`);
    }
    assertSolutionTakesTickets(participant.solution_stage);
    const assignee = input.assignee?.trim() || null;
    const inserted = await insertTicket(
      trx,
      {
        solutionId: input.solutionId,
        ars: input.ars,
        category: input.category,
        priority: input.priority ?? 'normal',
        title: input.title.trim(),
        description: input.description.trim(),
        blocking: input.blocking ?? false,
        assignee,
        source: principal.role === 'ministry' ? 'ministerium' : 'kaz',
        autoReason: null,
        actor: actorOf(principal),
        at: now,
      },
      settings,
    );
    const ticketId = inserted!.id;
    // Assigned from the start: the assignee hears of it like of a later assignment.
    if (assignee) {
      await enqueueTicketNotice(
        trx,
        { ticketId, solutionId: input.solutionId, ars: input.ars, occasion: 'zugewiesen', ref: `${assignee}:${now.toISOString()}`, details: { zustaendig: assignee, zugewiesenVon: actorOf(principal) } },
        now,
      );
    }
    return ticketId;
  });
  return getTicket(engine.db, principal, id, now, settings);
}

/**
 * A rollout that has ended takes no new tickets; its open ones may still be worked and
 * closed (their SLA ends with the rollout). A paused rollout goes on taking them: an
 * integration problem does not wait for the ministry's pause.
 */
export function assertSolutionTakesTickets(solutionStage: string): void {
  if ((SOLUTION_FINAL_STAGES as readonly string[]).includes(solutionStage)) {
    throw new ConflictError(`Der Rollout ist beendet (${solutionStage}): neue Tickets sind nicht mehr möglich.`, { solutionStage });
  }
}

/** `settings`: the reopen period decides whether WIEDEREROEFFNEN is allowed or blocked. */
export async function getTicket(db: Db, principal: Principal, ticketId: string, now: Date, settings: TicketSettings = DEFAULT_TICKET_SETTINGS) {
  const row = await baseQuery(db, principal, now).where('t.id', '=', ticketId).executeTakeFirst();
  if (!row) throw new NotFoundError(`Ticket ${ticketId} gibt es nicht`);
  const [history, comments] = await Promise.all([
    db.selectFrom('history').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute(),
    db.selectFrom('ticket_comment').selectAll().where('ticket_id', '=', ticketId).execute(),
  ]);
  // The history is the order of record (comments made in the same instant stay in order);
  // a TICKET_KOMMENTIERT row carries its comment.
  const commentById = new Map(comments.map((c) => [c.id, c]));
  const timeline = history.map((h) => {
    const comment = h.event_type === 'TICKET_KOMMENTIERT' ? commentById.get(String(h.event.kommentarId)) : undefined;
    return {
      kind: comment ? ('kommentar' as const) : ('ereignis' as const),
      at: h.created_at.toISOString(),
      actor: h.actor,
      eventType: h.event_type,
      fromStage: h.from_stage,
      toStage: h.to_stage,
      event: h.event,
      visibility: comment?.visibility ?? null,
      text: comment?.text ?? null,
    };
  });
  const snapshot = restoreSnapshot(ticketMachine, row.snapshot);
  return {
    ...toSummary(row),
    description: row.description,
    autoReason: row.auto_reason,
    context: snapshot.context as unknown as Record<string, unknown>,
    ...ticketEventChoice(snapshot, row.resolved_at === null ? null : new Date(row.resolved_at), now, settings),
    timeline,
  };
}

export async function sendTicketEventAs(engine: EngineDeps, principal: Principal, ticketId: string, event: WorkflowEvent) {
  const result = await sendTicketEvent(engine, { ticketId, event, actor: actorOf(principal), origin: 'client', ministryScope: principal.role === 'ministry' ? principal.ministry : null });
  return eventOutcomeForCaller(result, principal.role, 'ticket');
}

/** Locks the ticket in scope, or 404. */
async function lockTicket(trx: Parameters<Parameters<typeof inOneTransaction>[1]>[0], principal: Principal, ticketId: string) {
  const row = await trx
    .selectFrom('ticket as t')
    .innerJoin('solution as s', 's.id', 't.solution_id')
    .select(['t.id', 't.solution_id', 't.ars', 't.stage', 't.machine_version', 't.priority', 't.assignee', 't.blocking', 't.created_at', 't.paused_minutes', 't.first_responded_at', 's.lead_ministry'])
    .where('t.id', '=', ticketId)
    .forUpdate('t')
    .executeTakeFirst();
  if (!row || (principal.role === 'ministry' && row.lead_ministry !== principal.ministry)) throw new NotFoundError(`Ticket ${ticketId} gibt es nicht`);
  return row;
}

export async function addComment(engine: EngineDeps, principal: Principal, ticketId: string, input: { text: string; visibility: 'oeffentlich' | 'intern' }) {
  const now = engine.now();
  return inOneTransaction(engine, async (trx) => {
    const ticket = await lockTicket(trx, principal, ticketId);
    const id = randomUUID();
    const author = actorOf(principal);
    await trx.insertInto('ticket_comment').values({ id, ticket_id: ticketId, visibility: input.visibility, author, text: input.text, created_at: now }).execute();
    // A public answer to the authority is a first response of the Kaz.
    if (input.visibility === 'oeffentlich' && !ticket.first_responded_at) {
      await trx.updateTable('ticket').set({ first_responded_at: now, updated_at: now }).where('id', '=', ticketId).execute();
      await replanSlaTimers(trx, ticketId, now);
    }
    if (input.visibility === 'oeffentlich') {
      await enqueueTicketNotice(trx, { ticketId, solutionId: ticket.solution_id, ars: ticket.ars, occasion: 'antwort', ref: id, details: { text: input.text } }, now);
    }
    await recordChange(trx, {
      solutionId: ticket.solution_id,
      ars: ticket.ars,
      stage: ticket.stage,
      machineVersion: ticket.machine_version,
      eventType: 'TICKET_KOMMENTIERT',
      event: { kommentarId: id, sichtbarkeit: input.visibility },
      actor: author,
      at: now,
      ticketId,
    });
    return { id, visibility: input.visibility, author, text: input.text, createdAt: now.toISOString() };
  });
}

export interface TicketPatch {
  assignee?: string | null;
  priority?: TicketPriority;
  blocking?: boolean;
}

/** Assignee, priority and blocking flag; a new priority recomputes the due times (with the waiting time so far). */
export async function updateTicket(engine: EngineDeps, principal: Principal, ticketId: string, patch: TicketPatch) {
  const now = engine.now();
  const settings = engine.tickets ?? DEFAULT_TICKET_SETTINGS;
  await inOneTransaction(engine, async (trx) => {
    const ticket = await lockTicket(trx, principal, ticketId);
    const changes: Record<string, unknown> = {};
    const set: Record<string, unknown> = {};
    if (patch.assignee !== undefined) {
      const assignee = patch.assignee === null ? null : patch.assignee.trim() || null;
      if (assignee !== ticket.assignee) {
        changes.zustaendig = { von: ticket.assignee, nach: assignee };
        set.assignee = assignee;
      }
    }
    if (patch.priority !== undefined && patch.priority !== ticket.priority) {
      changes.prioritaet = { von: ticket.priority, nach: patch.priority };
      Object.assign(set, { priority: patch.priority }, slaDueTimes(ticket.created_at, patch.priority, ticket.paused_minutes, settings.officeHours));
    }
    if (patch.blocking !== undefined && patch.blocking !== ticket.blocking) {
      changes.blockierend = { von: ticket.blocking, nach: patch.blocking };
      set.blocking = patch.blocking;
    }
    if (Object.keys(changes).length === 0) return;
    if (patch.blocking === true && (ticket.stage === 'geloest' || ticket.stage === 'geschlossen')) {
      throw new ConflictError('Ein gelöstes oder geschlossenes Ticket kann nicht blockierend werden.', { stage: ticket.stage });
    }
    await trx.updateTable('ticket').set({ ...set, updated_at: now }).where('id', '=', ticketId).execute();
    if (changes.prioritaet) await replanSlaTimers(trx, ticketId, now);
    if (changes.zustaendig && set.assignee) {
      await enqueueTicketNotice(trx, {
        ticketId,
        solutionId: ticket.solution_id,
        ars: ticket.ars,
        occasion: 'zugewiesen',
        ref: `${String(set.assignee)}:${now.toISOString()}`,
        details: { zustaendig: set.assignee, zugewiesenVon: actorOf(principal) },
      }, now);
    }
    await recordChange(trx, {
      solutionId: ticket.solution_id,
      ars: ticket.ars,
      stage: ticket.stage,
      machineVersion: ticket.machine_version,
      eventType: 'TICKET_GEAENDERT',
      event: changes,
      actor: actorOf(principal),
      at: now,
      ticketId,
    });
  });
  return getTicket(engine.db, principal, ticketId, now, settings);
}

export interface QueueFilter {
  status?: string[];
  category?: string[];
  priority?: string[];
  kreisArs?: string;
  solutionId?: string;
  assignee?: string;
  /** true: only tickets someone is assigned to; false: only the unassigned ones. */
  assigned?: boolean;
  /** true: only tickets that hold up a go-live; false: only the others. */
  blocking?: boolean;
  sla?: string[];
}

function filtered(db: Db, principal: Principal, now: Date, filter: QueueFilter) {
  let query = baseQuery(db, principal, now);
  if (filter.status?.length) query = query.where('t.stage', 'in', filter.status);
  if (filter.category?.length) query = query.where('t.category', 'in', filter.category as TicketCategory[]);
  if (filter.priority?.length) query = query.where('t.priority', 'in', filter.priority as TicketPriority[]);
  if (filter.kreisArs) query = query.where('a.kreis_ars', '=', filter.kreisArs);
  if (filter.solutionId) query = query.where('t.solution_id', '=', filter.solutionId);
  if (filter.assignee) query = query.where('t.assignee', '=', filter.assignee);
  if (filter.assigned !== undefined) query = query.where('t.assignee', filter.assigned ? 'is not' : 'is', null);
  if (filter.blocking !== undefined) query = query.where('t.blocking', '=', filter.blocking);
  if (filter.sla?.length) query = query.where(slaState(now), 'in', filter.sla as SlaState[]);
  return query;
}

/** The Kaz queue: open tickets first, then by the next due time, then by priority. */
export async function listTickets(db: Db, principal: Principal, now: Date, filter: QueueFilter, paging: { limit: number; offset: number }) {
  const [rows, total] = await Promise.all([
    filtered(db, principal, now, filter)
      .orderBy(sql`case when t.stage in ('geloest', 'geschlossen') then 1 else 0 end`)
      .orderBy(DUE)
      .orderBy(PRIORITY_RANK)
      .orderBy('t.number')
      .limit(paging.limit)
      .offset(paging.offset)
      .execute(),
    filtered(db, principal, now, filter)
      .clearSelect()
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toSummary), total: Number(total.n), limit: paging.limit, offset: paging.offset };
}

export async function countTickets(db: Db, principal: Principal, now: Date, filter: QueueFilter) {
  const rows = await filtered(db, principal, now, filter)
    .clearSelect()
    .select([slaState(now).as('sla_state'), 't.stage', sql<number>`count(*)::int`.as('n')])
    .groupBy([sql`1`, 't.stage'])
    .execute();
  const bySla: Record<string, number> = { 'im-plan': 0, 'bald-faellig': 0, ueberschritten: 0, pausiert: 0, erledigt: 0 };
  const byStage: Record<string, number> = { neu: 0, 'in-bearbeitung': 0, 'wartet-auf-kommune': 0, geloest: 0, geschlossen: 0 };
  let total = 0;
  for (const row of rows) {
    const n = Number(row.n);
    bySla[row.sla_state] = (bySla[row.sla_state] ?? 0) + n;
    byStage[row.stage] = (byStage[row.stage] ?? 0) + n;
    total += n;
  }
  return { total, bySla, byStage };
}
