import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, ResponseLink, TicketCategory } from '../db/schema.ts';
import { ConflictError, NotFoundError, InvalidInputError, type FieldError } from '../errors/domain.errors.ts';
import { recordChange } from '../engine/change.record.ts';
import { inOneTransaction, type EngineDeps, type EventResult, type WorkflowEvent } from '../engine/workflow.engine.ts';
import { sendTicketEvent } from './ticket.target.ts';
import { issueTicketLink } from '../links/link.service.ts';
import { formValue, type FormFields } from '../responses/response.service.ts';
import { TICKET_OPEN_STAGES, type TicketStage } from '../../workflows/index.ts';
import { insertTicket } from './ticket.repository.ts';
import { enqueueAuthorityReplyNotice } from './ticket-notices.ts';
import { assertSolutionTakesTickets } from './ticket.service.ts';
import { DEFAULT_TICKET_SETTINGS, reopenDeadline } from './ticket.sla.ts';
import { TICKET_CATEGORIES } from './ticket.views.ts';
import { CONTROL_CHARACTERS } from '../validation/common.schemas.ts';

/**
 * The authority's side of its tickets, behind its signed links (it has no account): a
 * problem report from any valid link, its tickets of the solution, the public part of a
 * ticket's timeline, its replies and the request to reopen. The link decides who acts
 * (`behoerde:<ARS>`) and which tickets it reaches: those of its own ARS and solution.
 * Nothing here shows the Kaz's internal notes, the assignee or internal changes.
 */

type Db = Kysely<Database>;
type Trx = Transaction<Database>;

export const MAX_TITLE = 200;
export const MAX_TEXT = 5000;
/** More open reports of one authority for one solution are a case for a call, not a form. */
export const MAX_OPEN_REPORTS = 10;
/** Validity of a ticket link issued with a report (as LINK_TTL_DAYS by default); every issue extends it. */
export const DEFAULT_TICKET_LINK_TTL_DAYS = 120;
const DAY_MS = 24 * 60 * 60 * 1000;

export const authorityActor = (ars: string) => `behoerde:${ars}`;

export interface AuthorityTicketDeps {
  engine: EngineDeps;
  now: () => Date;
  secret: Buffer;
  /** Public URL of the service, for the ticket link (as in the mails). */
  baseUrl: string;
  ticketLinkTtlDays?: number;
}

export class TooManyOpenReports extends Error {
  override name = 'TooManyOpenReports';
  readonly open: number;
  constructor(open: number) {
    super(`Zu viele offene Meldungen: ${open}`);
    this.open = open;
  }
}

/** The ticket is solved or closed longer than the reopen period: the problem is a new report. */
export class ReopenRefused extends Error {
  override name = 'ReopenRefused';
}

/**
 * The authority has written the most replies a ticket takes in 24 hours
 * (TICKET_REPLIES_PER_DAY): a bound on what its page can cause (each reply is history, a
 * comment and news for the Kaz), far above what a clerk writes. `nextAt`: when the oldest
 * of them is 24 hours old and the next reply is taken.
 */
export class ReplyLimitReached extends Error {
  override name = 'ReplyLimitReached';
  readonly limit: number;
  readonly nextAt: Date;
  constructor(limit: number, nextAt: Date) {
    super(`Höchstens ${limit} Antworten je Ticket in 24 Stunden`);
    this.limit = limit;
    this.nextAt = nextAt;
  }
}

/** The page the form came from showed another stage (the Kaz acted meanwhile): nothing saved. */
export class TicketMovedOn extends Error {
  override name = 'TicketMovedOn';
  readonly stage: TicketStage;
  constructor(stage: TicketStage) {
    super(`Ticket inzwischen im Stadium ${stage}`);
    this.stage = stage;
  }
}

const CONTROL_MESSAGE = 'Bitte entfernen Sie die Steuerzeichen aus dem Text (z. B. aus einer kopierten Vorlage).';

export interface ProblemReport {
  category: TicketCategory;
  title: string;
  description: string;
}

export function validateProblemReport(fields: FormFields): { report: ProblemReport; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const category = formValue(fields, 'kategorie') as TicketCategory;
  const title = formValue(fields, 'betreff').replace(/\s+/g, ' ');
  const description = formValue(fields, 'beschreibung');
  if (!(TICKET_CATEGORIES as readonly string[]).includes(category)) errors.push({ field: 'kategorie', message: 'Bitte wählen Sie aus, welchen Bereich das Problem betrifft.' });
  if (!title) errors.push({ field: 'betreff', message: 'Bitte geben Sie einen Betreff an.' });
  else if (title.length > MAX_TITLE) errors.push({ field: 'betreff', message: `Bitte fassen Sie den Betreff kürzer (höchstens ${MAX_TITLE} Zeichen).` });
  else if (CONTROL_CHARACTERS.test(title)) errors.push({ field: 'betreff', message: CONTROL_MESSAGE });
  if (!description) errors.push({ field: 'beschreibung', message: 'Bitte beschreiben Sie das Problem.' });
  else if (description.length > MAX_TEXT) errors.push({ field: 'beschreibung', message: `Bitte fassen Sie die Beschreibung kürzer (höchstens ${MAX_TEXT} Zeichen).` });
  else if (CONTROL_CHARACTERS.test(description)) errors.push({ field: 'beschreibung', message: CONTROL_MESSAGE });
  return { report: { category, title, description }, errors };
}

/**
 * A problem report through a link: the ticket (source behoerde, priority normal, not
 * blocking) and the authority's ticket link in ONE transaction, so the link in the
 * confirmation and in the mails exists whenever the ticket does. The participant row is
 * locked for the count, so two reports at once cannot both pass the limit.
 */
export async function reportProblem(deps: AuthorityTicketDeps, link: ResponseLink, fields: FormFields) {
  const { report, errors } = validateProblemReport(fields);
  if (errors.length) throw new InvalidInputError('Die Meldung ist unvollständig', errors);
  const now = deps.now();
  const actor = authorityActor(link.ars);
  const settings = deps.engine.tickets ?? DEFAULT_TICKET_SETTINGS;
  return inOneTransaction(deps.engine, async (trx) => {
    const participant = await trx
      .selectFrom('participant as p')
      .innerJoin('solution as s', 's.id', 'p.solution_id')
      .select('s.stage as solution_stage')
      .where('p.solution_id', '=', link.solution_id)
      .where('p.ars', '=', link.ars)
      .forNoKeyUpdate('p')
      .executeTakeFirst();
    if (!participant) throw new NotFoundError(`Behörde ${link.ars} ist nicht Teilnehmerin der Lösung ${link.solution_id}`);
    assertSolutionTakesTickets(participant.solution_stage);
    const open = await trx
      .selectFrom('ticket')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('solution_id', '=', link.solution_id)
      .where('ars', '=', link.ars)
      .where('opened_by', '=', actor)
      .where('stage', 'in', [...TICKET_OPEN_STAGES])
      .executeTakeFirstOrThrow();
    if (Number(open.n) >= MAX_OPEN_REPORTS) throw new TooManyOpenReports(Number(open.n));
    const inserted = await insertTicket(
      trx,
      {
        solutionId: link.solution_id,
        ars: link.ars,
        category: report.category,
        priority: 'normal',
        title: report.title,
        description: report.description,
        blocking: false,
        assignee: null,
        source: 'behoerde',
        autoReason: null,
        actor,
        at: now,
      },
      settings,
    );
    const ticketLink = await issueTicketLink(trx, {
      secret: deps.secret,
      solutionId: link.solution_id,
      ars: link.ars,
      expiresAt: new Date(now.getTime() + (deps.ticketLinkTtlDays ?? DEFAULT_TICKET_LINK_TTL_DAYS) * DAY_MS),
      baseUrl: deps.baseUrl,
    });
    return { ticketId: inserted!.id, number: inserted!.number, ticketToken: ticketLink.token };
  });
}

// ---------------------------------------------------------------------------
// Reading: what the authority may see

export interface AuthorityTicketSummary {
  number: number;
  title: string;
  stage: TicketStage;
  updatedAt: Date;
}

/** The authority's tickets of the link's solution, newest change first – whoever opened them. */
export async function listAuthorityTickets(db: Db, link: ResponseLink): Promise<AuthorityTicketSummary[]> {
  const rows = await db
    .selectFrom('ticket')
    .select(['number', 'title', 'stage', 'updated_at'])
    .where('solution_id', '=', link.solution_id)
    .where('ars', '=', link.ars)
    .orderBy('updated_at', 'desc')
    .orderBy('number', 'desc')
    .execute();
  return rows.map((row) => ({ number: Number(row.number), title: row.title, stage: row.stage as TicketStage, updatedAt: row.updated_at }));
}

/** A ticket number from the path: digits only, and small enough for the bigint column. */
export function parseTicketNumber(raw: string): string | null {
  return /^[1-9][0-9]{0,14}$/.test(raw) ? raw : null;
}

export type AuthorityTimelineEntry =
  | { kind: 'status'; at: Date; text: string; detail: string | null }
  | { kind: 'nachricht'; at: Date; from: 'behoerde' | 'kaz' | 'ministerium'; text: string };

export interface AuthorityTicketView {
  number: number;
  title: string;
  category: TicketCategory;
  stage: TicketStage;
  description: string;
  createdAt: Date;
  updatedAt: Date;
  /** Until when a solved ticket may be reopened; null while open. */
  reopenUntil: Date | null;
  timeline: AuthorityTimelineEntry[];
}

/** The status changes the authority is told about; every other history row (assignment, SLA, …) stays inside. */
const VISIBLE_EVENTS = ['TICKET_ERSTELLT', 'BEARBEITUNG_BEGINNEN', 'AUF_KOMMUNE_WARTEN', 'LOESEN', 'SCHLIESSEN', 'WIEDEREROEFFNEN', 'TICKET_KOMMENTIERT'];

function statusEntry(eventType: string, event: Record<string, unknown>): { text: string; detail: string | null } | null {
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : null);
  switch (eventType) {
    case 'TICKET_ERSTELLT':
      return { text: 'eröffnet', detail: null };
    case 'BEARBEITUNG_BEGINNEN':
      return { text: 'in Bearbeitung', detail: null };
    case 'AUF_KOMMUNE_WARTEN':
      return { text: 'wartet auf Ihre Antwort', detail: text(event.grund) };
    case 'LOESEN':
      return { text: 'gelöst', detail: text(event.loesung) };
    case 'SCHLIESSEN':
      return { text: 'geschlossen', detail: null };
    case 'WIEDEREROEFFNEN':
      // the reason may be the Kaz's own words: the authority's own reason is its message beside it
      return { text: 'wiedereröffnet', detail: null };
    default:
      return null;
  }
}

function senderOf(author: string, ars: string): 'behoerde' | 'kaz' | 'ministerium' | null {
  if (author === authorityActor(ars)) return 'behoerde';
  if (author.startsWith('behoerde:')) return null;
  return author.startsWith('ministerium:') ? 'ministerium' : 'kaz';
}

async function findTicketRow(db: Db | Trx, link: ResponseLink, number: string) {
  return db
    .selectFrom('ticket')
    .select(['id', 'number', 'title', 'category', 'stage', 'description', 'created_at', 'updated_at', 'resolved_at'])
    .where('solution_id', '=', link.solution_id)
    .where('ars', '=', link.ars)
    .where('number', '=', number)
    .executeTakeFirst();
}

/** One ticket of the link's authority and solution, or null (another authority's number is as unknown as a wrong one). */
export async function getAuthorityTicket(engine: EngineDeps, link: ResponseLink, number: string): Promise<AuthorityTicketView | null> {
  const db = engine.db;
  const row = await findTicketRow(db, link, number);
  if (!row) return null;
  const [history, comments] = await Promise.all([
    db
      .selectFrom('history')
      .select(['event_type', 'event', 'created_at'])
      .where('ticket_id', '=', row.id)
      .where('event_type', 'in', VISIBLE_EVENTS)
      .orderBy('id')
      .execute(),
    db.selectFrom('ticket_comment').select(['id', 'author', 'text']).where('ticket_id', '=', row.id).where('visibility', '=', 'oeffentlich').execute(),
  ]);
  const publicComments = new Map(comments.map((c) => [c.id, c]));
  const timeline: AuthorityTimelineEntry[] = [];
  for (const entry of history) {
    const event = entry.event as Record<string, unknown>;
    if (entry.event_type === 'TICKET_KOMMENTIERT') {
      const comment = publicComments.get(String(event.kommentarId));
      const from = comment ? senderOf(comment.author, link.ars) : null;
      if (comment && from) timeline.push({ kind: 'nachricht', at: entry.created_at, from, text: comment.text });
      continue;
    }
    const status = statusEntry(entry.event_type, event);
    if (status) timeline.push({ kind: 'status', at: entry.created_at, ...status });
  }
  const stage = row.stage as TicketStage;
  const solved = (stage === 'geloest' || stage === 'geschlossen') && row.resolved_at;
  return {
    number: Number(row.number),
    title: row.title,
    category: row.category,
    stage,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    reopenUntil: solved ? reopenDeadline(row.resolved_at!, engine.tickets ?? DEFAULT_TICKET_SETTINGS) : null,
    timeline,
  };
}

// ---------------------------------------------------------------------------
// Writing: the authority's reply and its request to reopen

export type ReplyAction = 'antwort' | 'wiedereroeffnen';

export function validateReply(fields: FormFields): { text: string; aktion: ReplyAction; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const text = formValue(fields, 'text');
  const aktion: ReplyAction = formValue(fields, 'aktion') === 'wiedereroeffnen' ? 'wiedereroeffnen' : 'antwort';
  if (!text) {
    errors.push({
      field: 'text',
      message: aktion === 'antwort' ? 'Bitte schreiben Sie Ihre Antwort.' : 'Bitte beschreiben Sie, was weiterhin nicht funktioniert.',
    });
  } else if (text.length > MAX_TEXT) errors.push({ field: 'text', message: `Bitte fassen Sie sich kürzer (höchstens ${MAX_TEXT} Zeichen).` });
  else if (CONTROL_CHARACTERS.test(text)) errors.push({ field: 'text', message: CONTROL_MESSAGE });
  return { text, aktion, errors };
}

const SOLVED: readonly string[] = ['geloest', 'geschlossen'];

/**
 * The authority writes on its ticket: a public comment by `behoerde:<ARS>` (never the
 * Kaz's first response), the notice to the assignee and – in one transaction with it –
 * the status change it means: KOMMUNE_ANTWORTET while the Kaz waits for it (the SLA pause
 * ends), WIEDEREROEFFNEN on a solved or closed ticket. If the machine refuses, nothing
 * of it remains.
 */
export async function replyOnTicket(engine: EngineDeps, link: ResponseLink, number: string, fields: FormFields) {
  const { text, aktion, errors } = validateReply(fields);
  if (errors.length) throw new InvalidInputError('Die Nachricht ist unvollständig', errors);
  const now = engine.now();
  const actor = authorityActor(link.ars);
  const settings = engine.tickets ?? DEFAULT_TICKET_SETTINGS;
  return inOneTransaction(engine, async (trx) => {
    const ticket = await trx
      .selectFrom('ticket')
      .select(['id', 'stage', 'machine_version'])
      .where('solution_id', '=', link.solution_id)
      .where('ars', '=', link.ars)
      .where('number', '=', number)
      .forUpdate()
      .executeTakeFirst();
    if (!ticket) throw new NotFoundError(`Ticket ${number} gibt es nicht`);
    const stage = ticket.stage as TicketStage;
    if ((aktion === 'wiedereroeffnen') !== SOLVED.includes(stage)) throw new TicketMovedOn(stage);
    // Counted under the ticket's row lock: two replies sent at once cannot both be the last one allowed.
    const recent = await trx
      .selectFrom('ticket_comment')
      .select('created_at')
      .where('ticket_id', '=', ticket.id)
      .where('author', '=', actor)
      .where('created_at', '>', new Date(now.getTime() - DAY_MS))
      .orderBy('created_at', 'desc')
      .limit(settings.repliesPerDay)
      .execute();
    if (recent.length >= settings.repliesPerDay) {
      throw new ReplyLimitReached(settings.repliesPerDay, new Date(recent[recent.length - 1]!.created_at.getTime() + DAY_MS));
    }

    const id = randomUUID();
    await trx.insertInto('ticket_comment').values({ id, ticket_id: ticket.id, visibility: 'oeffentlich', author: actor, text, created_at: now }).execute();
    await recordChange(trx, {
      solutionId: link.solution_id,
      ars: link.ars,
      stage,
      machineVersion: ticket.machine_version,
      eventType: 'TICKET_KOMMENTIERT',
      event: { kommentarId: id, sichtbarkeit: 'oeffentlich' },
      actor,
      at: now,
      ticketId: ticket.id,
    });
    const event: WorkflowEvent | null =
      aktion === 'wiedereroeffnen' ? { type: 'WIEDEREROEFFNEN', grund: text } : stage === 'wartet-auf-kommune' ? { type: 'KOMMUNE_ANTWORTET' } : null;
    if (event) {
      const result: EventResult = await sendTicketEvent(engine, { ticketId: ticket.id, event, actor, origin: 'client' }, { trx });
      if (result.kind === 'refused' && event.type === 'WIEDEREROEFFNEN') throw new ReopenRefused('Die Frist zum Wiedereröffnen ist abgelaufen.');
      if (result.kind === 'refused' || result.kind === 'already-applied') throw new TicketMovedOn(result.stage as TicketStage);
      if (result.kind !== 'applied') throw new ConflictError(`Ticket ${number}: ${result.reason}`, { kind: result.kind });
    }
    await enqueueAuthorityReplyNotice(
      trx,
      { ticketId: ticket.id, solutionId: link.solution_id, ars: link.ars },
      { kommentarId: id, text, at: now.toISOString(), ...(aktion === 'wiedereroeffnen' ? { wiedereroeffnet: true } : {}) },
      now,
      settings.noticeGatherMinutes,
    );
    return { commentId: id, reopened: aktion === 'wiedereroeffnen' };
  });
}
