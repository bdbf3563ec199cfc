import type { ParticipantStage } from '../../workflows/index.ts';
import { funnelStepOf } from './solution-funnel.ts';

/**
 * The maps' colour classes and their words: a participant's stage grouped along the
 * solution's funnel (the same steps and words as its overview page), and for the map
 * across all solutions the number of solutions live. The colours themselves are rules at
 * the end of the pages' style sheet (layout.ts); the words go into legend, titles and
 * tables, so that colour is never the only signal.
 */

/** German order for the maps' tables (one collator: localeCompare with a locale builds one per call). */
export const byGermanName = new Intl.Collator('de').compare;

export interface ColourGroup {
  readonly key: string;
  readonly className: string;
  readonly label: string;
}

const group = (key: string, label: string): ColourGroup => ({ key, className: `stufe-${key}`, label });

export const STAGE_GROUPS = [
  group('informiert', 'vorgemerkt oder informiert'),
  group('interessiert', 'interessiert'),
  group('pilot', 'Pilot'),
  group('eingeladen', 'eingeladen'),
  group('onboarding', 'onboarding'),
  group('busbb', 'BUS-BB verknüpft'),
  group('live', 'live'),
  group('raus', 'abgelehnt, nicht zuständig oder ausgeschlossen'),
] as const;

const BY_STEP: Readonly<Record<string, ColourGroup>> = {
  informiert: STAGE_GROUPS[0],
  interessiert: STAGE_GROUPS[1],
  Pilot: STAGE_GROUPS[2],
  eingeladen: STAGE_GROUPS[3],
  onboarding: STAGE_GROUPS[4],
  'BUS-BB verknüpft': STAGE_GROUPS[5],
  live: STAGE_GROUPS[6],
};

/** The group of a stage: its funnel step's, vorgemerkt with informiert, the three ways out together. */
export function stageGroupOf(stage: string): ColourGroup {
  const step = funnelStepOf(stage as ParticipantStage);
  if (step) return BY_STEP[step]!;
  return stage === 'vorgemerkt' ? STAGE_GROUPS[0] : STAGE_GROUPS[7];
}

/** Classes of the map across all solutions: how many solutions are live at an authority. */
export const LIVE_COUNT_GROUPS: readonly (ColourGroup & { readonly min: number })[] = [
  { key: '0', className: 'live-0', label: 'keine Lösung live', min: 0 },
  { key: '1', className: 'live-1', label: '1 Lösung live', min: 1 },
  { key: '2', className: 'live-2', label: '2 bis 3 Lösungen live', min: 2 },
  { key: '4', className: 'live-4', label: '4 bis 5 Lösungen live', min: 4 },
  { key: '6', className: 'live-6', label: '6 oder mehr Lösungen live', min: 6 },
];

export function liveCountGroupOf(count: number): ColourGroup {
  return [...LIVE_COUNT_GROUPS].reverse().find((g) => count >= g.min)!;
}
