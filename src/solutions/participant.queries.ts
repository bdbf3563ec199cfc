import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { containsPattern } from '../db/query.helpers.ts';
import { InvalidInputError, NotFoundError } from '../errors/domain.errors.ts';
import { PARTICIPANT_STAGES, participantMachine, restoreSnapshot, TICKET_OPEN_STAGES } from '../../workflows/index.ts';
import type { WorkflowRegistry } from '../engine/workflow.types.ts';
import { participantEventChoice } from './participant.target.ts';
import { choiceForRole, type Role } from '../auth/roles.ts';
import { COVERAGE_GROUP_STAGES, type CoverageGroup } from './coverage-groups.ts';
import { answerOverdue } from './answer-overdue.ts';

type Db = Kysely<Database>;

const PARTICIPANT_COLUMNS = [
  'p.ars',
  'p.stage',
  'p.revision',
  'p.updated_at',
  'p.snapshot',
  'a.name',
  'a.kind',
  'a.kreis_ars',
  'a.email',
  'a.active',
] as const;

/** A participant as the API shows it: its authority and where it stands. */
function toParticipantView(row: {
  ars: string;
  name: string;
  kind: string;
  kreis_ars: string | null;
  email: string | null;
  active: boolean;
  stage: string;
  revision: number;
  updated_at: Date;
}, context: unknown) {
  return {
    ars: row.ars,
    name: row.name,
    kind: row.kind,
    kreisArs: row.kreis_ars,
    email: row.email,
    authorityActive: row.active,
    stage: row.stage,
    context,
    revision: row.revision,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** How the participant list can be ordered; the ARS breaks ties. */
export const PARTICIPANT_SORTS = ['name', 'ars', 'stage', 'updatedAt'] as const;
export type ParticipantSort = (typeof PARTICIPANT_SORTS)[number];

export interface ParticipantFilter {
  stage?: string[];
  kind?: string[];
  /** ARS of a Landkreis (or kreisfreie Stadt): its participants. */
  kreisArs?: string;
  /** Members of this wave (planned or started). */
  waveId?: string;
  /** Reported not ready for this reason (readiness.gruende). */
  readinessReason?: string;
  /** true: only participants with an open blocking ticket; false: only those without. */
  blocked?: boolean;
  /** Coverage: responsible, live, or responsible and not yet live (coverage-groups.ts). */
  coverage?: CoverageGroup;
  /** Only those whose answer is overdue at this time (answer-overdue.ts). */
  answerOverdueAt?: Date;
  /** Part of the name or of the ARS. */
  q?: string;
  sort?: ParticipantSort;
  descending?: boolean;
  limit: number;
  offset: number;
  /** The page after this cursor (nextCursor of the page before): sort name or ars only, no offset. */
  after?: string;
  /** Count every participant the filter matches (default; a second query, cheap without filters beyond the stage). */
  withTotal?: boolean;
}

/** The stage column sorts in the machine's order (vorgemerkt … live), not alphabetically. */
const stageRank = sql<number>`case p.stage ${sql.join(
  PARTICIPANT_STAGES.map((stage, index) => sql`when ${stage} then ${sql.lit(index)}`),
  sql` `,
)} else ${sql.lit(PARTICIPANT_STAGES.length)} end`;

export interface ParticipantPage {
  /** Only when counted (ParticipantFilter.withTotal). */
  total?: number;
  /** The next page's `after` (sort name or ars), null on the last page. */
  nextCursor: string | null;
  items: Array<ReturnType<typeof toParticipantView> & { waves: { id: string; name: string }[]; openBlockingTickets: number }>;
}

/** The sorts a page can follow by key: (name, ARS) along authority_name_ars_idx, or the ARS along the primary key. */
const KEYSET_SORTS: readonly (ParticipantSort | undefined)[] = [undefined, 'name', 'ars'];

/** An opaque cursor: the last row's name and ARS. */
function encodeCursor(row: { name: string; ars: string }): string {
  return Buffer.from(JSON.stringify([row.name, row.ars]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { name: string; ars: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && /^[0-9]{12}$/.test(value[1])) {
      return { name: value[0], ars: value[1] };
    }
  } catch {
    /* refused below */
  }
  throw new InvalidInputError('Ungültiger Cursor', [{ field: '/querystring/after', message: 'nextCursor einer vorherigen Seite erwartet' }]);
}

export function listParticipants(db: Db, solutionId: string, filter: ParticipantFilter & { withTotal?: true }): Promise<ParticipantPage & { total: number }>;
export function listParticipants(db: Db, solutionId: string, filter: ParticipantFilter): Promise<ParticipantPage>;
export async function listParticipants(db: Db, solutionId: string, filter: ParticipantFilter): Promise<ParticipantPage> {
  const keyset = KEYSET_SORTS.includes(filter.sort);
  if (filter.after !== undefined && (!keyset || filter.offset > 0)) {
    throw new InvalidInputError('after geht nur mit sort=name oder sort=ars und ohne offset', [
      { field: '/querystring/after', message: 'nur mit sort=name oder sort=ars, ohne offset' },
    ]);
  }
  const after = filter.after === undefined ? null : decodeCursor(filter.after);
  let query = db
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .where('p.solution_id', '=', solutionId);
  // only the participant's own columns: the total can be counted without the authorities
  let ownOnly = true;
  if (filter.stage?.length) query = query.where('p.stage', 'in', filter.stage);
  if (filter.coverage) query = query.where('p.stage', 'in', [...COVERAGE_GROUP_STAGES[filter.coverage]]);
  if (filter.kind?.length || filter.kreisArs || filter.q || filter.waveId || filter.readinessReason || filter.answerOverdueAt || filter.blocked !== undefined) ownOnly = false;
  if (filter.kind?.length) query = query.where('a.kind', 'in', filter.kind as never[]);
  if (filter.kreisArs) query = query.where('a.kreis_ars', '=', filter.kreisArs);
  if (filter.q) {
    const pattern = containsPattern(filter.q);
    query = query.where((eb) => eb.or([eb(sql`lower(a.name)`, 'like', pattern), eb('p.ars', 'like', pattern)]));
  }
  if (filter.waveId) {
    const waveId = filter.waveId;
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('wave_member as m').select('m.ars').whereRef('m.solution_id', '=', 'p.solution_id').whereRef('m.ars', '=', 'p.ars').where('m.wave_id', '=', waveId)),
    );
  }
  if (filter.readinessReason) {
    query = query.where(sql<boolean>`coalesce(p.snapshot #> '{context,readiness,gruende}', '[]'::jsonb) @> ${JSON.stringify([filter.readinessReason])}::jsonb`);
  }
  if (filter.answerOverdueAt) query = query.where(answerOverdue(filter.answerOverdueAt));
  if (filter.blocked !== undefined) {
    const blocked = filter.blocked;
    query = query.where((eb) => {
      const open = eb.exists(
        eb
          .selectFrom('ticket as t')
          .select('t.id')
          .whereRef('t.solution_id', '=', 'p.solution_id')
          .whereRef('t.ars', '=', 'p.ars')
          .where('t.blocking', '=', true)
          .where('t.stage', 'in', [...TICKET_OPEN_STAGES]),
      );
      return blocked ? open : eb.not(open);
    });
  }
  const direction = filter.descending ? 'desc' : 'asc';
  const beyond = filter.descending ? sql.raw('<') : sql.raw('>');
  let page = query.select(PARTICIPANT_COLUMNS);
  if (filter.sort === 'ars') {
    if (after) page = page.where(sql<boolean>`p.ars ${beyond} ${after.ars}`);
    page = page.orderBy('p.ars', direction);
  } else if (filter.sort === 'stage') {
    page = page.orderBy(stageRank, direction).orderBy('a.name').orderBy('p.ars');
  } else if (filter.sort === 'updatedAt') {
    page = page.orderBy('p.updated_at', direction).orderBy('p.ars');
  } else {
    // a.ars (= p.ars by the join) so that the comparison and the order are those of authority_name_ars_idx
    if (after) page = page.where(sql<boolean>`(a.name, a.ars) ${beyond} (${after.name}, ${after.ars})`);
    page = page.orderBy('a.name', direction).orderBy('a.ars', direction);
  }
  const counting = filter.withTotal !== false
    ? ownOnly
      ? db
          .selectFrom('participant as p')
          .select(sql<number>`count(*)::int`.as('n'))
          .where('p.solution_id', '=', solutionId)
          .$if(Boolean(filter.stage?.length), (q) => q.where('p.stage', 'in', filter.stage!))
          .$if(Boolean(filter.coverage), (q) => q.where('p.stage', 'in', [...COVERAGE_GROUP_STAGES[filter.coverage!]]))
          .executeTakeFirstOrThrow()
      : query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
    : null;
  // one row more than the page: whether there is a next page, without counting
  const [fetched, count] = await Promise.all([page.limit(filter.limit + 1).offset(filter.offset).execute(), counting]);
  const rows = fetched.slice(0, filter.limit);
  const last = rows[rows.length - 1];
  const extras = await participantExtras(db, solutionId, rows.map((row) => row.ars));
  return {
    ...(count ? { total: Number(count.n) } : {}),
    nextCursor: keyset && fetched.length > filter.limit && last ? encodeCursor(last) : null,
    items: rows.map((row) => ({
      ...toParticipantView(row, (row.snapshot as { context?: unknown }).context ?? null),
      waves: extras.waves.get(row.ars) ?? [],
      openBlockingTickets: extras.blocking.get(row.ars) ?? 0,
    })),
  };
}

/** For one page of participants: the waves each belongs to (oldest first) and its open blocking tickets. */
async function participantExtras(db: Db, solutionId: string, ars: string[]) {
  const waves = new Map<string, { id: string; name: string }[]>();
  const blocking = new Map<string, number>();
  if (ars.length === 0) return { waves, blocking };
  const [memberships, tickets] = await Promise.all([
    db
      .selectFrom('wave_member as m')
      .innerJoin('wave as w', 'w.id', 'm.wave_id')
      .select(['m.ars', 'w.id', 'w.name'])
      .where('m.solution_id', '=', solutionId)
      .where('m.ars', 'in', ars)
      .orderBy('w.created_at')
      .orderBy('w.name')
      .execute(),
    db
      .selectFrom('ticket')
      .select(['ars', sql<number>`count(*)::int`.as('n')])
      .where('solution_id', '=', solutionId)
      .where('ars', 'in', ars)
      .where('blocking', '=', true)
      .where('stage', 'in', [...TICKET_OPEN_STAGES])
      .groupBy('ars')
      .execute(),
  ]);
  for (const row of memberships) waves.set(row.ars, [...(waves.get(row.ars) ?? []), { id: row.id, name: row.name }]);
  for (const row of tickets) blocking.set(row.ars, Number(row.n));
  return { waves, blocking };
}

/** The Kreise (Landkreise, kreisfreie Städte) the solution's participants lie in, for a filter: ARS and name, by name. */
export async function listParticipantKreise(db: Db, solutionId: string) {
  const rows = await db
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .innerJoin('authority as k', 'k.ars', 'a.kreis_ars')
    .select(['k.ars', 'k.name'])
    .distinct()
    .where('p.solution_id', '=', solutionId)
    .orderBy('k.name')
    .execute();
  return rows.map((row) => ({ ars: row.ars, name: row.name }));
}

/** `reader`: its allowed and blocked events are those this role may send (roles.ts). */
export async function getParticipant(db: Db, workflows: WorkflowRegistry, solutionId: string, ars: string, reader: Role) {
  const row = await participantRows(db, solutionId, [ars]).executeTakeFirst();
  if (!row) throw new NotFoundError(`Behörde ${ars} ist nicht Teilnehmerin dieser Lösung`);
  return participantDetail(db, workflows, solutionId, row, reader);
}

/**
 * getParticipant for many authorities of one solution (a page listing each one's buttons):
 * one query for their rows, then each one's event choice as getParticipant makes it. In
 * the order of `ars`; an ARS that is no participant is left out.
 */
export async function getParticipants(db: Db, workflows: WorkflowRegistry, solutionId: string, ars: readonly string[], reader: Role) {
  if (ars.length === 0) return [];
  const rows = await participantRows(db, solutionId, ars).execute();
  const byArs = new Map(rows.map((row) => [row.ars.trim(), row]));
  const details = [];
  for (const one of ars) {
    const row = byArs.get(one.trim());
    if (row) details.push(await participantDetail(db, workflows, solutionId, row, reader));
  }
  return details;
}

function participantRows(db: Db, solutionId: string, ars: readonly string[]) {
  return db
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .innerJoin('solution as s', 's.id', 'p.solution_id')
    .select([...PARTICIPANT_COLUMNS, 's.stage as solution_stage'])
    .where('p.solution_id', '=', solutionId)
    .where('p.ars', 'in', ars);
}

type ParticipantRow = Awaited<ReturnType<ReturnType<typeof participantRows>['executeTakeFirstOrThrow']>>;

async function participantDetail(db: Db, workflows: WorkflowRegistry, solutionId: string, row: ParticipantRow, reader: Role) {
  const snapshot = restoreSnapshot(participantMachine, row.snapshot);
  const choice = await participantEventChoice(db, workflows, { solutionId, ars: row.ars, solutionStage: row.solution_stage, snapshot });
  return { ...toParticipantView(row, snapshot.context), ...choiceForRole(choice, reader, 'participant') };
}

/** `newestFirst`: the latest `limit` entries, newest first (for a timeline; no paging by afterId then). */
export async function listHistory(
  db: Db,
  solutionId: string,
  filter: { ars?: string; afterId?: number; limit: number; newestFirst?: boolean },
) {
  // A ticket's rows belong to its own timeline (GET /tickets/:ticketId), with its internal changes.
  let query = db.selectFrom('history').selectAll().where('solution_id', '=', solutionId).where('ticket_id', 'is', null);
  if (filter.ars) query = query.where('participant_ars', '=', filter.ars);
  if (filter.afterId) query = query.where('id', '>', filter.afterId);
  const rows = await query.orderBy('id', filter.newestFirst ? 'desc' : 'asc').limit(filter.limit).execute();
  return {
    items: rows.map((row) => ({
      id: row.id,
      participantArs: row.participant_ars,
      eventType: row.event_type,
      event: row.event,
      fromStage: row.from_stage,
      toStage: row.to_stage,
      actor: row.actor,
      machineVersion: row.machine_version,
      at: row.created_at.toISOString(),
    })),
    nextAfterId: rows.length === filter.limit ? rows[rows.length - 1]!.id : null,
  };
}

/** ARS → name of those of `ars` that are participants of the solution (for a bulk action's pages). */
export async function participantNames(db: Db, solutionId: string, ars: readonly string[]): Promise<Map<string, string>> {
  if (ars.length === 0) return new Map();
  const rows = await db
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .select(['p.ars', 'a.name'])
    .where('p.solution_id', '=', solutionId)
    .where('p.ars', 'in', [...ars])
    .execute();
  return new Map(rows.map((row) => [row.ars, row.name]));
}
