/**
 * The data `npm run bench:ui` measures on: solutions of one ministry in the stages a
 * rollout passes through, made through the service's own API (as a ministry would over
 * weeks), with the Brandenburg directory the runtime loaded. Responsibility `gemeinde`
 * makes every Amt, amtsfreie Gemeinde and kreisfreie Stadt a participant (195),
 * `kreis` the Landkreise and kreisfreie Städte (18). Answers, pilots and wave progress are
 * participant events sent in bulk; tickets come from the ticket API and, for a
 * participant not ready for a technical reason, from the service itself.
 */
import type { Runtime } from '../src/runtime.ts';
import { jobQueueIdle, progress, waitFor, type AdminApi } from './bench.support.ts';

export type PlannedStage = 'entwurf' | 'erstinformation' | 'pilotphase' | 'rollout';

export interface PlannedSolution {
  stage: PlannedStage;
  level: 'gemeinde' | 'kreis';
  /** Tickets opened through the ticket API (rollout only). */
  tickets: number;
}

export interface FilledSolution extends PlannedSolution {
  id: string;
  title: string;
  participants: number;
}

const STAGE_ORDER: Record<PlannedStage, number> = { entwurf: 0, erstinformation: 1, pilotphase: 2, rollout: 3 };
const SETUP_TIMEOUT_MS = 600_000;
const ONLINE_SERVICE = 'https://service.brandenburg.example/antrag';

/** 20 solutions: 3 drafts, 4 in Erstinformation, 4 in the pilot phase, 9 in rollout (5 with tickets). */
export function fullPlan(): PlannedSolution[] {
  const plan: PlannedSolution[] = [];
  const add = (stage: PlannedStage, levels: ('g' | 'k')[], tickets: (i: number) => number = () => 0) =>
    levels.forEach((l, i) => plan.push({ stage, level: l === 'g' ? 'gemeinde' : 'kreis', tickets: tickets(i) }));
  add('entwurf', ['g', 'k', 'g']);
  add('erstinformation', ['g', 'k', 'g', 'k']);
  add('pilotphase', ['g', 'k', 'g', 'g']);
  add('rollout', ['g', 'g', 'k', 'g', 'g', 'k', 'g', 'g', 'k'], (i) => (i % 2 === 0 ? 8 + i : 0));
  return plan;
}

/** BENCH_UI_QUICK: a draft, a pilot phase and one rollout at Gemeinde level with tickets. */
export function quickPlan(): PlannedSolution[] {
  return [
    { stage: 'entwurf', level: 'kreis', tickets: 0 },
    { stage: 'pilotphase', level: 'kreis', tickets: 0 },
    { stage: 'rollout', level: 'gemeinde', tickets: 4 },
  ];
}

/** Every `step`-th of a list from `from` on, at most `count`. */
const pick = <T>(list: readonly T[], from: number, count: number, step = 1) => list.filter((_, i) => i >= from && (i - from) % step === 0).slice(0, count);

export async function fillSolutions(runtime: Runtime, api: AdminApi, ministry: string, plan: readonly PlannedSolution[]): Promise<FilledSolution[]> {
  const idle = (what: string) => waitFor(what, SETUP_TIMEOUT_MS, 100, () => jobQueueIdle(runtime));
  const solutions: FilledSolution[] = [];
  for (const [index, planned] of plan.entries()) {
    const title = `Bench ${String(index + 1).padStart(2, '0')}: ${planned.stage} (${planned.level})`;
    const created = await api.expect(201, 'POST', '/api/v1/solutions', {
      title,
      ozgId: String(10000 + index),
      leikaKeys: [`99${String(index).padStart(12, '0')}`],
      leadMinistry: ministry,
      description: `Benchmark-Lösung ${index + 1} im Stadium ${planned.stage}`,
      responsibility: { level: planned.level },
    });
    const participants = Object.values(created.participantsByStage as Record<string, number>).reduce((a, b) => a + b, 0);
    solutions.push({ ...planned, id: created.id, title, participants });
    await api.expect(200, 'PUT', `/api/v1/solutions/${created.id}/mail-details`, { kontaktName: 'Referat 32, Benchmark', kontaktEmail: 'referat32@msgiv.example' });
  }
  const from = (stage: PlannedStage) => solutions.filter((s) => STAGE_ORDER[s.stage] >= STAGE_ORDER[stage]);
  const event = (id: string, body: Record<string, unknown>) => api.expect(200, 'POST', `/api/v1/solutions/${id}/events`, body);
  const bulk = async (id: string, authorities: string[], body: Record<string, unknown>) => {
    if (authorities.length) await api.expect(200, 'POST', `/api/v1/solutions/${id}/participants/events`, { event: body, authorities });
  };
  const participantsOf = async (id: string, stage?: string) =>
    ((await api.expect(200, 'GET', `/api/v1/solutions/${id}/participants?limit=1000${stage ? `&stage=${stage}` : ''}`)).items as { ars: string }[]).map((p) => p.ars);

  progress(`filling: Erstinformation of ${from('erstinformation').length} solutions`);
  for (const s of from('erstinformation')) {
    await event(s.id, { type: 'ERSTINFORMATION_STARTEN' });
    await api.expect(201, 'POST', `/api/v1/solutions/${s.id}/mailings`, { kind: 'erstinformation' });
  }
  await idle('Erstinformation mailings');

  progress('filling: answers, pilots, waves');
  for (const s of from('erstinformation')) {
    const informed = await participantsOf(s.id, 'informiert');
    const n = informed.length;
    await bulk(s.id, pick(informed, 0, Math.ceil(n * 0.4)), { type: 'INTERESSE_BEKUNDEN' });
    await bulk(s.id, pick(informed, Math.ceil(n * 0.4), Math.ceil(n * 0.06)), { type: 'ABLEHNEN', reason: 'Kein Bedarf in diesem Jahr' });
    await bulk(s.id, pick(informed, Math.ceil(n * 0.46), Math.ceil(n * 0.04)), { type: 'NICHT_ZUSTAENDIG_MELDEN', reason: 'Zuständig ist der Landkreis' });
    if (s.stage === 'erstinformation') continue;
    await event(s.id, { type: 'PILOTPHASE_STARTEN' });
    const candidates = pick(informed, 0, 3);
    await bulk(s.id, candidates, { type: 'ALS_PILOT_BEWERBEN', freitext: 'Wir möchten gern pilotieren.' });
    await bulk(s.id, candidates.slice(0, 2), { type: 'PILOT_BESTAETIGEN' });
    if (s.stage === 'pilotphase') continue;
    await event(s.id, { type: 'ROLLOUT_STARTEN', override: { reason: 'Pilotierung in einem anderen Land erfolgreich' } });
    const invitable = [...(await participantsOf(s.id, 'informiert')), ...(await participantsOf(s.id, 'interessiert'))];
    const first = pick(invitable, 0, Math.ceil(invitable.length * 0.5));
    const second = pick(invitable, first.length, Math.ceil(invitable.length * 0.25));
    const third = pick(invitable, first.length + second.length, Math.ceil(invitable.length * 0.1));
    // planned waves as the ministry plans them (the waves page lists them): two started, a third still planned
    for (const [name, members, start] of [['Welle 1', first, true], ['Welle 2', second, true], ['Welle 3', third, false]] as const) {
      if (members.length === 0) continue;
      const wave = await api.expect(201, 'POST', `/api/v1/solutions/${s.id}/waves`, { name, authorities: members, fristTage: 28 });
      if (start) await api.expect(200, 'POST', `/api/v1/solutions/${s.id}/waves/${String(wave.id)}/start`, {});
    }
  }
  await idle('wave invitations');

  progress('filling: wave progress and tickets');
  for (const s of from('rollout')) {
    const invited = await participantsOf(s.id, 'eingeladen');
    const n = invited.length;
    const onboarding = pick(invited, 0, Math.ceil(n * 0.4));
    await bulk(s.id, onboarding, { type: 'ONBOARDING_STARTEN' });
    await bulk(s.id, pick(onboarding, 0, Math.ceil(onboarding.length / 2), 2), { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: ONLINE_SERVICE });
    await bulk(s.id, pick(invited, onboarding.length, Math.ceil(n * 0.1)), { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['epayment', 'personal'] });
    await bulk(s.id, pick(invited, onboarding.length + Math.ceil(n * 0.1), Math.ceil(n * 0.1)), { type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab', ab: '2027-03-01' });
    const participants = await participantsOf(s.id);
    for (let i = 0; i < s.tickets; i++) {
      await api.expect(201, 'POST', '/api/v1/tickets', {
        solutionId: s.id,
        ars: participants[(i * 7) % participants.length],
        category: (['transport', 'epayment', 'bundid', 'fachverfahren-anbindung'] as const)[i % 4],
        priority: (['kritisch', 'hoch', 'normal', 'niedrig'] as const)[i % 4],
        blocking: i % 3 === 0,
        title: `Anbindungsproblem ${i + 1}`,
        description: 'Die Verbindung zum Fachverfahren bricht beim Abschicken ab.',
      });
    }
  }
  await idle('ticket notices');
  return solutions;
}
