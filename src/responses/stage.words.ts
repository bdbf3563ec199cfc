import type { ParticipantStage, Readiness, SolutionStage } from '../../workflows/index.ts';

/**
 * Where an authority stands in a solution's rollout and what comes next for it, in the
 * words its pages show ("Ihr Stand" / "Wie es weitergeht"): plain German text, no markup.
 * One table per machine, keyed by its stages, so that a new stage cannot go unnamed (the
 * compiler and test/web/authority-stage.test.ts both check it). The substance follows the
 * MIK guide's three steps: Erstinformation, pilots, the rollout in waves ending with the
 * Online-Dienst linked in BUS-BB and shown in the Landesserviceportal.
 */

/** What the pages know about the authority's place in the rollout (LinkContext.standing). */
export interface AuthorityStanding {
  /** The authority's participant stage; null when it is no participant of the solution. */
  participantStage: ParticipantStage | null;
  /** The solution's stage; null when the solution is gone. */
  solutionStage: SolutionStage | null;
  /** The readiness the authority reported last (kept in the participant's context), if any. */
  readiness: Readiness['status'] | null;
}

/** A participant's stage as the authority reads it; lower case, so that it also fits into a sentence. */
export const PARTICIPANT_STAGE_LABELS: Record<ParticipantStage, string> = {
  vorgemerkt: 'noch nicht informiert',
  informiert: 'informiert',
  interessiert: 'Interesse bekundet',
  'pilot-kandidat': 'als Pilotbehörde vorgesehen, noch nicht bestätigt',
  'pilot-bestaetigt': 'als Pilotbehörde bestätigt',
  'pilot-live': 'Pilotbehörde, der Online-Dienst ist live',
  eingeladen: 'zur Nachnutzung eingeladen',
  onboarding: 'in der Einführung',
  'bus-bb-verknuepft': 'Online-Dienst im BUS-BB verknüpft',
  live: 'der Online-Dienst ist live',
  abgelehnt: 'Nachnutzung abgelehnt',
  'nicht-zustaendig': 'als nicht zuständig gemeldet',
  ausgeschlossen: 'von der Nachnutzung ausgenommen',
};

/** What comes next for an authority in each stage, while the rollout runs. */
export const PARTICIPANT_NEXT_STEPS: Record<ParticipantStage, string> = {
  vorgemerkt:
    'Das Ministerium informiert Ihre Behörde per E-Mail über diese Lösung und fragt dabei, ob Sie den Online-Dienst nachnutzen möchten.',
  informiert:
    'Bitte teilen Sie dem Ministerium über den Link der Erstinformation mit, ob Ihre Behörde Interesse hat oder als Pilotbehörde mitwirken möchte. ' +
    'Danach sucht das Ministerium Pilotbehörden und plant den Rollout in Wellen.',
  interessiert:
    'Das Ministerium sucht zunächst Pilotbehörden, die den Online-Dienst als Erste einsetzen. ' +
    'Danach lädt es Ihre Behörde per E-Mail in eine Welle des Rollouts ein und fragt, ob Sie bereit sind.',
  'pilot-kandidat':
    'Das Ministerium klärt mit Ihrer Behörde, ob und ab wann sie als Pilotbehörde starten kann, und entscheidet dann über die Auswahl. ' +
    'Als bestätigte Pilotbehörde erhalten Sie per E-Mail eine eigene Seite mit der Checkliste für den Go-live.',
  'pilot-bestaetigt':
    'Bitte arbeiten Sie auf Ihrer Seite als Pilotbehörde (Link in der E-Mail des Ministeriums) die Checkliste ab, zum Beispiel Auftragsverarbeitung, Übermittlungsweg und ePayment. ' +
    'Ist jeder Punkt erledigt oder begründet entfallen, melden Sie dort den Go-live mit der Adresse Ihres Online-Dienstes.',
  'pilot-live':
    'Für Ihre Behörde ist nichts mehr zu tun. Ihre Erfahrungen als Pilotbehörde fließen in den Rollout für die übrigen Behörden ein.',
  eingeladen:
    'Bitte melden Sie über den Link zur Bereitschaft aus Ihrer Einladung, ob Ihre Behörde bereit ist, den Online-Dienst einzusetzen, oder was noch fehlt. ' +
    'Danach legen Sie den Online-Dienst im BUS-BB an, ordnen ihm Ihre Zuständigkeit zu und melden die Verknüpfung über den Link zum BUS-BB.',
  onboarding:
    'Bitte legen Sie Ihren Online-Dienst im BUS-BB an und ordnen Sie ihm die Zuständigkeit (Organisationseinheit und Gebiet) zu; die Landesredaktion im MIK unterstützt Sie dabei. ' +
    'Melden Sie die Verknüpfung dann über den Link zum BUS-BB aus Ihrer Einladung.',
  'bus-bb-verknuepft':
    'Die Landesredaktion bestätigt die Schritte Ihrer Verknüpfung; sobald der Online-Dienst im Landesserviceportal erscheint, gilt er für Ihre Behörde als live. ' +
    'Sehen Sie ihn dort schon, können Sie das über den Link zum BUS-BB melden.',
  live:
    'Ihr Online-Dienst ist im Landesserviceportal zu finden; für Ihre Behörde ist nichts mehr zu tun. ' +
    'Machen Sie das Angebot gern bei Bürgerinnen, Bürgern und Unternehmen bekannt.',
  abgelehnt: 'Für Ihre Behörde ist derzeit nichts zu tun. Das Ministerium kann Ihre Behörde später in eine Welle des Rollouts einladen.',
  'nicht-zustaendig': 'Für Ihre Behörde ist nichts mehr zu tun. War die Meldung ein Irrtum, wenden Sie sich bitte an das Ministerium.',
  ausgeschlossen: 'Für Ihre Behörde ist in diesem Rollout nichts mehr zu tun. Bei Fragen wenden Sie sich bitte an das Ministerium.',
};

/** Once the rollout itself has started, the early stages wait for a wave, not for pilots. */
const NEXT_STEPS_IN_ROLLOUT: Partial<Record<ParticipantStage, string>> = {
  informiert:
    'Bitte teilen Sie dem Ministerium über den Link der Erstinformation mit, ob Ihre Behörde Interesse hat. ' +
    'Der Rollout läuft in Wellen; zu Ihrer Welle lädt das Ministerium Sie per E-Mail ein.',
  interessiert: 'Das Ministerium lädt Ihre Behörde per E-Mail in eine Welle des Rollouts ein und fragt dann, ob Sie bereit sind, den Online-Dienst einzusetzen.',
};

/** An authority that said it cannot start yet (from a date, or something missing) waits for another step. */
const NEXT_STEPS_NOT_YET_READY: Partial<Record<ParticipantStage, string>> = {
  'pilot-kandidat':
    'Ihre Behörde hat gemeldet, dass sie noch nicht starten kann; das Ministerium entscheidet, ob und wann sie Pilotbehörde wird. ' +
    'Als bestätigte Pilotbehörde erhalten Sie per E-Mail eine eigene Seite mit der Checkliste für den Go-live.',
  eingeladen:
    'Ihre Behörde hat gemeldet, dass sie noch nicht bereit ist; bei technischen Hürden hilft das Kommunale Anwendungszentrum (Kaz). ' +
    'Sobald Sie bereit sind, legen Sie den Online-Dienst im BUS-BB an, ordnen ihm Ihre Zuständigkeit zu und melden die Verknüpfung über den Link zum BUS-BB.',
};

/** The solution's stage as the authority reads it: the phase of the rollout. */
export const SOLUTION_STAGE_LABELS: Record<SolutionStage, string> = {
  entwurf: 'in Vorbereitung',
  erstinformation: 'Erstinformation der Behörden',
  pilotphase: 'Pilotphase',
  rollout: 'flächendeckender Rollout',
  pausiert: 'vorübergehend angehalten',
  abgeschlossen: 'abgeschlossen',
  abgebrochen: 'vom Ministerium beendet',
};

/** Said instead of the authority's next step while the solution's participants do not move. */
export const SOLUTION_HALTED_WORDS: Record<Exclude<SolutionStage, 'erstinformation' | 'pilotphase' | 'rollout'>, string> = {
  entwurf: 'Der Rollout dieser Lösung hat noch nicht begonnen; das Ministerium meldet sich bei Ihrer Behörde.',
  pausiert:
    'Das Ministerium hat den Rollout dieser Lösung vorübergehend angehalten. Bis er weitergeht, ist für Ihre Behörde nichts zu tun; Ihre bisherigen Angaben bleiben gespeichert.',
  abgeschlossen: 'Der Rollout dieser Lösung ist abgeschlossen; für Ihre Behörde ist nichts mehr zu tun.',
  abgebrochen: 'Das Ministerium hat den Rollout dieser Lösung beendet; für Ihre Behörde ist nichts mehr zu tun.',
};

function isHalted(stage: SolutionStage): stage is keyof typeof SOLUTION_HALTED_WORDS {
  return stage in SOLUTION_HALTED_WORDS;
}

/** The standing in words: the authority's stage, the rollout's phase and what comes next. */
export interface StandingWords {
  /** null: the authority is no participant of the solution. */
  stage: string | null;
  /** null: the solution is gone. */
  phase: string | null;
  next: string;
}

/** The words for a standing; null when there is nothing to say (no participant of a solution that runs). */
export function describeStanding(standing: AuthorityStanding): StandingWords | null {
  const { participantStage, solutionStage, readiness } = standing;
  const stage = participantStage ? PARTICIPANT_STAGE_LABELS[participantStage] : null;
  const phase = solutionStage ? SOLUTION_STAGE_LABELS[solutionStage] : null;
  if (solutionStage && isHalted(solutionStage)) return { stage, phase, next: SOLUTION_HALTED_WORDS[solutionStage] };
  if (!participantStage) return null;
  const notYetReady = readiness === 'bereit-ab' || readiness === 'nicht-bereit' ? NEXT_STEPS_NOT_YET_READY[participantStage] : undefined;
  const inRollout = solutionStage === 'rollout' ? NEXT_STEPS_IN_ROLLOUT[participantStage] : undefined;
  return { stage, phase, next: notYetReady ?? inRollout ?? PARTICIPANT_NEXT_STEPS[participantStage] };
}

/** A readiness reason as the staff reads it (the authorities' own words are in answer.labels.ts). */
export const READINESS_REASON_WORDS: Readonly<Record<string, string>> = {
  'fachverfahren-anbindung': 'Anbindung des Fachverfahrens',
  transport: 'Übermittlungsweg (FIT-Connect, OSCI/XTA, DVDV)',
  epayment: 'ePayment',
  bundid: 'BundID',
  personal: 'Personal',
  avv: 'Auftragsverarbeitung (AVV)',
  sonstiges: 'Sonstiges',
};
