import { PARTICIPANT_LINKED_STAGES, PARTICIPANT_STAGES } from '../../workflows/index.ts';
import { NOT_RESPONSIBLE_STAGES } from '../solutions/coverage-groups.ts';

/**
 * A solution's progress as a quarterly snapshot keeps it, and what moved between two such
 * states – pure functions, no database: the service reads, these count and compare.
 * Responsible: every participant not reported `nicht-zustaendig` nor `ausgeschlossen`;
 * live: the stages in which the authority's Online-Dienst is linked (PARTICIPANT_LINKED_STAGES).
 */

export interface ParticipantState {
  stage: string;
  kreisArs: string;
}

export interface ProgressTotals {
  participants: number;
  responsible: number;
  live: number;
}

export interface ProgressData {
  /** Per participant ARS: its stage and its Kreis (Landkreis or kreisfreie Stadt). */
  participants: Record<string, ParticipantState>;
  /** Participants per stage (every stage, zero included). */
  stages: Record<string, number>;
  /** Per Kreis ARS: how many of its participants are responsible, how many live. */
  kreise: Record<string, { responsible: number; live: number }>;
  totals: ProgressTotals;
}

/** Stages in which an authority has left the rollout (named in a comparison). */
export const LEFT_STAGES: readonly string[] = ['abgelehnt', 'ausgeschlossen'];

export const isResponsible = (stage: string) => !(NOT_RESPONSIBLE_STAGES as readonly string[]).includes(stage);
export const isLive = (stage: string) => (PARTICIPANT_LINKED_STAGES as readonly string[]).includes(stage);

/** The snapshot's data from the participants' rows (ARS, stage, Kreis – the Kreis itself for a Kreis). */
export function summariseProgress(rows: readonly { ars: string; stage: string; kreisArs: string | null }[]): ProgressData {
  const participants: Record<string, ParticipantState> = {};
  const stages: Record<string, number> = Object.fromEntries(PARTICIPANT_STAGES.map((stage) => [stage, 0]));
  const kreise: Record<string, { responsible: number; live: number }> = {};
  const totals: ProgressTotals = { participants: 0, responsible: 0, live: 0 };
  for (const row of [...rows].sort((a, b) => a.ars.localeCompare(b.ars))) {
    const kreisArs = row.kreisArs ?? row.ars;
    participants[row.ars] = { stage: row.stage, kreisArs };
    stages[row.stage] = (stages[row.stage] ?? 0) + 1;
    const kreis = (kreise[kreisArs] ??= { responsible: 0, live: 0 });
    totals.participants++;
    if (isResponsible(row.stage)) (kreis.responsible++, totals.responsible++);
    if (isLive(row.stage)) (kreis.live++, totals.live++);
  }
  return { participants, stages, kreise, totals };
}

export interface StageDelta {
  stage: string;
  before: number;
  after: number;
  delta: number;
}

export interface KreisDelta {
  kreisArs: string;
  kreisName: string;
  responsibleBefore: number;
  responsibleAfter: number;
  liveBefore: number;
  liveAfter: number;
}

export interface Move {
  ars: string;
  name: string;
  kreisArs: string;
  /** null: not yet a participant before. */
  from: string | null;
  /** null: no longer a participant. */
  to: string | null;
}

export interface ProgressComparison {
  totalsBefore: ProgressTotals;
  totalsAfter: ProgressTotals;
  stages: StageDelta[];
  kreise: KreisDelta[];
  /** Every participant whose stage changed, by name. */
  moved: Move[];
  /** Those of them whose Online-Dienst went live (from a stage not live). */
  wentLive: Move[];
  /** Those that left: now abgelehnt or ausgeschlossen. */
  left: Move[];
}

/** What moved from `before` (none: an empty state) to `after`; `names` gives authorities' and Kreise's names by ARS. */
export function compareProgress(before: ProgressData | null, after: ProgressData, names: ReadonlyMap<string, string>): ProgressComparison {
  const old = before ?? summariseProgress([]);
  const stageKeys = [...new Set([...PARTICIPANT_STAGES, ...Object.keys(old.stages), ...Object.keys(after.stages)])];
  const stages = stageKeys.map((stage) => {
    const [b, a] = [old.stages[stage] ?? 0, after.stages[stage] ?? 0];
    return { stage, before: b, after: a, delta: a - b };
  });
  const nameOf = (ars: string) => names.get(ars) ?? ars;
  const kreise = [...new Set([...Object.keys(old.kreise), ...Object.keys(after.kreise)])]
    .map((kreisArs) => ({
      kreisArs,
      kreisName: nameOf(kreisArs),
      responsibleBefore: old.kreise[kreisArs]?.responsible ?? 0,
      responsibleAfter: after.kreise[kreisArs]?.responsible ?? 0,
      liveBefore: old.kreise[kreisArs]?.live ?? 0,
      liveAfter: after.kreise[kreisArs]?.live ?? 0,
    }))
    .sort((a, b) => a.kreisName.localeCompare(b.kreisName, 'de'));
  const moved: Move[] = [];
  for (const ars of new Set([...Object.keys(old.participants), ...Object.keys(after.participants)])) {
    const [from, to] = [old.participants[ars] ?? null, after.participants[ars] ?? null];
    if (from?.stage === to?.stage) continue;
    moved.push({ ars, name: nameOf(ars), kreisArs: (to ?? from)!.kreisArs, from: from?.stage ?? null, to: to?.stage ?? null });
  }
  moved.sort((a, b) => a.name.localeCompare(b.name, 'de') || a.ars.localeCompare(b.ars));
  return {
    totalsBefore: old.totals,
    totalsAfter: after.totals,
    stages,
    kreise,
    moved,
    wentLive: moved.filter((m) => m.to !== null && isLive(m.to) && (m.from === null || !isLive(m.from))),
    left: moved.filter((m) => m.to !== null && LEFT_STAGES.includes(m.to)),
  };
}

/** Every ARS a comparison names: its moved authorities and the Kreise of both states. */
export function arsToName(before: ProgressData | null, after: ProgressData): string[] {
  const set = new Set([...Object.keys(before?.kreise ?? {}), ...Object.keys(after.kreise)]);
  for (const ars of new Set([...Object.keys(before?.participants ?? {}), ...Object.keys(after.participants)])) {
    if (before?.participants[ars]?.stage !== after.participants[ars]?.stage) set.add(ars);
  }
  return [...set];
}
