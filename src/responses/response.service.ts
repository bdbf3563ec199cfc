import { CONTROL_CHARACTERS, isHttpsUrl } from '../validation/common.schemas.ts';
import type { Kysely } from 'kysely';
import { toJson, type Database, type LinkPurpose, type MailDetails, type MailingLinkPurpose, type ResponseLink } from '../db/schema.ts';
import { InvalidInputError, type FieldError } from '../errors/domain.errors.ts';
import { READINESS_REASONS } from '../solutions/event-payload.rules.ts';
import { cancelJobs } from '../engine/job.queue.ts';
import { inOneTransaction, type EngineDeps, type EventResult, type EventSender, type WorkflowEvent } from '../engine/workflow.engine.ts';
import { sendParticipantEvent } from '../solutions/participant.target.ts';
import { MAILING_REMINDER_JOB } from '../mailings/mailing.workflows.ts';
import { berlinDate, isCalendarDate } from '../time/berlin.clock.ts';
import { claimOpenLink, LinkProblem, openResponseLink } from '../links/link.verify.ts';
import { answerOptionOf, loadLinkAnswerability, type AnswerOption, type InteresseWahl, type ReadinessReason, type ReadinessStatus, type RecordedAnswer, type StructuredAnswer } from '../links/link-answers.ts';
import { BUS_BB_SCHRITTE, type BusBbSchritt, type ParticipantStage, type Readiness, type SolutionStage } from '../../workflows/index.ts';
import type { AuthorityStanding } from './stage.words.ts';
import { linkPurposesFor, MAILING_KINDS } from '../mailings/template.render.ts';

/**
 * An authority's answer through a signed link: checked against the link, validated
 * for its purpose, turned into participant events and applied through the engine.
 * A link takes one answer; the answer is recorded only if the machine accepted it.
 */

type Db = Kysely<Database>;

export type { InteresseWahl, ReadinessReason, ReadinessStatus, RecordedAnswer, StructuredAnswer } from '../links/link-answers.ts';

/** A form post: repeated keys (checkboxes) arrive as arrays. */
export type FormFields = Record<string, string | string[] | undefined>;

export interface ResponseDeps {
  db: Db;
  engine: EngineDeps;
  now: () => Date;
}

export const INTERESSE_WAHLEN: readonly InteresseWahl[] = ['interesse', 'pilot', 'kein-interesse', 'nicht-zustaendig'];
export const READINESS_STATUSES: readonly ReadinessStatus[] = ['bereit', 'bereit-ab', 'nicht-bereit'];
const MAX_TEXT = 2000;

/**
 * The answers an open link (openResponseLink) takes now; throws LinkProblem 'nicht-offen'
 * when it takes none – the rollout ended or is paused, or the authority moved past the
 * question – so that its page says so before anyone fills anything in.
 */
export async function answerOptionsOf(db: Db, link: ResponseLink): Promise<{ options: AnswerOption[]; stage: string }> {
  if (link.purpose === 'ticket') throw new LinkProblem('unpassend', { link });
  const answerability = await loadLinkAnswerability(db, { ...link, purpose: link.purpose });
  if (answerability.state !== 'offen') throw new LinkProblem('nicht-offen', { link, answerability });
  return { options: answerability.options, stage: answerability.stage };
}

/** The form field that carries the choice among a purpose's answers. */
const CHOICE_FIELD: Record<StructuredAnswer['purpose'], string> = {
  interesse: 'wahl',
  pilot: 'freitext',
  bereitschaft: 'status',
  'bus-bb': 'schritte',
  pilotbetrieb: 'aktion',
};

/** What the pages show about a link: who is asked, about what, by whom. */
export interface LinkContext {
  purpose: LinkPurpose;
  ars: string;
  authorityName: string;
  solutionTitle: string;
  leadMinistry: string;
  contact: Pick<MailDetails, 'kontaktName' | 'kontaktEmail' | 'kontaktTelefon'>;
  expiresAt: Date;
  /** The answer deadline the authority's mail named for this link (YYYY-MM-DD), and whether it has passed; null: the mail named none. */
  answerDeadline: { date: string; passed: boolean } | null;
  /** Relative href of the link's problem report form; set by the routes while the link takes reports. */
  reportHref?: string;
  /** Where the authority stands in the rollout now, for the "Ihr Stand" block of every page. */
  standing: AuthorityStanding;
}

/**
 * The answers a mail's deadline is for: the mails name it for interest, the pilot
 * application and readiness ("Rückmeldefrist für die Bereitschaft" in the invitations);
 * the BUS-BB linking, the pilot's page and the ticket link have none.
 */
const PURPOSES_WITH_DEADLINE: readonly LinkPurpose[] = ['interesse', 'pilot', 'bereitschaft'];

/**
 * The deadline ("Rückmeldefrist") of the newest mail that brought the authority this link:
 * a link stays the same across a reminder or a mailing sent again, and each mail names
 * its own mailing's deadline. Without a delivered mail (not yet sent), the deadline of
 * the mailing that issued the link.
 */
async function answerDeadlineOf(db: Db, link: ResponseLink): Promise<string | null> {
  if (!PURPOSES_WITH_DEADLINE.includes(link.purpose)) return null;
  const kinds = MAILING_KINDS.filter((kind) => linkPurposesFor(kind).includes(link.purpose as MailingLinkPurpose));
  const newest = kinds.length
    ? await db
        .selectFrom('mail_message as m')
        .innerJoin('mailing as g', 'g.id', 'm.mailing_id')
        .select('g.deadline')
        .where('m.ars', '=', link.ars)
        .where('m.recipient_role', '=', 'behoerde')
        .where('m.status', '=', 'angenommen')
        .where('g.solution_id', '=', link.solution_id)
        .where('g.kind', 'in', kinds)
        .orderBy('m.sent_at', 'desc')
        .limit(1)
        .executeTakeFirst()
    : undefined;
  if (newest) return newest.deadline;
  if (!link.mailing_id) return null;
  const issuing = await db.selectFrom('mailing').select('deadline').where('id', '=', link.mailing_id).executeTakeFirst();
  return issuing?.deadline ?? null;
}

/** The participant's context as far as the standing needs it (snapshots are JSON, older ones lack fields). */
interface StandingContext {
  readiness?: { status?: Readiness['status']; at?: string } | null;
  pilot?: { seit?: string } | null;
}

/**
 * The authority's stage, the solution's and the readiness the authority reported for its
 * current question: a candidate's readiness only if given since it became a candidate
 * (an invitation starts afresh on its own, EINLADEN clears it).
 */
function standingOf(solutionStage: string | null, participant: { stage: string; snapshot: unknown } | undefined): AuthorityStanding {
  const context = ((participant?.snapshot as { context?: StandingContext } | null)?.context ?? {}) as StandingContext;
  const readiness = context.readiness ?? null;
  const stale = participant?.stage === 'pilot-kandidat' && Boolean(readiness?.at && context.pilot?.seit && readiness.at < context.pilot.seit);
  return {
    participantStage: (participant?.stage as ParticipantStage | undefined) ?? null,
    solutionStage: solutionStage as SolutionStage | null,
    readiness: stale ? null : (readiness?.status ?? null),
  };
}

export async function loadLinkContext(db: Db, link: ResponseLink, now: Date = new Date()): Promise<LinkContext> {
  const [solution, authority, participant, deadline] = await Promise.all([
    db.selectFrom('solution').select(['title', 'lead_ministry', 'mail_details', 'stage']).where('id', '=', link.solution_id).executeTakeFirst(),
    db.selectFrom('authority').select('name').where('ars', '=', link.ars).executeTakeFirst(),
    db.selectFrom('participant').select(['stage', 'snapshot']).where('solution_id', '=', link.solution_id).where('ars', '=', link.ars).executeTakeFirst(),
    answerDeadlineOf(db, link),
  ]);
  const details: MailDetails = solution?.mail_details ?? {};
  const contact: LinkContext['contact'] = {};
  if (details.kontaktName) contact.kontaktName = details.kontaktName;
  if (details.kontaktEmail) contact.kontaktEmail = details.kontaktEmail;
  if (details.kontaktTelefon) contact.kontaktTelefon = details.kontaktTelefon;
  return {
    purpose: link.purpose,
    ars: link.ars,
    authorityName: authority?.name ?? link.ars,
    solutionTitle: solution?.title ?? '',
    leadMinistry: solution?.lead_ministry ?? '',
    contact,
    expiresAt: link.expires_at,
    answerDeadline: deadline ? { date: deadline, passed: deadline < berlinDate(now) } : null,
    standing: standingOf(solution?.stage ?? null, participant),
  };
}

// ---------------------------------------------------------------------------
// Validation of the form fields, per purpose

/** A form field's value, trimmed ('' when not sent); of a repeated field the first. */
export function formValue(fields: FormFields, name: string): string {
  const value = fields[name];
  const first = Array.isArray(value) ? value[0] : value;
  return (first ?? '').trim();
}

/** A repeated form field's values (checkboxes), trimmed, without blanks and repeats. */
export function formValues(fields: FormFields, name: string): string[] {
  const value = fields[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return [...new Set(values.map((v) => v.trim()).filter((v) => v !== ''))];
}

export { berlinDate };

/**
 * A date typed into the form: `type="date"` sends YYYY-MM-DD, but a browser
 * without date picker shows a text field where people type TT.MM.JJJJ.
 */
export function parseFormDate(value: string): string | null {
  const german = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(value);
  const candidate = german ? `${german[3]}-${german[2]!.padStart(2, '0')}-${german[1]!.padStart(2, '0')}` : value;
  return isCalendarDate(candidate) ? candidate : null;
}

function optionalText(fields: FormFields, errors: FieldError[]): string | undefined {
  const text = formValue(fields, 'freitext');
  if (text.length > MAX_TEXT) errors.push({ field: 'freitext', message: `Bitte fassen Sie sich kürzer (höchstens ${MAX_TEXT} Zeichen).` });
  else if (CONTROL_CHARACTERS.test(text)) errors.push({ field: 'freitext', message: 'Bitte entfernen Sie die Steuerzeichen aus dem Text (z. B. aus einer kopierten Vorlage).' });
  return text === '' ? undefined : text;
}

/** The structured answer of a form post, or the field errors to show on the form again. */
export function validateLinking(fields: FormFields, now: Date): { onlineDienstUrl: string; verknuepftAm: string; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const today = berlinDate(now);
  const onlineDienstUrl = formValue(fields, 'onlineDienstUrl');
  const raw = formValue(fields, 'verknuepftAm');
  const verknuepftAm = parseFormDate(raw);
  if (!onlineDienstUrl) errors.push({ field: 'onlineDienstUrl', message: 'Bitte geben Sie die Adresse (URL) des Online-Dienstes an.' });
  else if (!isHttpsUrl(onlineDienstUrl) || onlineDienstUrl.length > MAX_TEXT) {
    errors.push({ field: 'onlineDienstUrl', message: 'Bitte geben Sie eine vollständige Adresse an, die mit https:// beginnt.' });
  }
  if (!raw) errors.push({ field: 'verknuepftAm', message: 'Bitte geben Sie an, wann Sie den Online-Dienst verknüpft haben.' });
  else if (!verknuepftAm) errors.push({ field: 'verknuepftAm', message: 'Bitte geben Sie das Datum im Format TT.MM.JJJJ an.' });
  else if (verknuepftAm > today) errors.push({ field: 'verknuepftAm', message: 'Das Datum liegt in der Zukunft.' });
  return { onlineDienstUrl, verknuepftAm: verknuepftAm ?? raw, errors };
}

export function validateAnswer(
  purpose: LinkPurpose,
  fields: FormFields,
  now: Date,
): { answer: StructuredAnswer; errors: [] } | { answer: null; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const today = berlinDate(now);
  let answer: StructuredAnswer | null = null;

  if (purpose === 'interesse') {
    const wahl = formValue(fields, 'wahl') as InteresseWahl;
    const freitext = optionalText(fields, errors);
    if (!INTERESSE_WAHLEN.includes(wahl)) errors.push({ field: 'wahl', message: 'Bitte wählen Sie eine Antwort aus.' });
    else if (wahl === 'nicht-zustaendig' && !freitext) {
      errors.push({ field: 'freitext', message: 'Bitte nennen Sie, wer stattdessen zuständig ist.' });
    }
    answer = { purpose, wahl, ...(freitext ? { freitext } : {}) };
  } else if (purpose === 'pilot') {
    const freitext = optionalText(fields, errors);
    answer = { purpose, ...(freitext ? { freitext } : {}) };
  } else if (purpose === 'bereitschaft') {
    const status = formValue(fields, 'status') as ReadinessStatus;
    const freitext = optionalText(fields, errors);
    if (!READINESS_STATUSES.includes(status)) {
      errors.push({ field: 'status', message: 'Bitte wählen Sie aus, ob Ihre Behörde bereit ist.' });
      answer = { purpose, status };
    } else if (status === 'bereit') {
      answer = { purpose, status, ...(freitext ? { freitext } : {}) };
    } else if (status === 'bereit-ab') {
      const raw = formValue(fields, 'ab');
      const ab = parseFormDate(raw);
      if (!raw) errors.push({ field: 'ab', message: 'Bitte geben Sie an, ab wann Ihre Behörde bereit ist.' });
      else if (!ab) errors.push({ field: 'ab', message: 'Bitte geben Sie das Datum im Format TT.MM.JJJJ an.' });
      else if (ab < today) errors.push({ field: 'ab', message: 'Das Datum liegt in der Vergangenheit.' });
      answer = { purpose, status, ab: ab ?? raw, ...(freitext ? { freitext } : {}) };
    } else {
      const chosen = formValues(fields, 'gruende');
      const gruende = chosen.filter((g): g is ReadinessReason => (READINESS_REASONS as readonly string[]).includes(g));
      if (gruende.length === 0 || gruende.length !== chosen.length) {
        errors.push({ field: 'gruende', message: 'Bitte kreuzen Sie mindestens einen Grund an.' });
      } else if (gruende.includes('sonstiges') && !freitext) {
        errors.push({ field: 'freitext', message: 'Bitte beschreiben Sie „Sonstiges“ kurz.' });
      }
      answer = { purpose, status, gruende, ...(freitext ? { freitext } : {}) };
    }
  } else if (purpose === 'pilotbetrieb' || purpose === 'ticket') {
    // the pilot's page and the ticket page validate their own forms
    errors.push({ field: 'aktion', message: 'Bitte nutzen Sie die Formulare der Seite.' });
  } else {
    const chosen = formValues(fields, 'schritte');
    const schritte = BUS_BB_SCHRITTE.filter((schritt) => chosen.includes(schritt));
    if (schritte.length !== chosen.length) errors.push({ field: 'schritte', message: 'Bitte wählen Sie nur die angebotenen Schritte aus.' });
    // Steps without a linking yet (Online-Dienst created, Zuständigkeit still missing): a progress report.
    const progressOnly =
      schritte.length > 0 && !schritte.includes('zustaendigkeit-zugeordnet') && !formValue(fields, 'onlineDienstUrl') && !formValue(fields, 'verknuepftAm');
    if (progressOnly) return errors.length ? { answer: null, errors } : { answer: { purpose, schritte }, errors: [] };
    const linking = validateLinking(fields, now);
    errors.push(...linking.errors);
    answer = { purpose, onlineDienstUrl: linking.onlineDienstUrl, verknuepftAm: linking.verknuepftAm, ...(schritte.length ? { schritte } : {}) };
  }
  return errors.length ? { answer: null, errors } : { answer, errors: [] };
}

// ---------------------------------------------------------------------------
// From answer to participant events

/** The events that carry an answer into the participant machine, given where it stands. */
export function participantEventsFor(answer: StructuredAnswer, stage: string): WorkflowEvent[] {
  switch (answer.purpose) {
    case 'interesse': {
      const note = answer.freitext ? { freitext: answer.freitext } : {};
      if (answer.wahl === 'interesse') return [{ type: 'INTERESSE_BEKUNDEN', ...note }];
      if (answer.wahl === 'pilot') return [{ type: 'ALS_PILOT_BEWERBEN', ...note }];
      if (answer.wahl === 'kein-interesse') return [{ type: 'ABLEHNEN', reason: answer.freitext ?? 'Kein Interesse' }];
      return [{ type: 'NICHT_ZUSTAENDIG_MELDEN', reason: answer.freitext ?? '' }];
    }
    case 'pilot':
      return [{ type: 'ALS_PILOT_BEWERBEN', ...(answer.freitext ? { freitext: answer.freitext } : {}) }];
    case 'bereitschaft': {
      // A pilot candidate that says it is ready confirms its pilot; everybody else
      // (invited in a wave) reports readiness with the structured data.
      if (stage === 'pilot-kandidat' && answer.status === 'bereit') return [{ type: 'PILOT_BESTAETIGEN' }];
      const { purpose: _purpose, ...readiness } = answer;
      return [{ type: 'BEREITSCHAFT_MELDEN', ...readiness }];
    }
    case 'pilotbetrieb':
      return [{ type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: answer.onlineDienstUrl, verknuepftAm: answer.verknuepftAm }];
    case 'bus-bb': {
      // Invited authorities may skip the readiness answer and report directly.
      const start: WorkflowEvent[] = stage === 'eingeladen' ? [{ type: 'ONBOARDING_STARTEN' }] : [];
      if (answer.onlineDienstUrl === undefined) return [...start, { type: 'BUS_BB_SCHRITTE_MELDEN', schritte: answer.schritte ?? [] }];
      const report = { onlineDienstUrl: answer.onlineDienstUrl, verknuepftAm: answer.verknuepftAm };
      if (stage === 'bus-bb-verknuepft') return [{ type: 'BUS_BB_SCHRITTE_MELDEN', schritte: answer.schritte?.length ? answer.schritte : ['online-dienst-angelegt', 'zustaendigkeit-zugeordnet'] }];
      return [...start, { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', ...report, ...(answer.schritte?.length ? { schritte: answer.schritte } : {}) }];
    }
  }
}

/** Engine field errors name `/event/<field>`; the form calls them by the form's names. */
function formFieldOf(field: string): string {
  const name = field.replace(/^\/event\//, '');
  return name === 'reason' ? 'freitext' : name;
}

/** The machine did not take one of the answer's events: the whole answer is rolled back. */
export class AnswerNotTaken extends Error {
  readonly result: Exclude<EventResult, { kind: 'applied' }>;
  /** The participant's stage the answer met. */
  readonly stage: string | null;
  constructor(result: Exclude<EventResult, { kind: 'applied' }>, stage: string | null) {
    super(`Antwort nicht übernommen: ${result.kind}`);
    this.result = result;
    this.stage = stage;
  }
}

/**
 * Records one answer – in ONE transaction: the link is claimed (used_at null → now, so
 * of two simultaneous submits only one gets it), the participant events are applied
 * through the engine, the answer is stored on the link and the authority's reminders are
 * cancelled. If the machine refuses any of the events, nothing of it remains and the
 * authority can answer again once its status fits. Order of checks: unknown, expired,
 * already answered; whether the link still takes an answer (link-answers.ts); then the form
 * fields and whether the page offers that answer now; then the participant machine.
 *
 * An authority that answers through a link of its Erstinformation while still
 * 'vorgemerkt' (its mail was just accepted and the system has not yet noted it as
 * informed) is informed by that answer first: the answer proves the mail arrived.
 */
export async function recordAnswer(
  deps: ResponseDeps,
  input: { token: string; answer: FormFields },
): Promise<{ link: ResponseLink; recorded: RecordedAnswer }> {
  const now = deps.now();
  const link = await openResponseLink(deps.db, input.token, now);
  const { options } = await answerOptionsOf(deps.db, link);
  const validated = validateAnswer(link.purpose, input.answer, now);
  if (!validated.answer) throw new InvalidInputError('Die Antwort ist unvollständig', validated.errors);
  // a form older than the authority's last change of stage may offer an answer no longer possible
  if (!options.includes(answerOptionOf(validated.answer))) {
    throw new InvalidInputError('Diese Antwort ist nicht mehr möglich', [
      { field: CHOICE_FIELD[validated.answer.purpose], message: 'Diese Antwort ist zum jetzigen Stand nicht mehr möglich; bitte wählen Sie eine der angebotenen.' },
    ]);
  }
  try {
    const recorded = await applyAnswer(deps, link, validated.answer, now);
    return { link: { ...link, used_at: now, answer: recorded }, recorded };
  } catch (error) {
    if (!(error instanceof AnswerNotTaken)) throw error;
    const { result } = error;
    if (result.kind === 'invalid') {
      throw new InvalidInputError(result.reason, result.errors.map((e) => ({ field: formFieldOf(e.field), message: e.message })));
    }
    const current = result.kind === 'refused' || result.kind === 'already-applied' ? result.stage : error.stage;
    throw new LinkProblem('unpassend', { link, stage: current });
  }
}

/**
 * The transaction of an answer that passed its form's validation (the answer pages and the
 * pilot's go-live form): claim the link, apply the participant events, keep the answer on
 * the link, cancel the reminders. Throws LinkProblem when the link was used, renewed or
 * expired meanwhile, AnswerNotTaken when the machine refused one of the events – nothing
 * remains then.
 */
export async function applyAnswer(deps: ResponseDeps, link: ResponseLink, answer: StructuredAnswer, now: Date): Promise<RecordedAnswer> {
  const participantOf = { solutionId: link.solution_id, ars: link.ars };
  const actor = `behoerde:${link.ars}:link:${link.purpose}`;
  return inOneTransaction(deps.engine, async (trx) => {
    await claimOpenLink(trx, link, now);
    const participant = await trx
      .selectFrom('participant')
      .select('stage')
      .where('solution_id', '=', link.solution_id)
      .where('ars', '=', link.ars)
      .executeTakeFirst();
    if (!participant) throw new LinkProblem('unpassend', { link, stage: null });
    let stage = participant.stage;
    const steps: { event: WorkflowEvent; sender: EventSender }[] = participantEventsFor(answer, participant.stage).map((event) => ({
      event,
      sender: { actor, origin: 'client' },
    }));
    if (participant.stage === 'vorgemerkt' && (link.purpose === 'interesse' || link.purpose === 'pilot')) {
      steps.unshift({ event: { type: 'INFORMIEREN' }, sender: { actor: 'system:antwort-link', origin: 'system' } });
    }
    for (const { event, sender } of steps) {
      const result = await sendParticipantEvent(deps.engine, { ...participantOf, event, ...sender }, { trx });
      if (result.kind !== 'applied') throw new AnswerNotTaken(result, stage);
      stage = result.stage;
    }
    const recorded: RecordedAnswer = { ...answer, at: now.toISOString(), stage };
    await trx
      .updateTable('response_link')
      .set({ answer: toJson(recorded as Record<string, unknown>) })
      .where('token_hash', '=', link.token_hash)
      .execute();
    // Reminders of this solution's mailings are pointless once the authority has answered.
    await cancelJobs(trx, { ...participantOf, kinds: [MAILING_REMINDER_JOB] }, now);
    return recorded;
  });
}
