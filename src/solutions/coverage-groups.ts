import { PARTICIPANT_LINKED_STAGES, PARTICIPANT_STAGES, type ParticipantStage } from '../../workflows/index.ts';

/**
 * Who counts for a solution's coverage (issue 17, "Abdeckung nach Kreis"): an authority is
 * responsible unless it left the rollout as not responsible or was excluded; it is live
 * when its Online-Dienst is linked (live, pilot-live). The participant list's filter
 * `abdeckung` (API and staff page) and the coverage count with the same stage sets, so a
 * number on the coverage page and the list behind its link always agree.
 */

export const NOT_RESPONSIBLE_STAGES: readonly ParticipantStage[] = ['nicht-zustaendig', 'ausgeschlossen'];

export const COVERAGE_GROUPS = ['zustaendig', 'live', 'fehlt'] as const;
export type CoverageGroup = (typeof COVERAGE_GROUPS)[number];

const responsible = PARTICIPANT_STAGES.filter((stage) => !NOT_RESPONSIBLE_STAGES.includes(stage));

/** zuständig: responsible; live: linked; fehlt: responsible and not yet live. */
export const COVERAGE_GROUP_STAGES: Readonly<Record<CoverageGroup, readonly ParticipantStage[]>> = {
  zustaendig: responsible,
  live: PARTICIPANT_LINKED_STAGES,
  fehlt: responsible.filter((stage) => !PARTICIPANT_LINKED_STAGES.includes(stage)),
};

export const COVERAGE_GROUP_WORDS: Readonly<Record<CoverageGroup, string>> = {
  zustaendig: 'zuständig (nicht ausgenommen)',
  live: 'live',
  fehlt: 'zuständig, noch nicht live',
};
