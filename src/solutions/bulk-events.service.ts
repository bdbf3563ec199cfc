import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { toJson, type Database } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { type EngineDeps, type EventResult, type WorkflowEvent } from '../engine/workflow.engine.ts';
import { sendParticipantEventToMany } from './participant.target.ts';
import { validateEventPayload } from '../engine/event-payload.validate.ts';
import { ConflictError, ForbiddenError, InvalidInputError } from '../errors/domain.errors.ts';
import { PARTICIPANT_SYSTEM_EVENTS, PARTICIPANTS_MOVING_STAGES, SOLUTION_MACHINE_VERSION } from '../../workflows/index.ts';
import { loadAccessibleSolution } from './solution.service.ts';
import { recordChange } from '../engine/change.record.ts';

/**
 * One event to many participants of a solution ("Sammelaktion"): the ministry confirms
 * 186 authorities live in one request instead of 186.
 *
 * Each participant moves with the engine's gates and guards as for a single event, and
 * gets its own result and history row; the engine writes them a chunk of up to 500
 * participants per transaction (sendEventToMany). A refusal concerns its participant
 * only; a failure of the database rolls back the chunk it happened in, while the chunks
 * before stay applied – a repeat under the same key applies the rest. What is wrong with the request itself – payload, a system-only event, the
 * solution not found or not active, unknown wave – is refused before anything is written.
 *
 * An `idempotencyKey` belongs to one solution, one caller (API token) and one request
 * body (bulk_request, migration 0013): the same key with another body is refused with
 * 409 – never a silent no-op –, a repeat of a finished request gets its answer again
 * (`replayed`), and a repeat of one that died half-way (connection lost, process
 * stopped) applies the rest: the participants it already moved answer `already-applied`,
 * as their history rows carry `bulk:<bulkId>:<ars>` with the request's own id.
 */

type Db = Kysely<Database>;

/** Far above Brandenburg's ~420 Gemeinden; keeps one request's work bounded. */
export const BULK_MAX_PARTICIPANTS = 5000;

export interface BulkFilter {
  stages?: string[];
  /** ARS of a Landkreis (or kreisfreie Stadt): its participants. */
  kreisArs?: string;
  /** Members of this wave (open or started). */
  waveId?: string;
}

export interface BulkEventInput {
  event: WorkflowEvent;
  authorities?: string[];
  filter?: BulkFilter;
  /** Repeating a request with the same key applies nothing twice (see bulk_request). */
  idempotencyKey?: string;
}

export type BulkOutcome = 'applied' | 'already-applied' | 'refused' | 'not-found' | 'solution-inactive';

export interface BulkResultItem {
  ars: string;
  outcome: BulkOutcome;
  fromStage?: string;
  stage?: string;
  reason?: string;
  allowedEvents?: string[];
  blockedEvents?: { type: string; reason: string }[];
  details?: Record<string, unknown>;
}

export interface BulkEventResult {
  bulkId: string;
  idempotencyKey?: string;
  /** The answer of an earlier request with the same key and body, given again. */
  replayed?: boolean;
  eventType: string;
  selected: number;
  counts: Record<BulkOutcome, number>;
  results: BulkResultItem[];
  historyId: number;
}

/** The event's payload errors as the body names them: `/body/event/reason`. */
function bodyErrors(errors: { field: string; message: string }[]) {
  return errors.map((error) => ({ ...error, field: error.field.replace(/^\/event(?=\/|$)/, '/body/event') }));
}

export async function resolveBulkTargets(db: Db, solutionId: string, input: Pick<BulkEventInput, 'authorities' | 'filter'>): Promise<string[]> {
  if (input.authorities) return input.authorities;
  const filter = input.filter ?? {};
  let query = db.selectFrom('participant as p').innerJoin('authority as a', 'a.ars', 'p.ars').select('p.ars').where('p.solution_id', '=', solutionId);
  if (filter.stages?.length) query = query.where('p.stage', 'in', filter.stages);
  if (filter.kreisArs) query = query.where('a.kreis_ars', '=', filter.kreisArs);
  if (filter.waveId) {
    const waveId = filter.waveId;
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('wave_member as m').select('m.ars').whereRef('m.solution_id', '=', 'p.solution_id').whereRef('m.ars', '=', 'p.ars').where('m.wave_id', '=', waveId)),
    );
  }
  const rows = await query.orderBy('p.ars').limit(BULK_MAX_PARTICIPANTS + 1).execute();
  if (rows.length > BULK_MAX_PARTICIPANTS) {
    throw new InvalidInputError(`Der Filter trifft mehr als ${BULK_MAX_PARTICIPANTS} Teilnehmende`, [{ field: '/body/filter', message: 'enger fassen' }]);
  }
  return rows.map((row) => row.ars);
}

function toItem(ars: string, result: EventResult): BulkResultItem {
  switch (result.kind) {
    case 'applied':
      return { ars, outcome: 'applied', fromStage: result.fromStage, stage: result.stage };
    case 'already-applied':
      return { ars, outcome: 'already-applied', stage: result.stage };
    case 'refused':
      return { ars, outcome: 'refused', stage: result.stage, reason: result.reason, allowedEvents: result.allowedEvents, blockedEvents: result.blockedEvents };
    case 'precondition-failed':
      return { ars, outcome: 'refused', stage: result.stage, reason: result.reason, allowedEvents: result.allowedEvents, blockedEvents: result.blockedEvents, details: result.details };
    case 'solution-inactive':
      return { ars, outcome: 'solution-inactive', reason: result.reason, allowedEvents: result.allowedEvents, blockedEvents: result.blockedEvents };
    case 'not-found':
      return { ars, outcome: 'not-found', reason: result.reason };
    case 'invalid':
    case 'system-only':
      // checked for the whole request before the first participant; reaching here is a bug
      throw new Error(`Sammelaktion: unerwartetes Ergebnis ${result.kind}: ${result.reason}`);
  }
}

/** Sorted object keys, so that `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What identifies a request besides its key: the event and whom it is sent to. */
export function bulkRequestHash(input: BulkEventInput): string {
  return createHash('sha256').update(canonicalJson({ event: input.event, authorities: input.authorities, filter: input.filter })).digest('hex');
}

interface KeyedRequest {
  id: string;
  request_hash: string;
  result: Record<string, unknown> | null;
}

/** The key was sent before with another body: refused, naming the field. */
function keyReusedProblem(key: string) {
  return new ConflictError(
    `Der idempotencyKey ${key} wurde für diese Lösung schon mit einer anderen Anfrage (anderes Ereignis oder andere Behörden) verwendet. Es wurde nichts angewandt. Für eine neue Anfrage bitte einen neuen Schlüssel verwenden.`,
    { errors: [{ field: '/body/idempotencyKey', message: 'schon für eine andere Anfrage verwendet' }] },
  );
}

/** The earlier request under this key answered again, or null to run (first time, or died half-way). */
function replayOf(row: KeyedRequest | undefined, hash: string, key: string): BulkEventResult | null {
  if (!row) return null;
  if (row.request_hash !== hash) throw keyReusedProblem(key);
  return row.result ? { ...(row.result as unknown as BulkEventResult), replayed: true } : null;
}

export async function sendBulkParticipantEvent(
  engine: EngineDeps,
  principal: Principal,
  solutionId: string,
  input: BulkEventInput,
): Promise<BulkEventResult> {
  const { db } = engine;
  const { event } = input;
  if (input.authorities && input.filter) {
    throw new InvalidInputError('Entweder authorities oder filter angeben', [{ field: '/body/filter', message: 'schließt sich mit authorities aus' }]);
  }
  if (!input.authorities && !input.filter) {
    throw new InvalidInputError('Wen das Ereignis betrifft, fehlt', [{ field: '/body/authorities', message: 'authorities oder filter angeben' }]);
  }
  const explanation = PARTICIPANT_SYSTEM_EVENTS[event.type as keyof typeof PARTICIPANT_SYSTEM_EVENTS];
  if (explanation || event.type.startsWith('xstate.')) {
    throw new ForbiddenError(`${event.type} sendet nur das System. ${explanation ?? ''}`.trim());
  }
  const payloadErrors = validateEventPayload(engine.workflows, event, engine.now());
  if (payloadErrors.length) {
    throw new InvalidInputError(`Angaben zum Ereignis ${event.type} sind unvollständig oder ungültig`, bodyErrors(payloadErrors));
  }
  const solution = await loadAccessibleSolution(db, principal, solutionId);
  const key = input.idempotencyKey;
  const hash = bulkRequestHash(input);
  const findKeyed = () =>
    db
      .selectFrom('bulk_request')
      .select(['id', 'request_hash', 'result'])
      .where('solution_id', '=', solutionId)
      .where('caller', '=', principal.tokenId)
      .where('idempotency_key', '=', key!)
      .executeTakeFirst() as Promise<KeyedRequest | undefined>;
  // A finished request is answered again even if the solution has moved on since.
  if (key) {
    const replay = replayOf(await findKeyed(), hash, key);
    if (replay) return replay;
  }
  if (!PARTICIPANTS_MOVING_STAGES.includes(solution.stage)) {
    throw new ConflictError(`Die Lösung ist im Stadium „${solution.stage}“; Teilnehmende bewegen sich jetzt nicht. Es wurde nichts angewandt.`, {
      solutionStage: solution.stage,
    });
  }
  if (input.filter?.waveId) {
    const wave = await db.selectFrom('wave').select('id').where('id', '=', input.filter.waveId).where('solution_id', '=', solutionId).executeTakeFirst();
    if (!wave) throw new InvalidInputError('Diese Welle gibt es bei der Lösung nicht', [{ field: '/body/filter/waveId', message: 'unbekannte Welle' }]);
  }
  const targets = await resolveBulkTargets(db, solutionId, input);

  let bulkId: string = randomUUID();
  if (key) {
    // Recorded before the first participant moves: a concurrent request with the same key
    // and another body is refused from now on, one with the same body uses the same id.
    await db
      .insertInto('bulk_request')
      .values({ id: bulkId, solution_id: solutionId, caller: principal.tokenId, idempotency_key: key, request_hash: hash, created_at: engine.now() })
      .onConflict((oc) => oc.constraint('bulk_request_key_once').doNothing())
      .execute();
    const row = (await findKeyed())!;
    const replay = replayOf(row, hash, key);
    if (replay) return replay;
    bulkId = row.id;
  }
  const actor = actorOf(principal);
  const sender = { actor, origin: 'client' as const, ministryScope: principal.role === 'ministry' ? principal.ministry : null };
  const outcomes = await sendParticipantEventToMany(
    engine,
    { participants: targets.map((ars) => ({ solutionId, ars })), event, ...sender },
    { idempotencyKeyOf: ({ ars }) => `bulk:${bulkId}:${ars}` },
  );
  const results: BulkResultItem[] = targets.map((ars, index) => toItem(ars, outcomes[index]!));
  const counts: Record<BulkOutcome, number> = { applied: 0, 'already-applied': 0, refused: 0, 'not-found': 0, 'solution-inactive': 0 };
  for (const item of results) counts[item.outcome]++;

  // The request itself, for the solution's history: what was sent to whom and how it went.
  // Each participant's own row (same actor, key bulk:<bulkId>:<ars>) was written with its change.
  return db.transaction().execute(async (trx) => {
    const historyId = await recordChange(trx, {
      solutionId,
      ars: null,
      stage: solution.stage,
      machineVersion: SOLUTION_MACHINE_VERSION,
      eventType: 'SAMMELAKTION',
      event: {
        bulkId,
        ...(key ? { idempotencyKey: key } : {}),
        event,
        ...(input.authorities ? { authorities: input.authorities.length } : { filter: input.filter }),
        selected: targets.length,
        counts,
      },
      actor,
      at: engine.now(),
    });
    const done: BulkEventResult = { bulkId, ...(key ? { idempotencyKey: key } : {}), eventType: event.type, selected: targets.length, counts, results, historyId };
    // The first run to finish keeps its answer for repeats (of two identical concurrent requests, the first).
    if (key) {
      await trx
        .updateTable('bulk_request')
        .set({ result: toJson(done as unknown as Record<string, unknown>), completed_at: engine.now() })
        .where('id', '=', bulkId)
        .where('result', 'is', null)
        .execute();
    }
    return done;
  });
}
