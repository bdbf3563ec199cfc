/**
 * A burst of participant events over HTTP for the crash tests (test/crash/): several
 * clients at once, each walking its share of the participants round and round through
 * the machine (proposed as pilot, confirmed – which yields an effect job – or deferred,
 * applying again, nicht zuständig and back). Every request is recorded with what its answer said, or
 * that none came (in flight when the process died; a refused connection never reached
 * it); `checkEventBurst` then holds the database to those answers.
 */
import type { Test } from 'tap';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { callApi, sleep, type ApiAnswer } from './service-process.ts';

/** Events whose reason makes each request's history row recognisable. */
const REASONED = new Set(['NICHT_ZUSTAENDIG_MELDEN', 'PILOT_ZURUECKSTELLEN']);
/** The event whose transition schedules an effect (`effect.invitePilot`): its job must exist. */
const WITH_EFFECT = { event: 'PILOT_BESTAETIGEN', job: 'effect.invitePilot' } as const;

export interface SentEvent {
  seq: number;
  ars: string;
  type: string;
  reason: string | null;
  /**
   * applied: 2xx; refused: 4xx; unavailable: 503 problem+json with Retry-After (the database
   * could not be reached – applied at most once); error: any other 5xx; unknown: no answer
   * (connection lost at a kill); not-delivered: the connection was refused (no process
   * listening), so it was never applied.
   */
  outcome: 'applied' | 'refused' | 'unavailable' | 'unknown' | 'not-delivered' | 'error';
  status: number | null;
  revision: number | null;
  historyId: number | null;
  detail: string;
}

/** The next event for a participant in `stage`, or null when its walk is over. */
function nextEvent(stage: string, seq: number): { type: string; reason?: string; quelle?: string } | null {
  const reason = `Absturztest Ereignis ${seq}`;
  switch (stage) {
    case 'vorgemerkt':
      return { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium' };
    case 'nicht-zustaendig':
      return { type: 'ZUSTAENDIGKEIT_BESTAETIGEN' };
    case 'informiert':
    case 'interessiert':
      return seq % 3 === 0 ? { type: 'NICHT_ZUSTAENDIG_MELDEN', reason } : { type: 'ALS_PILOT_BEWERBEN' };
    case 'pilot-kandidat':
      return seq % 2 === 0 ? { type: 'PILOT_BESTAETIGEN' } : { type: 'PILOT_ZURUECKSTELLEN', reason };
    case 'pilot-bestaetigt':
      // and round again
      return { type: 'NICHT_ZUSTAENDIG_MELDEN', reason };
    default:
      return null;
  }
}

/** A clean "try again later": 503, problem+json, Retry-After, a German detail naming the database. */
export function isUnavailableProblem(answer: ApiAnswer): boolean {
  return (
    answer.status === 503 &&
    answer.contentType.startsWith('application/problem+json') &&
    Number(answer.retryAfter) > 0 &&
    typeof answer.body?.detail === 'string' &&
    /Datenbank/.test(answer.body.detail) &&
    answer.body.status === 503
  );
}

export class EventBurst {
  readonly sent: SentEvent[] = [];
  private running = true;
  private seq = 0;
  private readonly stages = new Map<string, string | null>();
  private readonly base: string;
  readonly solutionId: string;
  private readonly participants: string[];

  constructor(base: string, solutionId: string, participants: string[]) {
    this.base = base;
    this.solutionId = solutionId;
    this.participants = participants;
    for (const ars of participants) this.stages.set(ars, 'vorgemerkt');
  }

  /** Starts `clients` clients; each owns every clients-th participant. */
  start(clients: number): Promise<void>[] {
    return Array.from({ length: clients }, (_, client) => this.runClient(this.participants.filter((_, i) => i % clients === client)));
  }

  async stop(clients: Promise<void>[]): Promise<void> {
    this.running = false;
    await Promise.all(clients);
  }

  private async stageOf(ars: string): Promise<string | null> {
    const known = this.stages.get(ars);
    if (known) return known;
    // After an answer that never came: what the database says now.
    const answer = await callApi(this.base, 'GET', `/api/v1/solutions/${this.solutionId}/participants/${ars}`, undefined, 10_000);
    if (answer.status !== 200) throw new Error(`participant ${ars}: ${answer.status}`);
    this.stages.set(ars, answer.body.stage);
    return answer.body.stage;
  }

  private async runClient(mine: string[]): Promise<void> {
    let turn = 0;
    while (this.running) {
      const ars = mine[turn++ % mine.length]!;
      let stage: string | null;
      try {
        stage = await this.stageOf(ars);
      } catch {
        await sleep(50); // the service is down: try again
        continue;
      }
      const seq = ++this.seq;
      const event = stage ? nextEvent(stage, seq) : null;
      if (!event) throw new Error(`participant ${ars} in stage ${stage}: no event planned`);
      const record: SentEvent = { seq, ars, type: event.type, reason: event.reason ?? null, outcome: 'unknown', status: null, revision: null, historyId: null, detail: '' };
      this.sent.push(record);
      try {
        const answer = await callApi(this.base, 'POST', `/api/v1/solutions/${this.solutionId}/participants/${ars}/events`, event, 20_000);
        record.status = answer.status;
        if (answer.status >= 200 && answer.status < 300) {
          record.outcome = 'applied';
          record.revision = answer.body.revision;
          record.historyId = answer.body.historyId;
          this.stages.set(ars, answer.body.stage);
        } else if (isUnavailableProblem(answer)) {
          record.outcome = 'unavailable';
          this.stages.set(ars, null);
          await sleep(100);
        } else if (answer.status >= 500) {
          record.outcome = 'error';
          record.detail = JSON.stringify(answer.body).slice(0, 300);
          this.stages.set(ars, null);
        } else {
          record.outcome = 'refused';
          record.detail = JSON.stringify(answer.body).slice(0, 300);
          this.stages.set(ars, null);
        }
      } catch (error) {
        const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
        record.detail = error instanceof Error ? `${error.message} ${cause?.message ?? ''}` : String(error);
        // refused: nobody listened, nothing applied; otherwise the process died with the request
        if (cause?.code === 'ECONNREFUSED') record.outcome = 'not-delivered';
        this.stages.set(ars, null);
        await this.untilServing();
      }
    }
  }

  /** Waits while no process answers (killed, starting again). */
  private async untilServing(): Promise<void> {
    while (this.running) {
      try {
        if ((await fetch(`${this.base}/health`, { signal: AbortSignal.timeout(5000) })).ok) return;
      } catch {
        // not up yet
      }
      await sleep(100);
    }
  }

  count(outcome: SentEvent['outcome']): number {
    return this.sent.filter((s) => s.outcome === outcome).length;
  }

  acknowledged(): number {
    return this.sent.filter((s) => s.outcome === 'applied').length;
  }

  inFlightAtKill(): number {
    return this.sent.filter((s) => s.outcome === 'unknown').length;
  }

  summary(): string {
    const count = (outcome: SentEvent['outcome']) => this.sent.filter((s) => s.outcome === outcome).length;
    return (
      `${this.sent.length} events sent: ${count('applied')} applied (2xx), ${count('refused')} refused (4xx), ` +
      `${count('unavailable')} 503 (database unreachable), ${count('unknown')} without answer, ` +
      `${count('not-delivered')} not delivered (no process), ${count('error')} other 5xx`
    );
  }
}

/**
 * Holds the database to the burst's answers: each 2xx event is the history row its answer
 * named, once, at the revision it named; every history row is an event that was sent
 * (acknowledged, or without answer); revisions without gaps; each confirmation's effect job.
 */
export async function checkEventBurst(t: Test, db: Kysely<Database>, burst: EventBurst): Promise<void> {
  const errors = burst.sent.filter((s) => s.outcome === 'error');
  t.same(
    errors.map((s) => `${s.type} → ${s.status}: ${s.detail}`),
    [],
    'no 5xx',
  );
  const byArs = new Map<string, SentEvent[]>();
  for (const s of burst.sent) byArs.set(s.ars, [...(byArs.get(s.ars) ?? []), s]);
  const solution = burst.solutionId;

  const history = await db
    .selectFrom('history')
    .select(['id', 'participant_ars', 'event_type', 'event'])
    .where('solution_id', '=', solution)
    .where('participant_ars', 'is not', null)
    .orderBy('id')
    .execute();
  const participants = await db.selectFrom('participant').select(['ars', 'revision', 'stage']).where('solution_id', '=', solution).execute();
  const rowsByArs = new Map<string, typeof history>();
  for (const row of history) rowsByArs.set(row.participant_ars!, [...(rowsByArs.get(row.participant_ars!) ?? []), row]);

  const problems: string[] = [];
  for (const participant of participants) {
    const rows = rowsByArs.get(participant.ars) ?? [];
    if (participant.revision !== rows.length) problems.push(`${participant.ars}: revision ${participant.revision}, ${rows.length} history rows`);
    const sent = byArs.get(participant.ars) ?? [];
    const matched = new Set<number>();
    for (const s of sent.filter((s) => s.outcome === 'applied')) {
      const index = rows.findIndex((row) => row.id === s.historyId);
      if (index < 0) {
        problems.push(`${participant.ars}: acknowledged ${s.type} (history ${s.historyId}) is not in the history`);
        continue;
      }
      if (matched.has(index)) problems.push(`${participant.ars}: history ${s.historyId} acknowledged twice`);
      matched.add(index);
      if (rows[index]!.event_type !== s.type) problems.push(`${participant.ars}: history ${s.historyId} is ${rows[index]!.event_type}, acknowledged as ${s.type}`);
      if (index + 1 !== s.revision) problems.push(`${participant.ars}: ${s.type} acknowledged at revision ${s.revision}, history row ${index + 1}`);
    }
    // The rest must be events without answer (or answered 503), each at most once; an undelivered one never.
    const unanswered = sent.filter((s) => s.outcome === 'unknown' || s.outcome === 'unavailable');
    const used = new Set<number>();
    rows.forEach((row, index) => {
      if (matched.has(index)) return;
      const reason = (row.event as { reason?: string }).reason ?? null;
      const candidate = unanswered.find((s) => !used.has(s.seq) && s.type === row.event_type && (!REASONED.has(s.type) || s.reason === reason));
      if (!candidate) problems.push(`${participant.ars}: history ${row.id} (${row.event_type}) is no event that was sent`);
      else used.add(candidate.seq);
    });
    // A reason names one request: no event applied twice.
    const reasons = rows.map((row) => (row.event as { reason?: string }).reason).filter((r): r is string => typeof r === 'string');
    if (new Set(reasons).size !== reasons.length) problems.push(`${participant.ars}: an event with the same reason applied twice`);
  }
  t.same(problems.slice(0, 20), [], 'every acknowledged event in the history exactly once, every history row an event that was sent, revisions contiguous');

  // Each confirmation's effect has exactly one job, keyed by its revision.
  const confirmations = history.filter((row) => row.event_type === WITH_EFFECT.event);
  const jobs = await db
    .selectFrom('job')
    .select(['idempotency_key'])
    .where('kind', '=', WITH_EFFECT.job)
    .where('solution_id', '=', solution)
    .execute();
  const missingJobs: string[] = [];
  for (const row of confirmations) {
    const ars = row.participant_ars!;
    const revision = (rowsByArs.get(ars) ?? []).findIndex((r) => r.id === row.id) + 1;
    const prefix = `${WITH_EFFECT.job}:participant:${solution}:${ars}:r${revision}:`;
    if (jobs.filter((job) => job.idempotency_key.startsWith(prefix)).length !== 1) missingJobs.push(`${ars} r${revision}`);
  }
  t.ok(confirmations.length > 0, `${confirmations.length} pilot confirmation(s) applied`);
  t.same(missingJobs, [], 'every applied confirmation has its effect job, once');
  t.equal(jobs.length, confirmations.length, 'and no effect job without its event');
  const { rows: orphans } = await sql<{ n: number }>`select count(*)::int as n from history h where h.solution_id = ${solution} and h.participant_ars is not null
    and not exists (select 1 from participant p where p.solution_id = h.solution_id and p.ars = h.participant_ars)`.execute(db);
  t.equal(orphans[0]!.n, 0, 'no history row without its participant');
}
