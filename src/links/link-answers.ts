import type { Kysely, Transaction } from 'kysely';
import type { Database, MailingLinkPurpose } from '../db/schema.ts';
import {
  PARTICIPANT_STAGES,
  PARTICIPANTS_MOVING_STAGES,
  SOLUTION_FINAL_STAGES,
  type BusBbSchritt,
  type ParticipantStage,
  type ReadinessGrund,
} from '../../workflows/index.ts';

export type ReadinessReason = ReadinessGrund;
export type InteresseWahl = 'interesse' | 'pilot' | 'kein-interesse' | 'nicht-zustaendig';
export type ReadinessStatus = 'bereit' | 'bereit-ab' | 'nicht-bereit';

export type StructuredAnswer =
  | { purpose: 'interesse'; wahl: InteresseWahl; freitext?: string }
  | { purpose: 'pilot'; freitext?: string }
  | { purpose: 'bereitschaft'; status: ReadinessStatus; ab?: string; gruende?: ReadinessReason[]; freitext?: string }
  /** A linking report (URL and date), or – without them – a report of the BUS-BB steps done so far. */
  | { purpose: 'bus-bb'; onlineDienstUrl?: string; verknuepftAm?: string; schritte?: BusBbSchritt[] }
  /** A pilot's go-live through its page (the checklist items it ticks are no answer of the link). */
  | { purpose: 'pilotbetrieb'; onlineDienstUrl: string; verknuepftAm: string };

/** What a used link keeps: the answer, when it came, and where it moved the participant. */
export type RecordedAnswer = StructuredAnswer & { at: string; stage: string };


/**
 * The one place that decides whether a link can still be answered, and with which answers:
 * the answer page shows exactly these answers (or, before any form, why none is possible),
 * an answer outside them is refused before it reaches the engine, a mailing writes only to
 * authorities that can give every answer its links offer, and a link renewal renews only
 * links that can still be answered. Pure but for loadLinkAnswerability.
 *
 * ACCEPTED_IN follows what the participant machine takes for each answer (the events of
 * participantEventsFor, an Erstinformation link informing a 'vorgemerkt' authority first),
 * limited to the stages where the question still means something: the Erstinformation asks
 * about interest before the rollout has reached the authority. test/responses/link-answers.test.ts
 * holds the table against the machine.
 */

type Db = Kysely<Database> | Transaction<Database>;

/** Every answer the page of a link offers, per purpose: the choices of its form. */
export const ANSWER_OPTIONS = {
  interesse: ['interesse', 'pilot', 'kein-interesse', 'nicht-zustaendig'],
  pilot: ['bewerben'],
  bereitschaft: ['bereit', 'bereit-ab', 'nicht-bereit'],
  /** 'schritte': the BUS-BB steps done so far; 'verknuepfung': the linking with address and date. */
  'bus-bb': ['schritte', 'verknuepfung'],
  /** The pilot's own page: its checklist (again and again) and its go-live. */
  pilotbetrieb: ['checkliste', 'live'],
} as const satisfies Record<MailingLinkPurpose, readonly string[]>;

export type AnswerOption = (typeof ANSWER_OPTIONS)[MailingLinkPurpose][number];

const BEFORE_THE_ROLLOUT: readonly ParticipantStage[] = ['vorgemerkt', 'informiert', 'interessiert'];
const ASKED_FOR_READINESS: readonly ParticipantStage[] = ['pilot-kandidat', 'eingeladen'];
const LINKING_IN_BUS_BB: readonly ParticipantStage[] = ['eingeladen', 'onboarding', 'bus-bb-verknuepft'];

const ACCEPTED_IN: { readonly [P in MailingLinkPurpose]: Readonly<Record<(typeof ANSWER_OPTIONS)[P][number], readonly ParticipantStage[]>> } = {
  interesse: {
    // an authority whose interest is on record is not asked for it again
    interesse: ['vorgemerkt', 'informiert'],
    pilot: BEFORE_THE_ROLLOUT,
    'kein-interesse': BEFORE_THE_ROLLOUT,
    'nicht-zustaendig': BEFORE_THE_ROLLOUT,
  },
  pilot: { bewerben: BEFORE_THE_ROLLOUT },
  // a candidate's "bereit" confirms it as pilot; "ab …" and "es fehlt …" are kept for the ministry's decision
  bereitschaft: { bereit: ASKED_FOR_READINESS, 'bereit-ab': ASKED_FOR_READINESS, 'nicht-bereit': ASKED_FOR_READINESS },
  'bus-bb': { schritte: LINKING_IN_BUS_BB, verknuepfung: LINKING_IN_BUS_BB },
  pilotbetrieb: { checkliste: ['pilot-bestaetigt'], live: ['pilot-bestaetigt'] },
};

/** The answers of a purpose taken in a participant stage, in the form's order. */
export function answersAcceptedIn(purpose: MailingLinkPurpose, stage: string): AnswerOption[] {
  const accepted = ACCEPTED_IN[purpose] as Readonly<Record<string, readonly string[]>>;
  return ANSWER_OPTIONS[purpose].filter((option) => accepted[option]!.includes(stage));
}

/** Whether a link can still be answered, and with what – or why not, in the order an authority needs to hear it. */
export type LinkAnswerability =
  | { state: 'offen'; stage: string; options: AnswerOption[] }
  /** The answers still possible are none: the authority's stage moved past the question (or it is no participant). */
  | { state: 'erledigt'; stage: string | null }
  /** The rollout has ended (abgeschlossen, abgebrochen): no answer any more. */
  | { state: 'beendet'; solutionStage: string | null }
  /** The rollout is paused: answers are taken again after it is resumed. */
  | { state: 'ruht'; solutionStage: string; stage: string; options: AnswerOption[] };

export function linkAnswerability(purpose: MailingLinkPurpose, stage: string | null, solutionStage: string | null): LinkAnswerability {
  if (solutionStage === null || (SOLUTION_FINAL_STAGES as readonly string[]).includes(solutionStage)) return { state: 'beendet', solutionStage };
  const options = stage === null ? [] : answersAcceptedIn(purpose, stage);
  if (stage === null || options.length === 0) return { state: 'erledigt', stage };
  if (!PARTICIPANTS_MOVING_STAGES.includes(solutionStage)) return { state: 'ruht', solutionStage, stage, options };
  return { state: 'offen', stage, options };
}

/** The answerability of one authority's link of one solution, as the database has it now. */
export async function loadLinkAnswerability(db: Db, link: { solution_id: string; ars: string; purpose: MailingLinkPurpose }): Promise<LinkAnswerability> {
  const row = await db
    .selectFrom('solution as s')
    .leftJoin('participant as p', (join) => join.onRef('p.solution_id', '=', 's.id').on('p.ars', '=', link.ars))
    .select(['s.stage as solutionStage', 'p.stage as stage'])
    .where('s.id', '=', link.solution_id)
    .executeTakeFirst();
  return linkAnswerability(link.purpose, row?.stage ?? null, row?.solutionStage ?? null);
}

/** Which of the page's answers a validated answer is. */
export function answerOptionOf(answer: StructuredAnswer): AnswerOption {
  switch (answer.purpose) {
    case 'interesse':
      return answer.wahl;
    case 'pilot':
      return 'bewerben';
    case 'bereitschaft':
      return answer.status;
    case 'bus-bb':
      return answer.onlineDienstUrl === undefined ? 'schritte' : 'verknuepfung';
    case 'pilotbetrieb':
      return 'live';
  }
}

/**
 * The stages in which an authority can give every answer that links of these purposes
 * offer: a mail asking for them goes only to authorities in these stages. No purposes (a
 * mail that asks nothing): every stage.
 */
export function stagesAskedBy(purposes: readonly MailingLinkPurpose[]): ParticipantStage[] {
  return PARTICIPANT_STAGES.filter((stage) => purposes.every((purpose) => answersAcceptedIn(purpose, stage).length === ANSWER_OPTIONS[purpose].length));
}

/** The stages in which at least one of the links of these purposes can still be answered. */
export function stagesAnsweringAny(purposes: readonly MailingLinkPurpose[]): ParticipantStage[] {
  return PARTICIPANT_STAGES.filter((stage) => purposes.some((purpose) => answersAcceptedIn(purpose, stage).length > 0));
}
