import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { mayReadTickets } from '../auth/roles.ts';
import { loadAccessibleSolution } from '../solutions/solution.service.ts';
import { ANSWER_PENDING, waveDeadlinePassed } from '../solutions/answer-overdue.ts';
import { loadWave } from './wave.service.ts';
import { READINESS_GRUENDE, TICKET_OPEN_STAGES, type Readiness } from '../../workflows/index.ts';

type Db = Kysely<Database>;

const DAY_MS = 24 * 60 * 60 * 1000;

interface MemberContext {
  readiness?: Readiness | null;
}

/**
 * Where one wave stands: members per stage, who let the answer deadline pass without a
 * readiness answer, what the not-yet-ready are waiting for, and when the "ready from"
 * answers expect to go live (per month). Read from the participants' snapshots: a
 * wave has at most a few hundred members.
 *
 * Overdue: the wave started, the member is still `eingeladen` without a readiness answer,
 * and the wave's start plus its fristTage lies in the past (answer-overdue.ts, the rule
 * the statewide overview counts with).
 */
export async function getWaveProgress(db: Db, principal: Principal, solutionId: string, waveId: string, now: Date) {
  await loadAccessibleSolution(db, principal, solutionId);
  const wave = await loadWave(db, solutionId, waveId);
  const members = await db
    .selectFrom('wave_member as m')
    .innerJoin('participant as p', (join) => join.onRef('p.solution_id', '=', 'm.solution_id').onRef('p.ars', '=', 'm.ars'))
    .innerJoin('authority as a', 'a.ars', 'm.ars')
    .innerJoin('wave as w', 'w.id', 'm.wave_id')
    .select(['m.ars', 'a.name', 'p.stage', 'p.snapshot', sql<boolean>`${ANSWER_PENDING} and ${waveDeadlinePassed(now)}`.as('overdue')])
    .where('m.wave_id', '=', waveId)
    .orderBy('m.ars')
    .execute();

  // Members an open blocking ticket holds back from going live (issue 9), with the tickets –
  // whose id, number and title only roles with ticket access read; the others (the
  // Landesredaktion) learn how many tickets of the Kaz hold the member back.
  const withTickets = mayReadTickets(principal.role);
  const blockingRows = await db
    .selectFrom('wave_member as m')
    .innerJoin('ticket as t', (join) => join.onRef('t.solution_id', '=', 'm.solution_id').onRef('t.ars', '=', 'm.ars'))
    .innerJoin('authority as a', 'a.ars', 'm.ars')
    .select(['m.ars', 'a.name', 't.id', 't.number', 't.title'])
    .where('m.wave_id', '=', waveId)
    .where('t.blocking', '=', true)
    .where('t.stage', 'in', [...TICKET_OPEN_STAGES])
    .orderBy('m.ars')
    .orderBy('t.number')
    .execute();
  type Ticket = { id: string; number: number; title: string };
  const blocked = new Map<string, { ars: string; name: string; ticketCount: number; tickets?: Ticket[] }>();
  for (const row of blockingRows) {
    const entry = blocked.get(row.ars) ?? { ars: row.ars, name: row.name, ticketCount: 0, ...(withTickets ? { tickets: [] as Ticket[] } : {}) };
    entry.ticketCount++;
    entry.tickets?.push({ id: row.id, number: Number(row.number), title: row.title });
    blocked.set(row.ars, entry);
  }

  const deadline = wave.started_at && wave.frist_tage ? new Date(wave.started_at.getTime() + wave.frist_tage * DAY_MS) : null;
  const byStage: Record<string, number> = {};
  const readiness = { bereit: 0, bereitAb: 0, nichtBereit: 0, keineAntwort: 0 };
  const gruende: Record<string, number> = Object.fromEntries(READINESS_GRUENDE.map((grund) => [grund, 0]));
  const bereitAbMonate: Record<string, number> = {};
  const overdue: { ars: string; name: string }[] = [];
  for (const member of members) {
    byStage[member.stage] = (byStage[member.stage] ?? 0) + 1;
    const answer = (member.snapshot as { context?: MemberContext }).context?.readiness ?? null;
    if (!answer) readiness.keineAntwort++;
    else if (answer.status === 'bereit') readiness.bereit++;
    else if (answer.status === 'bereit-ab') {
      readiness.bereitAb++;
      if (answer.ab) {
        const month = answer.ab.slice(0, 7);
        bereitAbMonate[month] = (bereitAbMonate[month] ?? 0) + 1;
      }
    } else {
      readiness.nichtBereit++;
      for (const grund of answer.gruende ?? []) gruende[grund] = (gruende[grund] ?? 0) + 1;
    }
    if (member.overdue) {
      overdue.push({ ars: member.ars, name: member.name });
    }
  }
  return {
    waveId: wave.id,
    name: wave.name,
    state: wave.state,
    targetDate: wave.target_date,
    startedAt: wave.started_at ? wave.started_at.toISOString() : null,
    antwortfristBis: deadline ? deadline.toISOString() : null,
    members: members.length,
    byStage,
    readiness,
    nichtBereitGruende: gruende,
    erwarteterStartProMonat: Object.entries(bereitAbMonate)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([month, count]) => ({ month, count })),
    overdue: { count: overdue.length, authorities: overdue },
    blockiert: { count: blocked.size, authorities: [...blocked.values()] },
  };
}
