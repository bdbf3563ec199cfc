// The life of one EfA solution's rollout: Erstinformation, Pilotphase,
// flächendeckender Rollout. Pure definition – the engine persists the snapshot
// and executes the `effect.*` actions that transition() returns.
import { assign, setup, type StateValue } from 'xstate';
import { DEFAULT_FRIST_TAGE, isNonBlank, isPositiveNumber } from './participant.machine.ts';

export const SOLUTION_MACHINE_VERSION = 1;

/** Computed by the engine from the database; whatever a client sent here is overwritten. */
export interface SolutionFacts {
  pilotsLive: number;
  participantsTotal: number;
  /** Participants that are neither linked/live nor excluded/nicht-zuständig. */
  participantsOpen: number;
}

/**
 * One lesson learned of the pilot phase. Entries recorded before they were structured
 * have only text and recordedAt: read the others tolerantly.
 */
export interface LessonLearned {
  text: string;
  recordedAt: string;
  thema?: string;
  /** The pilot it comes from (ARS). */
  pilotArs?: string;
  relevanz?: 'hoch' | 'mittel' | 'niedrig';
}

export interface SolutionContext {
  erstinformationVersandtAm: string | null;
  lessonsLearned: LessonLearned[];
  rolloutOverride: { reason: string } | null;
  waves: { label: string; authorities: string[]; startedAt: string }[];
  pausedReason: string | null;
  cancelReason: string | null;
  completedAt: string | null;
}

export type SolutionEvent =
  | { type: 'ERSTINFORMATION_STARTEN' }
  | { type: 'ERSTINFORMATION_VERSANDT'; at: string }
  | { type: 'PILOTPHASE_STARTEN' }
  | { type: 'LESSONS_LEARNED_ERFASSEN'; text: string; thema?: string; pilotArs?: string; relevanz?: LessonLearned['relevanz']; at: string }
  | { type: 'ROLLOUT_STARTEN'; facts: SolutionFacts; override?: { reason: string } }
  | { type: 'WELLE_STARTEN'; label: string; authorities: string[]; at: string; fristTage?: number }
  | { type: 'ABSCHLIESSEN'; facts: SolutionFacts; at: string }
  | { type: 'PAUSIEREN'; reason: string }
  | { type: 'FORTSETZEN' }
  | { type: 'ABBRECHEN'; reason: string };

export type SolutionEventType = SolutionEvent['type'];

export const SOLUTION_EVENT_TYPES = [
  'ERSTINFORMATION_STARTEN',
  'ERSTINFORMATION_VERSANDT',
  'PILOTPHASE_STARTEN',
  'LESSONS_LEARNED_ERFASSEN',
  'ROLLOUT_STARTEN',
  'WELLE_STARTEN',
  'ABSCHLIESSEN',
  'PAUSIEREN',
  'FORTSETZEN',
  'ABBRECHEN',
] as const satisfies readonly SolutionEventType[];

/** Events only the system sends, with the explanation an API caller gets when it tries. */
export const SOLUTION_SYSTEM_EVENTS: Readonly<Partial<Record<SolutionEventType, string>>> = {
  ERSTINFORMATION_VERSANDT:
    'Die Erstinformation gilt als versandt, sobald alle Mails des Erstinformations-Mailings an den Mailserver übergeben sind; das vermerkt das System selbst. Senden Sie das Mailing: POST /api/v1/solutions/{id}/mailings mit kind "erstinformation".',
};

/** Stages in which a solution's rollout has ended: nothing is sent or scheduled any more. */
export const SOLUTION_FINAL_STAGES: readonly SolutionStage[] = ['abgeschlossen', 'abgebrochen'];
/** Stages in which the solution's participants move (not paused, not ended). */
export const PARTICIPANTS_MOVING_STAGES: readonly string[] = ['erstinformation', 'pilotphase', 'rollout'] satisfies SolutionStage[];

/** Why a participant event meets a solution that is paused or ended. */
export function participantsStandStill(solutionStage: string): string {
  return `Die Lösung ist im Stadium „${solutionStage}“; Teilnehmende bewegen sich nur in den Stadien ${PARTICIPANTS_MOVING_STAGES.join(', ')}.`;
}

export interface InformParticipantsParams {
  erstinformationVersandtAm: string;
}

export interface InviteWaveParams {
  label: string;
  authorities: string[];
  fristTage: number;
}

/** The effects the engine has to run after it committed the new snapshot. */
export type SolutionEffect =
  | { type: 'effect.informParticipants'; params: InformParticipantsParams }
  | { type: 'effect.inviteWave'; params: InviteWaveParams };

export type SolutionStage =
  | 'entwurf'
  | 'erstinformation'
  | 'pilotphase'
  | 'rollout'
  | 'pausiert'
  | 'abgeschlossen'
  | 'abgebrochen';

export const SOLUTION_STAGES = [
  'entwurf',
  'erstinformation',
  'pilotphase',
  'rollout',
  'pausiert',
  'abgeschlossen',
  'abgebrochen',
] as const satisfies readonly SolutionStage[];

const ARS_PATTERN = /^\d{12}$/;

function isArs(value: unknown): value is string {
  return typeof value === 'string' && ARS_PATTERN.test(value);
}

function isFacts(value: unknown): value is SolutionFacts {
  if (typeof value !== 'object' || value === null) return false;
  const facts = value as Record<string, unknown>;
  return ['pilotsLive', 'participantsTotal', 'participantsOpen'].every(
    (key) => Number.isInteger(facts[key]) && (facts[key] as number) >= 0,
  );
}

function lessonFrom(event: Extract<SolutionEvent, { type: 'LESSONS_LEARNED_ERFASSEN' }>): LessonLearned {
  // no undefined keys: the context must survive a JSON round trip unchanged
  const lesson: LessonLearned = { text: event.text.trim(), recordedAt: event.at };
  if (isNonBlank(event.thema)) lesson.thema = event.thema.trim();
  if (isNonBlank(event.pilotArs)) lesson.pilotArs = event.pilotArs;
  if (event.relevanz) lesson.relevanz = event.relevanz;
  return lesson;
}

export const solutionMachine = setup({
  types: {
    context: {} as SolutionContext,
    events: {} as SolutionEvent,
  },
  guards: {
    erstinformationNochNichtVersandt: ({ context, event }) =>
      event.type === 'ERSTINFORMATION_VERSANDT' &&
      isNonBlank(event.at) &&
      context.erstinformationVersandtAm === null,
    erstinformationVersandt: ({ context }) => context.erstinformationVersandtAm !== null,
    lessonsLearnedGueltig: ({ event }) =>
      event.type === 'LESSONS_LEARNED_ERFASSEN' && isNonBlank(event.text) && isNonBlank(event.at),
    pilotphaseErfolgreich: ({ context, event }) =>
      event.type === 'ROLLOUT_STARTEN' &&
      isFacts(event.facts) &&
      event.facts.pilotsLive >= 1 &&
      context.lessonsLearned.length >= 1,
    rolloutOverrideBegruendet: ({ event }) =>
      event.type === 'ROLLOUT_STARTEN' &&
      typeof event.override === 'object' &&
      event.override !== null &&
      isNonBlank(event.override.reason),
    welleGueltig: ({ context, event }) =>
      event.type === 'WELLE_STARTEN' &&
      isNonBlank(event.label) &&
      // invitations carry the wave label, so it has to identify the wave
      !context.waves.some((wave) => wave.label === event.label.trim()) &&
      Array.isArray(event.authorities) &&
      event.authorities.length > 0 &&
      event.authorities.every(isArs) &&
      new Set(event.authorities).size === event.authorities.length &&
      isNonBlank(event.at) &&
      (event.fristTage === undefined || isPositiveNumber(event.fristTage)),
    keineOffenenTeilnehmer: ({ event }) =>
      event.type === 'ABSCHLIESSEN' &&
      isFacts(event.facts) &&
      event.facts.participantsOpen === 0 &&
      isNonBlank(event.at),
    begruendet: ({ event }) =>
      (event.type === 'PAUSIEREN' || event.type === 'ABBRECHEN') && isNonBlank(event.reason),
  },
  actions: {
    erstinformationVersandMerken: assign({
      erstinformationVersandtAm: ({ event }) =>
        event.type === 'ERSTINFORMATION_VERSANDT' ? event.at : null,
    }),
    lessonsLearnedAnfuegen: assign({
      lessonsLearned: ({ context, event }) =>
        event.type === 'LESSONS_LEARNED_ERFASSEN'
          ? [...context.lessonsLearned, lessonFrom(event)]
          : context.lessonsLearned,
    }),
    rolloutOverrideMerken: assign({
      rolloutOverride: ({ event }) =>
        event.type === 'ROLLOUT_STARTEN' && event.override
          ? { reason: event.override.reason.trim() }
          : null,
    }),
    welleAnfuegen: assign({
      waves: ({ context, event }) =>
        event.type === 'WELLE_STARTEN'
          ? [
              ...context.waves,
              { label: event.label.trim(), authorities: [...event.authorities], startedAt: event.at },
            ]
          : context.waves,
    }),
    abschlussMerken: assign({
      completedAt: ({ event }) => (event.type === 'ABSCHLIESSEN' ? event.at : null),
    }),
    pauseMerken: assign({
      pausedReason: ({ event }) => (event.type === 'PAUSIEREN' ? event.reason.trim() : null),
    }),
    pauseBeenden: assign({ pausedReason: null }),
    abbruchMerken: assign({
      cancelReason: ({ event }) => (event.type === 'ABBRECHEN' ? event.reason.trim() : null),
    }),
    // Effects: deliberately empty. The engine reads them from transition()'s
    // action list and runs them after commit.
    'effect.informParticipants': (_, _params: InformParticipantsParams) => {},
    'effect.inviteWave': (_, _params: InviteWaveParams) => {},
  },
}).createMachine({
  id: 'solution',
  context: {
    erstinformationVersandtAm: null,
    lessonsLearned: [],
    rolloutOverride: null,
    waves: [],
    pausedReason: null,
    cancelReason: null,
    completedAt: null,
  },
  initial: 'aktiv',
  states: {
    aktiv: {
      initial: 'entwurf',
      on: {
        PAUSIEREN: { guard: 'begruendet', target: 'pausiert', actions: 'pauseMerken' },
        ABBRECHEN: { guard: 'begruendet', target: 'abgebrochen', actions: 'abbruchMerken' },
      },
      states: {
        verlauf: { type: 'history', history: 'shallow' },
        entwurf: {
          on: { ERSTINFORMATION_STARTEN: 'erstinformation' },
        },
        erstinformation: {
          on: {
            ERSTINFORMATION_VERSANDT: {
              guard: 'erstinformationNochNichtVersandt',
              actions: [
                'erstinformationVersandMerken',
                {
                  type: 'effect.informParticipants',
                  params: ({ event }) => ({ erstinformationVersandtAm: event.at }),
                },
              ],
            },
            PILOTPHASE_STARTEN: { guard: 'erstinformationVersandt', target: 'pilotphase' },
          },
        },
        pilotphase: {
          on: {
            LESSONS_LEARNED_ERFASSEN: { guard: 'lessonsLearnedGueltig', actions: 'lessonsLearnedAnfuegen' },
            ROLLOUT_STARTEN: [
              { guard: 'pilotphaseErfolgreich', target: 'rollout' },
              { guard: 'rolloutOverrideBegruendet', target: 'rollout', actions: 'rolloutOverrideMerken' },
            ],
          },
        },
        rollout: {
          on: {
            LESSONS_LEARNED_ERFASSEN: { guard: 'lessonsLearnedGueltig', actions: 'lessonsLearnedAnfuegen' },
            WELLE_STARTEN: {
              guard: 'welleGueltig',
              actions: [
                'welleAnfuegen',
                {
                  type: 'effect.inviteWave',
                  params: ({ event }) => ({
                    label: event.label.trim(),
                    authorities: [...event.authorities],
                    fristTage: event.fristTage ?? DEFAULT_FRIST_TAGE,
                  }),
                },
              ],
            },
            ABSCHLIESSEN: {
              guard: 'keineOffenenTeilnehmer',
              target: '#solution.abgeschlossen',
              actions: 'abschlussMerken',
            },
          },
        },
      },
    },
    pausiert: {
      on: {
        FORTSETZEN: { target: 'aktiv.verlauf', actions: 'pauseBeenden' },
        ABBRECHEN: { guard: 'begruendet', target: 'abgebrochen', actions: 'abbruchMerken' },
      },
    },
    abgeschlossen: { type: 'final' },
    abgebrochen: { type: 'final' },
  },
});

/** One flat stage name for lists, filters and the API; works on live and persisted snapshots. */
export function solutionStage(snapshot: { value: StateValue }): SolutionStage {
  const { value } = snapshot;
  if (typeof value === 'string') return value as SolutionStage;
  const inner = value['aktiv'];
  if (typeof inner === 'string') return inner as SolutionStage;
  throw new Error(`unexpected solution state value ${JSON.stringify(value)}`);
}
