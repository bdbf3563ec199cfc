import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { mayReadTickets } from '../auth/roles.ts';
import { answerOverdue } from '../solutions/answer-overdue.ts';
import { slaState } from '../tickets/ticket.service.ts';
import { NOT_RESPONSIBLE_STAGES } from '../solutions/coverage-groups.ts';
import { PARTICIPANT_LINKED_STAGES, READINESS_GRUENDE, SOLUTION_STAGES, TICKET_OPEN_STAGES, type SolutionStage } from '../../workflows/index.ts';

type Db = Kysely<Database>;

/**
 * The statewide overview ("Lagebild"): every rollout the person may see on one page –
 * solutions per stage, how many solutions each authority has live, and where rollouts
 * are stuck (overdue answers, breached SLAs, readiness reasons, blocking tickets). A
 * ministry sees its own solutions only (the scope of listSolutions), everyone else all.
 *
 * A handful of set-based queries for the whole page, each grouped in SQL – never one per
 * solution or authority: one pass over participants × authorities grouped by solution and
 * Kreis (the solutions' counts are its sums), one grouped by authority (the distribution
 * and the top are read off its rows), the Gründe, the tickets. PGlite keeps no planner
 * statistics (no autovacuum), so the shapes avoid joins the planner would run row by row:
 * names are joined after grouping.
 * Responsible: a participant neither `nicht-zustaendig` nor `ausgeschlossen`; live:
 * PARTICIPANT_LINKED_STAGES (pilot-live, live); overdue: answer-overdue.ts; SLA
 * überschritten: the ticket board's slaState.
 */

const RESPONSIBLE = sql<boolean>`p.stage not in (${sql.join([...NOT_RESPONSIBLE_STAGES])})`;
const LINKED = sql<boolean>`p.stage in (${sql.join(PARTICIPANT_LINKED_STAGES)})`;
const count = (condition?: RawBuilder<boolean>) =>
  condition ? sql<number>`(count(*) filter (where ${condition}))::int` : sql<number>`count(*)::int`;
/** How many authorities the list of those with most solutions live names. */
export const TOP_AUTHORITIES = 10;
/** Blocking tickets named on the page (ticket roles only); the count is always complete. */
export const BLOCKING_TICKETS_LISTED = 50;
/** Authorities listed for one "n solutions live" number; more than Brandenburg has. */
const AUTHORITIES_LISTED = 2000;

export type Gruende = Record<(typeof READINESS_GRUENDE)[number], number>;
const noGruende = (): Gruende => Object.fromEntries(READINESS_GRUENDE.map((g) => [g, 0])) as Gruende;

export interface StatewideSolution {
  id: string;
  title: string;
  leadMinistry: string;
  stage: SolutionStage;
  participants: number;
  responsible: number;
  live: number;
  pilotLive: number;
  /** (live + pilotLive) of responsible, whole percent. */
  livePercent: number;
  /** Kreise with responsible authorities, and those where every one of them is live. */
  kreise: number;
  kreiseFlaechendeckend: number;
  overdue: number;
  slaBreached: number;
  blockingTickets: number;
  blockedAuthorities: number;
  nichtBereitGruende: Gruende;
}

const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.floor((part * 100) / whole));

function participantsOfScope(db: Db, principal: Principal) {
  const query = db.selectFrom('participant as p').innerJoin('solution as s', 's.id', 'p.solution_id');
  return principal.role === 'ministry' ? query.where('s.lead_ministry', '=', principal.ministry ?? '') : query;
}

export async function getStatewideOverview(db: Db, principal: Principal, now: Date) {
  const withTickets = mayReadTickets(principal.role);
  const ticketsOfScope = () => {
    const query = db.selectFrom('ticket as t').innerJoin('solution as s', 's.id', 't.solution_id').where('t.stage', 'in', [...TICKET_OPEN_STAGES]);
    return principal.role === 'ministry' ? query.where('s.lead_ministry', '=', principal.ministry ?? '') : query;
  };
  // per solution and Kreis, the one pass over participants × authorities: the solutions'
  // counts are its sums, the Kreise flächendeckend and the pairs per Kreis its rows
  const perSolutionAndKreis = participantsOfScope(db, principal)
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .select([
      'p.solution_id',
      'a.kreis_ars',
      count().as('participants'),
      count(RESPONSIBLE).as('responsible'),
      count(sql<boolean>`p.stage = 'live'`).as('live'),
      count(sql<boolean>`p.stage = 'pilot-live'`).as('pilot_live'),
      count(answerOverdue(now)).as('overdue'),
    ])
    .groupBy(['p.solution_id', 'a.kreis_ars'])
    .as('x');
  // per authority (responsible somewhere): how many solutions it has live; the names joined after grouping
  const perAuthority = participantsOfScope(db, principal).select(['p.ars', count(LINKED).as('live'), count().as('responsible')]).where(RESPONSIBLE).groupBy('p.ars').as('per');
  const [solutionRows, kreisRows, ticketRows, grundRows, authorityRows, blockingList] = await Promise.all([
    db
      .selectFrom('solution as s')
      .$if(principal.role === 'ministry', (q) => q.where('s.lead_ministry', '=', principal.ministry ?? ''))
      .select(['s.id', 's.title', 's.lead_ministry', 's.stage'])
      .orderBy('s.title')
      .orderBy('s.id')
      .execute(),
    db.selectFrom(perSolutionAndKreis).leftJoin('authority as k', 'k.ars', 'x.kreis_ars').selectAll('x').select('k.name as kreis_name').execute(),
    ticketsOfScope()
      .select([
        't.solution_id',
        count(sql<boolean>`${slaState(now)} = 'ueberschritten'`).as('sla_breached'),
        count(sql<boolean>`t.blocking`).as('blocking'),
        sql<number>`(count(distinct t.ars) filter (where t.blocking))::int`.as('blocked'),
      ])
      .groupBy('t.solution_id')
      .execute(),
    // the participant list's grund filter: readiness.gruende contains the Grund
    participantsOfScope(db, principal)
      .innerJoin(
        sql<{ value: string }>`lateral jsonb_array_elements_text(case when jsonb_typeof(p.snapshot #> '{context,readiness,gruende}') = 'array' then p.snapshot #> '{context,readiness,gruende}' else '[]'::jsonb end)`.as('g'),
        (join) => join.onTrue(),
      )
      .select(['p.solution_id', 'g.value as grund', count().as('n')])
      .groupBy(['p.solution_id', 'g.value'])
      .execute(),
    db.selectFrom(perAuthority).innerJoin('authority as a', 'a.ars', 'per.ars').select(['per.ars', 'per.live', 'per.responsible', 'a.name']).execute(),
    withTickets
      ? ticketsOfScope()
          .innerJoin('authority as a', 'a.ars', 't.ars')
          .select(['t.id', 't.number', 't.title', 't.solution_id', 's.title as solution_title', 't.ars', 'a.name as authority_name', slaState(now).as('sla_state')])
          .where('t.blocking', '=', true)
          .orderBy('t.number')
          .limit(BLOCKING_TICKETS_LISTED)
          .execute()
      : Promise.resolve(null),
  ]);

  const tickets = new Map(ticketRows.map((row) => [row.solution_id, row]));
  const gruende = new Map<string, Gruende>();
  for (const row of grundRows) {
    const entry = gruende.get(row.solution_id) ?? noGruende();
    if (row.grund in entry) entry[row.grund as keyof Gruende] = Number(row.n);
    gruende.set(row.solution_id, entry);
  }
  type Sums = { participants: number; responsible: number; live: number; pilotLive: number; overdue: number; kreise: number; flaechendeckend: number };
  const sumsOf = new Map<string, Sums>();
  const perKreis = new Map<string, { ars: string | null; name: string | null; responsible: number; live: number }>();
  for (const row of kreisRows) {
    const responsible = Number(row.responsible);
    const live = Number(row.live) + Number(row.pilot_live);
    const sums = sumsOf.get(row.solution_id) ?? { participants: 0, responsible: 0, live: 0, pilotLive: 0, overdue: 0, kreise: 0, flaechendeckend: 0 };
    sums.participants += Number(row.participants);
    sums.responsible += responsible;
    sums.live += Number(row.live);
    sums.pilotLive += Number(row.pilot_live);
    sums.overdue += Number(row.overdue);
    if (responsible > 0) {
      sums.kreise++;
      if (live === responsible) sums.flaechendeckend++;
    }
    sumsOf.set(row.solution_id, sums);
    const key = row.kreis_ars ?? '';
    const kreis = perKreis.get(key) ?? { ars: row.kreis_ars, name: row.kreis_name, responsible: 0, live: 0 };
    kreis.responsible += responsible;
    kreis.live += live;
    perKreis.set(key, kreis);
  }

  const solutions: StatewideSolution[] = solutionRows.map((row) => {
    const ticket = tickets.get(row.id);
    const sums = sumsOf.get(row.id);
    const live = sums?.live ?? 0;
    const pilotLive = sums?.pilotLive ?? 0;
    const responsible = sums?.responsible ?? 0;
    return {
      id: row.id,
      title: row.title,
      leadMinistry: row.lead_ministry,
      stage: row.stage as SolutionStage,
      participants: sums?.participants ?? 0,
      responsible,
      live,
      pilotLive,
      livePercent: percent(live + pilotLive, responsible),
      kreise: sums?.kreise ?? 0,
      kreiseFlaechendeckend: sums?.flaechendeckend ?? 0,
      overdue: sums?.overdue ?? 0,
      slaBreached: Number(ticket?.sla_breached ?? 0),
      blockingTickets: Number(ticket?.blocking ?? 0),
      blockedAuthorities: Number(ticket?.blocked ?? 0),
      nichtBereitGruende: gruende.get(row.id) ?? noGruende(),
    };
  });

  const sum = (pick: (s: StatewideSolution) => number) => solutions.reduce((total, s) => total + pick(s), 0);
  const totalGruende = noGruende();
  for (const s of solutions) for (const g of READINESS_GRUENDE) totalGruende[g] += s.nichtBereitGruende[g];
  const authorities = authorityRows.map((row) => ({ ars: row.ars, name: row.name, live: Number(row.live), responsible: Number(row.responsible) }));
  const distribution = new Map<number, number>();
  for (const a of authorities) distribution.set(a.live, (distribution.get(a.live) ?? 0) + 1);
  const byLive = [...distribution].sort(([a], [b]) => a - b).map(([live, n]) => ({ live, authorities: n }));
  const top = authorities
    .filter((a) => a.live > 0)
    .sort((a, b) => b.live - a.live || a.name.localeCompare(b.name, 'de') || a.ars.localeCompare(b.ars))
    .slice(0, TOP_AUTHORITIES);
  return {
    scope: principal.role === 'ministry' ? { ministry: principal.ministry ?? null } : { ministry: null },
    stages: SOLUTION_STAGES.map((stage) => ({ stage, solutions: solutions.filter((s) => s.stage === stage).length })),
    solutions,
    authorities: {
      responsible: authorities.length,
      byLiveCount: byLive,
      top,
    },
    kreise: [...perKreis.values()]
      .sort((a, b) => (a.name ?? '￿').localeCompare(b.name ?? '￿', 'de'))
      .map((k) => ({ ars: k.ars, name: k.name, responsible: k.responsible, live: k.live, percent: percent(k.live, k.responsible) })),
    stuck: {
      overdue: sum((s) => s.overdue),
      slaBreached: sum((s) => s.slaBreached),
      blockingTickets: sum((s) => s.blockingTickets),
      blockedAuthorities: sum((s) => s.blockedAuthorities),
      nichtBereitGruende: totalGruende,
    },
    ...(blockingList
      ? {
          blockingTicketList: blockingList.map((row) => ({
            id: row.id,
            number: Number(row.number),
            title: row.title,
            solutionId: row.solution_id,
            solutionTitle: row.solution_title,
            ars: row.ars,
            authorityName: row.authority_name,
            sla: row.sla_state,
          })),
        }
      : {}),
  };
}

export type StatewideOverview = Awaited<ReturnType<typeof getStatewideOverview>>;

/**
 * The authorities (responsible somewhere in the person's scope) with exactly `live`
 * solutions live – the list behind one number of the distribution, by name.
 */
export async function listAuthoritiesByLiveCount(db: Db, principal: Principal, live: number) {
  const perAuthority = participantsOfScope(db, principal)
    .select(['p.ars', count(LINKED).as('live'), count().as('responsible')])
    .where(RESPONSIBLE)
    .groupBy('p.ars')
    .having(sql<boolean>`count(*) filter (where ${LINKED}) = ${live}`)
    .as('per');
  const rows = await db
    .selectFrom(perAuthority)
    .innerJoin('authority as a', 'a.ars', 'per.ars')
    .select(['per.ars', 'a.name', 'a.kreis_ars', 'per.live', 'per.responsible'])
    .orderBy('a.name')
    .orderBy('per.ars')
    .limit(AUTHORITIES_LISTED)
    .execute();
  return rows.map((row) => ({ ars: row.ars, name: row.name, kreisArs: row.kreis_ars, live: Number(row.live), responsible: Number(row.responsible) }));
}
