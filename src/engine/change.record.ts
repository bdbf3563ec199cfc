import type { Kysely, Transaction } from 'kysely';
import { toJson, type Database } from '../db/schema.ts';

/**
 * Changes that move no machine – a checklist item, a meeting, a wave's members, renewed
 * links, a reconciliation, a bulk request – go into the same `history` as the events,
 * with the acting principal: from and to stage are the current stage of the participant
 * (or of the solution, for a change of the whole solution). Written in the caller's
 * transaction, together with the change itself; the engine writes the events' rows.
 */
export interface RecordedChange {
  solutionId: string;
  /** The participant's ARS; null for a change of the whole solution. */
  ars: string | null;
  /** The current stage (from = to). */
  stage: string;
  machineVersion: number;
  /** What happened, in the history's upper-case words, e.g. CHECKLISTE_PUNKT_GESETZT. */
  eventType: string;
  /** Its details; `type` and `at` are added. */
  event: Record<string, unknown>;
  actor: string;
  at: Date;
  /** A ticket's change (assigned, commented …): the row belongs to its timeline. */
  ticketId?: string;
  /** A change made once per request (a form sent twice): the history's unique key recognises the second. */
  idempotencyKey?: string;
}

type Executor = Kysely<Database> | Transaction<Database>;

const rowOf = (change: RecordedChange) => ({
  solution_id: change.solutionId,
  participant_ars: change.ars,
  event_type: change.eventType,
  event: toJson({ type: change.eventType, ...change.event, at: change.at.toISOString() }),
  from_stage: change.stage,
  to_stage: change.stage,
  actor: change.actor,
  machine_version: change.machineVersion,
  created_at: change.at,
  ticket_id: change.ticketId ?? null,
  idempotency_key: change.idempotencyKey ?? null,
});

/** The history row a change with this key wrote, if any: its event. */
export async function changeWithKey(db: Executor, idempotencyKey: string): Promise<Record<string, unknown> | null> {
  const row = await db.selectFrom('history').select('event').where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
  return row ? (row.event as Record<string, unknown>) : null;
}

/** One change; answers its history id. */
export async function recordChange(db: Executor, change: RecordedChange): Promise<number> {
  const row = await db.insertInto('history').values(rowOf(change)).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Several changes in one statement (a wave's members). */
export async function recordChanges(db: Executor, changes: readonly RecordedChange[]): Promise<void> {
  if (changes.length) await db.insertInto('history').values(changes.map(rowOf)).execute();
}
