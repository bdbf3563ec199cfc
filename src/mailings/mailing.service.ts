import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { toJson, type Database, type MailingFilter, type MailingKind, type MailingLinkPurpose, type MailStatus } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { ConflictError, NotFoundError, InvalidInputError } from '../errors/domain.errors.ts';
import { assertMayAccess } from '../solutions/solution.service.ts';
import { enqueueJobs, JOB_PRIORITY, type NewJob } from '../engine/job.queue.ts';
import { pageWithTotal } from '../db/query.helpers.ts';
import { mailSendJob } from '../mail/mail-send.activity.ts';
import { addCalendarDays, berlinDate, berlinTime } from '../time/berlin.clock.ts';
import { linkPurposesFor } from './template.render.ts';
import { ANSWER_OPTIONS, answersAcceptedIn, stagesAnsweringAny, stagesAskedBy } from '../links/link-answers.ts';
import { PARTICIPANT_INVITABLE_STAGES } from '../../workflows/index.ts';

type Db = Kysely<Database>;

/**
 * Mailing kinds a ministry sends, the solution stages they belong to, and whom they address
 * by default (null: every participant that can answer them, recipientStages). The
 * pilot invitation carries a confirmed pilot's own page, which it may use whenever it is
 * confirmed – a pilot can be confirmed during the Erstinformation already.
 */
export const SENDABLE_KINDS: Record<
  Exclude<MailingKind, 'erinnerung' | 'eskalation'>,
  {
    stages: string[];
    defaultParticipantStages: string[] | null;
    /**
     * Whether the mail asks a question with an answer deadline, so reminders make sense:
     * the pilot invitation gives a confirmed pilot its own working page (its checklist,
     * saved again and again, and later its go-live) and names no deadline – a reminder
     * "Ihre Rückmeldung fehlt noch" would name a deadline the mail never set and reach a
     * pilot busy with its checklist.
     */
    remindable: boolean;
  }
> = {
  erstinformation: { stages: ['erstinformation'], defaultParticipantStages: null, remindable: true },
  pilotaufruf: { stages: ['erstinformation', 'pilotphase'], defaultParticipantStages: ['informiert', 'interessiert'], remindable: true },
  'pilot-einladung': { stages: ['erstinformation', 'pilotphase', 'rollout'], defaultParticipantStages: ['pilot-bestaetigt'], remindable: false },
  'rollout-einladung': { stages: ['rollout'], defaultParticipantStages: ['eingeladen'], remindable: true },
};
export type SendableKind = keyof typeof SENDABLE_KINDS;

export interface MailingInput {
  kind: SendableKind;
  filter?: MailingFilter;
  /** Answer deadline (YYYY-MM-DD); reminders count from it. */
  deadline?: string;
  reminders?: { count: number; intervalDays: number };
  /** A repeated mailing: only to the selected authorities that have not answered through its links. */
  nurOhneAntwort?: boolean;
  /** A repeated mailing: only to the selected authorities it has not reached (none delivered or under way). */
  nurNichtErreicht?: boolean;
  /** A repeated mailing: to every selected authority again (and the multipliers). */
  erneut?: boolean;
  /**
   * Internal (no route takes it): a link renewal's mail to one authority with its new
   * links (src/responses/link-renewal.service.ts) – sent even if the kind went to it
   * before, without a copy to the multipliers.
   */
  erneuerung?: boolean;
  /**
   * Internal (no route takes it): the Rollout-Einladung of a wave's start, whose EINLADEN
   * moves its members to 'eingeladen' after commit – they are addressed in the stages
   * EINLADEN reaches.
   */
  mitWellenstart?: boolean;
  /**
   * Internal (no route takes it): the key of the staff's web form that sends the mailing.
   * A second request with the same key finds the first mailing and sends nothing again.
   */
  requestKey?: string;
}

/**
 * The participant stages a mailing of this kind may write to: a mail asks for the answers
 * its links offer, so it goes only to authorities that can give every one of them
 * (link-answers.ts). A renewal re-sends links, to an authority that can still answer one
 * of them; a wave's invitation goes to members the wave's start invites.
 */
export function recipientStages(input: Pick<MailingInput, 'kind' | 'erneuerung' | 'mitWellenstart'>): readonly string[] {
  const purposes = linkPurposesFor(input.kind);
  if (input.erneuerung) return stagesAnsweringAny(purposes);
  if (input.mitWellenstart) return PARTICIPANT_INVITABLE_STAGES;
  return stagesAskedBy(purposes);
}

export interface MailingSettings {
  /** Copies of the Erstinformation (Spitzenverbände, Kaz/ZIT-BB). */
  multiplierEmails: readonly string[];
  /** Right-hand side of every Message-ID: a fully qualified domain, else spam filters score it. */
  messageIdDomain: string;
}

const REPEAT_OPTIONS = ['nurOhneAntwort', 'nurNichtErreicht', 'erneut'] as const;

/**
 * Statuses of a message that reached its authority or is still on its way (retries
 * included): sending it again would give the authority two copies.
 */
const REACHED_OR_UNDER_WAY: MailStatus[] = ['ausstehend', 'wird-gesendet', 'angenommen', 'zurueckgestellt'];

/** Reminders go out in the morning, Brandenburg time. */
const REMINDER_HOUR = 8;

/**
 * When reminder n (1-based) of a mailing is due: at 08:00 in Brandenburg on the morning
 * after the deadline, and every `intervalDays` calendar days after – across a change of
 * daylight-saving time too.
 */
export function reminderDueAt(deadline: string, intervalDays: number, n: number): Date {
  return berlinTime(addCalendarDays(deadline, 1 + (n - 1) * intervalDays), REMINDER_HOUR);
}

export const newMessageId = (domain: string) => `<${randomUUID()}@${domain}>`;

/** Authorities of the solution that a mailing of this kind was addressed to (its own message, not a reminder). */
export async function authoritiesMailed(trx: Db, solutionId: string, kind: MailingKind, statuses?: MailStatus[]): Promise<Set<string>> {
  let query = trx
    .selectFrom('mail_message as m')
    .innerJoin('mailing as g', 'g.id', 'm.mailing_id')
    .select('m.ars')
    .distinct()
    .where('g.solution_id', '=', solutionId)
    .where('g.kind', '=', kind)
    .where('m.kind', '=', kind)
    .where('m.recipient_role', '=', 'behoerde')
    .where('m.reminder_no', '=', 0);
  if (statuses) query = query.where('m.status', 'in', statuses);
  const rows = await query.execute();
  return new Set(rows.flatMap((row) => (row.ars ? [row.ars] : [])));
}

/** Per authority, the purposes among `purposes` whose current link it has answered. */
async function answeredPurposes(trx: Db, solutionId: string, authorities: string[], purposes: readonly MailingLinkPurpose[]) {
  const answered = new Map<string, Set<string>>();
  if (authorities.length === 0 || purposes.length === 0) return answered;
  const rows = await trx
    .selectFrom('response_link')
    .select(['ars', 'purpose'])
    .where('solution_id', '=', solutionId)
    .where('ars', 'in', authorities)
    .where('purpose', 'in', [...purposes])
    .where('used_at', 'is not', null)
    .where('superseded_at', 'is', null)
    .execute();
  for (const row of rows) answered.set(row.ars, (answered.get(row.ars) ?? new Set()).add(row.purpose));
  return answered;
}

/** Authorities that answered through a link of one of the kind's purposes (from whichever mailing). */
async function authoritiesAnswered(trx: Db, solutionId: string, kind: MailingKind): Promise<Set<string>> {
  const purposes = linkPurposesFor(kind);
  if (!purposes.length) return new Set();
  const rows = await trx
    .selectFrom('response_link')
    .select('ars')
    .distinct()
    .where('solution_id', '=', solutionId)
    .where('purpose', 'in', purposes)
    .where('used_at', 'is not', null)
    .execute();
  return new Set(rows.map((row) => row.ars));
}

function repeatRefusal(kind: SendableKind, repeated: number, selected: number): string {
  const multipliers = kind === 'erstinformation' ? ' und an die Multiplikatoren' : '';
  return (
    `Ein Mailing „${kind}“ ging bereits an ${repeated} der ${selected} ausgewählten Behörden. ` +
    'Ein weiteres wird nur versandt, wenn Sie angeben, an wen es gehen soll: ' +
    '„nurOhneAntwort: true“ – nur an die Behörden, die noch über keinen Link geantwortet haben; ' +
    '„nurNichtErreicht: true“ – nur an die Behörden, die das Mailing nicht erreicht hat (nicht zustellbar oder bisher nicht angeschrieben); ' +
    `„erneut: true“ – noch einmal an alle ausgewählten Behörden${multipliers}. Die Links in der Mail bleiben dieselben.`
  );
}

/**
 * Creates a mailing: selects the recipients from the solution's participants, records
 * one message per recipient and hands every message to delivery as a durable job –
 * all in one transaction, so a mailing exists with all its messages or not at all.
 * Authorities without an e-mail address are reported, not skipped silently. A kind
 * already sent to some of the selected authorities goes out again only when the
 * request says to whom (nurOhneAntwort, nurNichtErreicht, erneut): a second click must
 * not send hundreds of authorities the same mail.
 */
export async function createMailing(
  db: Db,
  settings: MailingSettings,
  principal: Principal,
  solutionId: string,
  input: MailingInput,
  actor: string,
  now: Date,
) {
  // createMailingInTransaction checks the request's own rules first, before it reads or writes anything.
  return db.transaction().execute((trx) => createMailingInTransaction(trx, settings, principal, solutionId, input, actor, now));
}

/** The request's own rules, before anything is read or written. */
function assertMailingInput(input: MailingInput, now: Date): void {
  if (input.deadline && input.deadline < berlinDate(now)) {
    throw new InvalidInputError('Die Antwortfrist liegt in der Vergangenheit', [{ field: '/body/deadline', message: 'Datum ab heute angeben' }]);
  }
  if (input.reminders?.count && !SENDABLE_KINDS[input.kind].remindable) {
    throw new InvalidInputError(`Ein Mailing „${input.kind}“ fragt nichts mit Antwortfrist; Erinnerungen sind dafür nicht vorgesehen`, [
      { field: '/body/reminders/count', message: 'für diese Art 0 oder weglassen' },
    ]);
  }
  if (input.reminders?.count && !input.deadline) {
    throw new InvalidInputError('Erinnerungen brauchen eine Antwortfrist', [{ field: '/body/deadline', message: 'Pflichtangabe, wenn reminders.count > 0' }]);
  }
  const repeatOptions = REPEAT_OPTIONS.filter((option) => input[option]);
  if (repeatOptions.length > 1) {
    throw new InvalidInputError(
      'Bitte nur eine Angabe dazu, an wen das Mailing erneut gehen soll',
      repeatOptions.slice(1).map((option) => ({ field: `/body/${option}`, message: `schließt sich mit „${repeatOptions[0]}“ aus` })),
    );
  }
}

/**
 * createMailing inside the caller's transaction: a wave's start records the wave, its
 * invitations and their mailing as one (src/waves), a link renewal its new links and
 * the mail that carries them.
 */
export async function createMailingInTransaction(
  trx: Db,
  settings: MailingSettings,
  principal: Principal,
  solutionId: string,
  input: MailingInput,
  actor: string,
  now: Date,
) {
  assertMailingInput(input, now);
  const repeatOptions = REPEAT_OPTIONS.filter((option) => input[option]);
  const mailingId = randomUUID();
  const solution = await trx
    .selectFrom('solution')
    .select(['id', 'lead_ministry', 'stage', 'mail_details'])
    .where('id', '=', solutionId)
    .forUpdate()
    .executeTakeFirst();
  if (!solution) throw new NotFoundError(`EfA-Lösung ${solutionId} gibt es nicht`);
  assertMayAccess(principal, solution);
  if (input.requestKey) {
    // under the solution's row lock: a second submit of the same form waits for the first and finds its mailing
    const earlier = await trx
      .selectFrom('mailing')
      .select(['id', 'without_address'])
      .where('solution_id', '=', solutionId)
      .where('request_key', '=', input.requestKey)
      .executeTakeFirst();
    if (earlier) {
      const sent = await trx
        .selectFrom('mail_message')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('mailing_id', '=', earlier.id)
        .where('reminder_no', '=', 0)
        .executeTakeFirstOrThrow();
      return { mailingId: earlier.id, messages: sent.n, withoutAddress: earlier.without_address, replayed: true };
    }
  }
  const rule = SENDABLE_KINDS[input.kind];
  // a renewal re-sends an authority's links that can still be answered, in whichever stage the rollout is (link-renewal.service.ts)
  if (!input.erneuerung && !rule.stages.includes(solution.stage)) {
    throw new ConflictError(
      `Ein Mailing „${input.kind}“ passt zu den Stadien ${rule.stages.join(', ')}; die Lösung ist im Stadium „${solution.stage}“.`,
      { stage: solution.stage },
    );
  }
  // Every mail signs with the contact and answers go to it (Reply-To); "wird noch bekannt gegeben" helps no authority.
  const missingContact = (['kontaktName', 'kontaktEmail'] as const).filter((key) => !solution.mail_details?.[key]?.trim());
  if (missingContact.length) {
    throw new InvalidInputError(
      'Vor dem Versand fehlt die Ansprechperson der Lösung: die Mails nennen sie, und Antworten der Behörden gehen an sie. Bitte zuerst mit PUT /api/v1/solutions/:id/mail-details ergänzen.',
      missingContact.map((key) => ({
        field: `/mailDetails/${key}`,
        message: key === 'kontaktName' ? 'Name der Ansprechperson fehlt' : 'E-Mail-Adresse der Ansprechperson fehlt',
      })),
    );
  }
  const answering = recipientStages(input);
  // An authority that already answered a link the mail carries is not asked that again (the
  // link's page shows its answer): it may get the mail if it can give every other answer.
  const purposes = linkPurposesFor(input.kind);
  const reachable = input.erneuerung || input.mitWellenstart ? answering : stagesAnsweringAny(purposes);
  const cannotAnswer = (stage: string) =>
    `Im Stadium „${stage}“ kann eine Behörde nicht beantworten, worum die Mail „${input.kind}“ bittet; möglich in: ${answering.join(', ')}` +
    (reachable.length > answering.length ? ` (in ${reachable.filter((r) => !answering.includes(r)).join(', ')} nur, wer die übrigen Fragen schon beantwortet hat)` : '');
  const wrongStages = (input.filter?.stages ?? []).map((stage, i) => ({ stage, i })).filter(({ stage }) => !reachable.includes(stage));
  if (wrongStages.length) {
    throw new InvalidInputError(
      'Die Mail ginge an Behörden, die nicht beantworten können, worum sie bittet',
      wrongStages.map(({ stage, i }) => ({ field: `/body/filter/stages/${i}`, message: cannotAnswer(stage) })),
    );
  }
  const defaultStages = (rule.defaultParticipantStages ?? reachable).filter((stage) => reachable.includes(stage));
  const filter: MailingFilter = {
    ...input.filter,
    ...(input.filter?.stages || input.filter?.authorities ? {} : { stages: defaultStages }),
  };
  let query = trx
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .select(['p.ars', 'a.email', 'p.stage'])
    .where('p.solution_id', '=', solutionId);
  if (filter.stages?.length) query = query.where('p.stage', 'in', filter.stages);
  if (filter.kreisArs) query = query.where('a.kreis_ars', '=', filter.kreisArs);
  if (filter.authorities?.length) query = query.where('p.ars', 'in', filter.authorities);
  const selected = await query.orderBy('p.ars').execute();
  const answeredOf = await answeredPurposes(
    trx,
    solutionId,
    selected.filter((r) => !answering.includes(r.stage) && reachable.includes(r.stage)).map((r) => r.ars),
    purposes,
  );
  const fits = (r: { ars: string; stage: string }) =>
    answering.includes(r.stage) ||
    (reachable.includes(r.stage) &&
      purposes.every((purpose) => answeredOf.get(r.ars)?.has(purpose) || answersAcceptedIn(purpose, r.stage).length === ANSWER_OPTIONS[purpose].length));
  const recipients = selected.filter(fits);
  if (filter.authorities?.length) {
    const found = new Map(selected.map((r) => [r.ars, r]));
    const unfit = filter.authorities
      .map((ars, i) => ({ ars, i, stage: found.get(ars)?.stage }))
      .filter(({ ars, stage }) => stage === undefined || !fits(found.get(ars)!));
    if (unfit.length) {
      throw new InvalidInputError(
        'Nicht alle Behörden sind Teilnehmende dieser Lösung, die beantworten können, worum die Mail bittet',
        unfit.map(({ ars, i, stage }) => ({
          field: `/body/filter/authorities/${i}`,
          message: stage === undefined ? `${ars} ist keine passende Teilnehmerin` : `${ars}: ${cannotAnswer(stage)}`,
        })),
      );
    }
  }
  if (recipients.length === 0) {
    throw new ConflictError('Der Filter trifft keine teilnehmende Behörde; es wurde nichts versandt.', { filter });
  }

  const mailedBefore = await authoritiesMailed(trx, solutionId, input.kind);
  const repeated = recipients.filter((r) => mailedBefore.has(r.ars)).length;
  if (repeated > 0 && repeatOptions.length === 0 && !input.erneuerung) {
    throw new ConflictError(repeatRefusal(input.kind, repeated, recipients.length), {
      kind: input.kind,
      selected: recipients.length,
      alreadySent: repeated,
      options: REPEAT_OPTIONS,
    });
  }
  let chosen = recipients;
  if (input.nurOhneAntwort) {
    const answered = await authoritiesAnswered(trx, solutionId, input.kind);
    chosen = recipients.filter((r) => !answered.has(r.ars));
    if (!chosen.length) {
      throw new ConflictError('Alle ausgewählten Behörden haben bereits über einen Link geantwortet; es wurde nichts versandt.', { filter });
    }
  }
  if (input.nurNichtErreicht) {
    const reached = await authoritiesMailed(trx, solutionId, input.kind, REACHED_OR_UNDER_WAY);
    chosen = recipients.filter((r) => !reached.has(r.ars));
    if (!chosen.length) {
      throw new ConflictError(
        'Das Mailing hat alle ausgewählten Behörden bereits erreicht oder ist noch zu ihnen unterwegs; es wurde nichts versandt.',
        { filter },
      );
    }
  }
  // The multipliers hear of the Erstinformation once; a repeat for a few authorities is no news to them.
  const firstOfKind = !(await trx
    .selectFrom('mailing')
    .select('id')
    .where('solution_id', '=', solutionId)
    .where('kind', '=', input.kind)
    .limit(1)
    .executeTakeFirst());
  const withMultipliers = input.kind === 'erstinformation' && !input.erneuerung && (firstOfKind || input.erneut === true);

  const withAddress = chosen.filter((r): r is { ars: string; email: string; stage: string } => Boolean(r.email));
  const withoutAddress = chosen.filter((r) => !r.email).map((r) => r.ars);

  const reminders = input.reminders ?? { count: 0, intervalDays: 7 };
  await trx
    .insertInto('mailing')
    .values({
      id: mailingId,
      solution_id: solutionId,
      kind: input.kind,
      filter: toJson({ ...filter, ...Object.fromEntries(repeatOptions.map((option) => [option, true])), ...(input.erneuerung ? { erneuerung: true } : {}) }),
      deadline: input.deadline ?? null,
      reminder_count: reminders.count,
      reminder_interval_days: reminders.intervalDays,
      recipients_total: chosen.length,
      without_address: toJson(withoutAddress),
      created_by: actor,
      created_at: now,
      request_key: input.requestKey ?? null,
    })
    .execute();

  const messages = [
    ...withAddress.map((r) => ({ ars: r.ars as string | null, email: r.email, role: 'behoerde' as const })),
    ...(withMultipliers ? settings.multiplierEmails.map((email) => ({ ars: null, email, role: 'multiplikator' as const })) : []),
  ].map((m) => ({
    id: randomUUID(),
    mailing_id: mailingId,
    ars: m.ars,
    recipient_email: m.email,
    recipient_role: m.role,
    kind: input.kind as MailingKind,
    message_id: newMessageId(settings.messageIdDomain),
    updated_at: now,
  }));
  for (let offset = 0; offset < messages.length; offset += 1000) {
    await trx.insertInto('mail_message').values(messages.slice(offset, offset + 1000)).execute();
  }

  const jobs: NewJob[] = messages.map((m) => mailSendJob(m.id, now));
  // The first Erstinformation marks the step as sent; a repeat has nothing left to mark.
  if (input.kind === 'erstinformation' && firstOfKind) {
    jobs.push({ kind: 'mailing.handedOver', payload: { mailingId, solutionId }, idempotencyKey: `mailing.handedOver:${mailingId}`, runAt: now, solutionId });
  }
  if (input.deadline && reminders.count > 0) {
    for (const r of withAddress) {
      jobs.push({
        kind: 'mailing.reminder',
        payload: { mailingId, solutionId, ars: r.ars, n: 1 },
        idempotencyKey: `reminder:${solutionId}:${r.ars}:${mailingId}:1`,
        runAt: reminderDueAt(input.deadline, reminders.intervalDays, 1),
        solutionId,
        ars: r.ars,
        priority: JOB_PRIORITY.normal,
      });
    }
    jobs.push({
      kind: 'mailing.escalate',
      payload: { mailingId, solutionId },
      idempotencyKey: `mailing.escalate:${mailingId}`,
      runAt: reminderDueAt(input.deadline, reminders.intervalDays, reminders.count + 1),
      solutionId,
      priority: JOB_PRIORITY.normal,
    });
  }
  await enqueueJobs(trx, jobs);
  return { mailingId, messages: messages.length, withoutAddress, replayed: false };
}

/** Thrown to roll a planned mailing back: it carries what the mailing would have been. */
class PlannedMailing extends Error {
  readonly plan: MailingPlan;
  constructor(plan: MailingPlan) {
    super('planned mailing');
    this.plan = plan;
  }
}

export interface MailingPlan {
  /** Authorities the mailing writes to (with an address). */
  authorities: number;
  /** Copies to the multipliers (Erstinformation). */
  multipliers: number;
  /** ARS of chosen authorities without an address: they get nothing. */
  withoutAddress: string[];
  /** The first authority written to, for a preview of its mail; null when none has an address. */
  firstArs: string | null;
}

/**
 * What createMailing would do with this request now, without doing it: the same function
 * runs in a transaction that is rolled back, so the plan refuses exactly what the mailing
 * would refuse (409/422) and counts exactly whom it would write to.
 */
export async function planMailing(db: Db, settings: MailingSettings, principal: Principal, solutionId: string, input: MailingInput, actor: string, now: Date): Promise<MailingPlan> {
  const { requestKey: _ignored, ...plain } = input;
  try {
    await db.transaction().execute(async (trx) => {
      const result = await createMailingInTransaction(trx, settings, principal, solutionId, plain, actor, now);
      const rows = await trx
        .selectFrom('mail_message')
        .select(['ars', 'recipient_role'])
        .where('mailing_id', '=', result.mailingId)
        .orderBy('ars')
        .execute();
      const authorities = rows.filter((row) => row.recipient_role === 'behoerde');
      throw new PlannedMailing({
        authorities: authorities.length,
        multipliers: rows.length - authorities.length,
        withoutAddress: result.withoutAddress,
        firstArs: authorities[0]?.ars ?? null,
      });
    });
  } catch (error) {
    if (error instanceof PlannedMailing) return error.plan;
    throw error;
  }
  throw new Error('planMailing: the transaction ended without a plan');
}

/**
 * How many authorities an Erstinformation would write to now (participants with an
 * address): the count a preview of the multiplier copy shows.
 */
export async function countAddressableParticipants(db: Db, solutionId: string): Promise<number> {
  const row = await db
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('p.solution_id', '=', solutionId)
    .where('a.email', 'is not', null)
    .where('a.email', '<>', '')
    .executeTakeFirstOrThrow();
  return row.n;
}

/** Sent / pending / failed of a mailing while it runs, and who could not be addressed. */
export async function getMailingProgress(db: Db, principal: Principal, solutionId: string, mailingId: string) {
  const mailing = await db
    .selectFrom('mailing as m')
    .innerJoin('solution as s', 's.id', 'm.solution_id')
    .selectAll('m')
    .select('s.lead_ministry')
    .where('m.id', '=', mailingId)
    .where('m.solution_id', '=', solutionId)
    .executeTakeFirst();
  if (!mailing) throw new NotFoundError(`Mailing ${mailingId} gibt es nicht`);
  assertMayAccess(principal, { id: solutionId, lead_ministry: mailing.lead_ministry });
  const counts = await db
    .selectFrom('mail_message')
    .select(['kind', 'status', sql<number>`count(*)::int`.as('n')])
    .where('mailing_id', '=', mailingId)
    .groupBy(['kind', 'status'])
    .execute();
  const byStatus = (kind: MailingKind) =>
    Object.fromEntries(counts.filter((c) => c.kind === kind).map((c) => [c.status, c.n])) as Partial<Record<MailStatus, number>>;
  const main = byStatus(mailing.kind);
  const total = Object.values(main).reduce((a, b) => a + (b ?? 0), 0);
  const open = (main.ausstehend ?? 0) + (main['wird-gesendet'] ?? 0) + (main.zurueckgestellt ?? 0);
  return {
    id: mailing.id,
    kind: mailing.kind,
    filter: mailing.filter,
    deadline: mailing.deadline,
    reminders: { count: mailing.reminder_count, intervalDays: mailing.reminder_interval_days },
    createdBy: mailing.created_by,
    createdAt: mailing.created_at.toISOString(),
    recipientsTotal: mailing.recipients_total,
    withoutAddress: mailing.without_address,
    messages: { total, byStatus: main, open, done: open === 0 },
    reminderMessages: byStatus('erinnerung'),
    escalationMessages: byStatus('eskalation'),
  };
}

export async function listMailings(db: Db, principal: Principal, solutionId: string) {
  const solution = await db.selectFrom('solution').select(['id', 'lead_ministry']).where('id', '=', solutionId).executeTakeFirst();
  if (!solution) throw new NotFoundError(`EfA-Lösung ${solutionId} gibt es nicht`);
  assertMayAccess(principal, solution);
  const mailings = await db.selectFrom('mailing').select('id').where('solution_id', '=', solutionId).orderBy('created_at', 'desc').execute();
  return Promise.all(mailings.map((m) => getMailingProgress(db, principal, solutionId, m.id)));
}

export async function listMailingMessages(
  db: Db,
  principal: Principal,
  solutionId: string,
  mailingId: string,
  filter: { status?: string; limit: number; offset: number },
) {
  await getMailingProgress(db, principal, solutionId, mailingId); // access check
  let query = db
    .selectFrom('mail_message as m')
    .leftJoin('authority as a', 'a.ars', 'm.ars')
    .where('m.mailing_id', '=', mailingId);
  if (filter.status) query = query.where('m.status', '=', filter.status as MailStatus);
  const { rows, total } = await pageWithTotal(
    query,
    (q) =>
      q
        .select([
          'm.id',
          'm.ars',
          'a.name',
          'm.recipient_email',
          'm.recipient_role',
          'm.kind',
          'm.reminder_no',
          'm.status',
          'm.message_id',
          'm.attempts',
          'm.last_response',
          'm.sent_at',
        ])
        .orderBy('m.kind')
        .orderBy('m.recipient_email'),
    filter,
  );
  return {
    total,
    items: rows.map((m) => ({
      id: m.id,
      ars: m.ars,
      authority: m.name,
      email: m.recipient_email,
      // a mailing's rows: never 'kaz' (only ticket mails go to the Kaz queue)
      role: m.recipient_role as 'behoerde' | 'multiplikator' | 'ministerium',
      kind: m.kind,
      reminderNo: m.reminder_no,
      status: m.status,
      messageId: m.message_id,
      attempts: m.attempts,
      serverResponse: m.last_response,
      sentAt: m.sent_at?.toISOString() ?? null,
    })),
  };
}

/** A bounce reported later (DSN): the message counts as undeliverable. */
export async function recordBounce(db: Db, messageId: string, reason: string) {
  const result = await db
    .updateTable('mail_message')
    .set({ status: 'unzustellbar', last_response: reason, updated_at: new Date() })
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new NotFoundError(`Keine Nachricht mit Message-ID ${messageId}`);
}
