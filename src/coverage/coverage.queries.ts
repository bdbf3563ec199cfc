import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { mayReadTickets } from '../auth/roles.ts';
import { loadAccessibleSolution } from '../solutions/solution.service.ts';
import { COVERAGE_GROUP_STAGES } from '../solutions/coverage-groups.ts';
import { answerOverdue } from '../solutions/answer-overdue.ts';
import { PARTICIPANT_STAGE_LABELS } from '../responses/stage.words.ts';
import { TICKET_OPEN_STAGES, type ParticipantStage, type Readiness } from '../../workflows/index.ts';

/**
 * A solution's coverage per Kreis (issue 17): for each Landkreis and kreisfreie Stadt how
 * many of the solution's responsible authorities there are live, whether the service is
 * flächendeckend there (every responsible authority live), and – where it is not – who is
 * missing, at which stage, and what each waits for. Three set-based queries for the whole
 * solution (participants, open tickets, the latest invitations), whatever its size.
 *
 * Kreis: the authority's `kreis_ars`; the directory import gives a Landkreis and a
 * kreisfreie Stadt their own ARS there, so a Kreis-level authority belongs to itself.
 */

type Db = Kysely<Database>;

const DAY_MS = 24 * 60 * 60 * 1000;
const RESPONSIBLE = new Set<string>(COVERAGE_GROUP_STAGES.zustaendig);
const LIVE = new Set<string>(COVERAGE_GROUP_STAGES.live);
/** Stages that wait for an answer of the authority (interest, application, readiness). */
const ANSWER_AWAITED = new Set<string>(['informiert', 'interessiert', 'pilot-kandidat', 'eingeladen']);

export interface CoverageTicket {
  id: string;
  number: number;
  title: string;
}

/**
 * What a missing authority waits for; several may hold at once. `tickets` only for roles
 * with ticket access (mayReadTickets) – the others learn how many.
 */
export interface CoverageBlocker {
  kind: 'nicht-bereit' | 'bereit-ab' | 'blockierende-tickets' | 'offene-tickets' | 'ueberfaellig' | 'abgelehnt' | 'keine-antwort';
  gruende?: string[];
  freitext?: string | null;
  ab?: string;
  count?: number;
  tickets?: CoverageTicket[];
  fristBis?: string | null;
  reason?: string | null;
}

export interface MissingAuthority {
  ars: string;
  name: string;
  stage: string;
  /** The stage in the authority pages' words (stage.words.ts). */
  stageLabel: string;
  blockers: CoverageBlocker[];
}

export interface KreisCoverage {
  /** null: authorities the directory puts in no Kreis. */
  kreisArs: string | null;
  name: string;
  responsible: number;
  live: number;
  /** live of responsible, rounded down: 99.6 % reads 99. */
  percent: number;
  flaechendeckend: boolean;
  /** By name; empty where flächendeckend. */
  missing: MissingAuthority[];
}

export interface Coverage {
  solutionId: string;
  /** When it was read (ISO). */
  asOf: string;
  /** Whether ticket numbers and titles are shown to this reader. */
  ticketDetails: boolean;
  land: { responsible: number; live: number; percent: number; flaechendeckend: boolean; kreise: number; kreiseFlaechendeckend: number };
  kreise: KreisCoverage[];
}

export const percentOf = (live: number, responsible: number) => (responsible === 0 ? 0 : Math.floor((live * 100) / responsible));

interface ParticipantFacts {
  readiness: Readiness | null;
  reason: string | null;
  fristTage: number | null;
}

export async function getCoverage(db: Db, principal: Principal, solutionId: string, now: Date): Promise<Coverage> {
  await loadAccessibleSolution(db, principal, solutionId);
  const withTickets = mayReadTickets(principal.role);
  const [participants, tickets, invitations] = await Promise.all([
    db
      .selectFrom('participant as p')
      .innerJoin('authority as a', 'a.ars', 'p.ars')
      .leftJoin('authority as k', 'k.ars', 'a.kreis_ars')
      .select([
        'p.ars',
        'p.stage',
        'a.name',
        'a.kreis_ars',
        'k.name as kreis_name',
        sql<ParticipantFacts>`jsonb_build_object(
          'readiness', p.snapshot #> '{context,readiness}',
          'reason', p.snapshot #> '{context,reason}',
          'fristTage', p.snapshot #> '{context,fristTage}')`.as('facts'),
        answerOverdue(now).as('overdue'),
      ])
      .where('p.solution_id', '=', solutionId)
      .execute(),
    db
      .selectFrom('ticket')
      .select(['ars', 'id', 'number', 'title', 'blocking'])
      .where('solution_id', '=', solutionId)
      .where('stage', 'in', [...TICKET_OPEN_STAGES])
      .orderBy('number')
      .execute(),
    // when each was invited last: its answer deadline is that plus its fristTage (the machine's timer)
    db
      .selectFrom('history')
      .select(['participant_ars as ars', (eb) => eb.fn.max('created_at').as('at')])
      .where('solution_id', '=', solutionId)
      .where('event_type', '=', 'EINLADEN')
      .where('participant_ars', 'is not', null)
      .groupBy('participant_ars')
      .execute(),
  ]);

  const ticketsOf = new Map<string, { blocking: CoverageTicket[]; other: CoverageTicket[] }>();
  for (const t of tickets) {
    const entry = ticketsOf.get(t.ars) ?? { blocking: [], other: [] };
    (t.blocking ? entry.blocking : entry.other).push({ id: t.id, number: Number(t.number), title: t.title });
    ticketsOf.set(t.ars, entry);
  }
  const invitedAt = new Map(invitations.map((row) => [row.ars!, new Date(row.at).getTime()]));

  const ticketBlocker = (kind: 'blockierende-tickets' | 'offene-tickets', list: CoverageTicket[]): CoverageBlocker[] =>
    list.length ? [{ kind, count: list.length, ...(withTickets ? { tickets: list } : {}) }] : [];

  function blockersOf(p: (typeof participants)[number]): CoverageBlocker[] {
    const facts: Partial<ParticipantFacts> = p.facts ?? {};
    const readiness = facts.readiness ?? null;
    const blockers: CoverageBlocker[] = [];
    if (p.stage === 'abgelehnt') blockers.push({ kind: 'abgelehnt', reason: facts.reason ?? null });
    if (readiness?.status === 'nicht-bereit') blockers.push({ kind: 'nicht-bereit', gruende: readiness.gruende ?? [], freitext: readiness.freitext ?? null });
    if (readiness?.status === 'bereit-ab' && readiness.ab) blockers.push({ kind: 'bereit-ab', ab: readiness.ab });
    const own = ticketsOf.get(p.ars);
    blockers.push(...ticketBlocker('blockierende-tickets', own?.blocking ?? []), ...ticketBlocker('offene-tickets', own?.other ?? []));
    // Overdue by the one rule the wave progress, the participant list and the Lagebild use
    // (answer-overdue.ts); the deadline shown is the last invitation plus its fristTage.
    const invited = invitedAt.get(p.ars);
    const deadline = invited !== undefined && facts.fristTage ? invited + facts.fristTage * DAY_MS : undefined;
    if (p.overdue) {
      blockers.push({ kind: 'ueberfaellig', fristBis: deadline !== undefined ? new Date(deadline).toISOString() : null });
    }
    if (blockers.length === 0 && !readiness && ANSWER_AWAITED.has(p.stage)) blockers.push({ kind: 'keine-antwort' });
    return blockers;
  }

  const byKreis = new Map<string, KreisCoverage>();
  for (const p of participants) {
    const key = p.kreis_ars ?? '';
    const kreis = byKreis.get(key) ?? {
      kreisArs: p.kreis_ars,
      name: p.kreis_name ?? 'ohne Kreis',
      responsible: 0,
      live: 0,
      percent: 0,
      flaechendeckend: false,
      missing: [],
    };
    byKreis.set(key, kreis);
    // a Kreis whose authorities all left as not responsible is listed with none responsible
    if (!RESPONSIBLE.has(p.stage)) continue;
    kreis.responsible++;
    if (LIVE.has(p.stage)) kreis.live++;
    else {
      const stageLabel = PARTICIPANT_STAGE_LABELS[p.stage as ParticipantStage] ?? p.stage;
      kreis.missing.push({ ars: p.ars, name: p.name, stage: p.stage, stageLabel, blockers: blockersOf(p) });
    }
  }
  const collator = new Intl.Collator('de');
  const kreise = [...byKreis.values()]
    .map((k) => ({
      ...k,
      percent: percentOf(k.live, k.responsible),
      flaechendeckend: k.responsible > 0 && k.live === k.responsible,
      missing: k.missing.sort((a, b) => collator.compare(a.name, b.name) || a.ars.localeCompare(b.ars)),
    }))
    // by name; authorities in no Kreis last
    .sort((a, b) => Number(a.kreisArs === null) - Number(b.kreisArs === null) || collator.compare(a.name, b.name));
  const responsible = kreise.reduce((sum, k) => sum + k.responsible, 0);
  const live = kreise.reduce((sum, k) => sum + k.live, 0);
  return {
    solutionId,
    asOf: now.toISOString(),
    ticketDetails: withTickets,
    land: {
      responsible,
      live,
      percent: percentOf(live, responsible),
      flaechendeckend: responsible > 0 && live === responsible,
      kreise: kreise.length,
      kreiseFlaechendeckend: kreise.filter((k) => k.flaechendeckend).length,
    },
    kreise,
  };
}
