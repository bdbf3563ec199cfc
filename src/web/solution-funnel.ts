import { PARTICIPANT_DONE_STAGES, PARTICIPANT_STAGES, type ParticipantStage } from '../../workflows/index.ts';

/**
 * A solution's progress in the ministry's words: the funnel informiert → interessiert →
 * Pilot → eingeladen → onboarding → BUS-BB verknüpft → live, and how many authorities
 * are done. Pure functions over the participants counted per stage (SolutionView's
 * participantsByStage), so the page needs no query of its own.
 */

export const FUNNEL_STEPS = ['informiert', 'interessiert', 'Pilot', 'eingeladen', 'onboarding', 'BUS-BB verknüpft', 'live'] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

/**
 * The furthest funnel step a participant in `stage` has reached; null: none yet
 * (vorgemerkt) or it left the rollout (abgelehnt, nicht zuständig, ausgeschlossen – the
 * page counts those beside the funnel). A pilot that went live counts as live: its
 * Online-Dienst is linked like any other.
 */
export function funnelStepOf(stage: ParticipantStage): FunnelStep | null {
  switch (stage) {
    case 'informiert':
      return 'informiert';
    case 'interessiert':
      return 'interessiert';
    case 'pilot-kandidat':
    case 'pilot-bestaetigt':
      return 'Pilot';
    case 'eingeladen':
      return 'eingeladen';
    case 'onboarding':
      return 'onboarding';
    case 'bus-bb-verknuepft':
      return 'BUS-BB verknüpft';
    case 'live':
    case 'pilot-live':
      return 'live';
    case 'vorgemerkt':
    case 'abgelehnt':
    case 'nicht-zustaendig':
    case 'ausgeschlossen':
      return null;
  }
}

export interface FunnelRow {
  step: FunnelStep;
  /** Authorities standing on this step now. */
  now: number;
  /** Authorities that reached at least this step (a funnel's count). */
  reached: number;
}

export function funnelOf(byStage: Readonly<Record<string, number>>): FunnelRow[] {
  const now = new Map<FunnelStep, number>(FUNNEL_STEPS.map((step) => [step, 0]));
  for (const stage of PARTICIPANT_STAGES) {
    const step = funnelStepOf(stage);
    if (step) now.set(step, now.get(step)! + (byStage[stage] ?? 0));
  }
  let reached = 0;
  return [...FUNNEL_STEPS]
    .reverse()
    .map((step) => {
      reached += now.get(step)!;
      return { step, now: now.get(step)!, reached };
    })
    .reverse();
}

export interface ProgressFigures {
  total: number;
  /** Live or left with a reason (PARTICIPANT_DONE_STAGES): what ABSCHLIESSEN waits for. */
  done: number;
  percent: number;
}

export function progressOf(byStage: Readonly<Record<string, number>>): ProgressFigures {
  const total = Object.values(byStage).reduce((sum, n) => sum + n, 0);
  const done = PARTICIPANT_DONE_STAGES.reduce((sum, stage) => sum + (byStage[stage] ?? 0), 0);
  return { total, done, percent: total === 0 ? 0 : Math.floor((done / total) * 100) };
}
