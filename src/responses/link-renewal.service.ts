import type { MailingLinkPurpose } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { inOneTransaction, type EngineDeps } from '../engine/workflow.engine.ts';
import { ConflictError, NotFoundError } from '../errors/domain.errors.ts';
import { loadAccessibleSolution } from '../solutions/solution.service.ts';
import { createMailingInTransaction, recipientStages, type MailingSettings, type SendableKind } from '../mailings/mailing.service.ts';
import { linkPurposesFor } from '../mailings/template.render.ts';
import { issueRenewedLinks, loadIssuedLinks, nextLinkGenerations, supersedeCurrentLinks } from '../links/link.renewal.ts';
import { recordChange } from '../engine/change.record.ts';
import { ANSWER_OPTIONS, answersAcceptedIn } from '../links/link-answers.ts';
import { PARTICIPANTS_MOVING_STAGES, SOLUTION_FINAL_STAGES } from '../../workflows/index.ts';

/**
 * The ministry reissues an authority's answer links (expired, or the mail is lost): a
 * new mail of the kind that fits the authority's stage, with fresh links for the
 * purposes it can still answer (link-answers.ts) and has not answered yet; the links they
 * replace stop working. Possible for every link that can still be answered – also an
 * Erstinformation link during the rollout – and refused, with the reason, where none can.
 *
 * The old links are superseded and the next generation issued (links/link.renewal.ts):
 * the old link shows "nicht mehr gültig" instead of "unbekannt". An answered link is not
 * renewed: that would allow a second answer.
 *
 * All in one transaction with a history row LINKS_ERNEUERT: links superseded, new ones
 * recorded, the mail and its delivery job queued – or nothing. The new rows get their
 * expiry when the mail is rendered (mailing time + LINK_TTL_DAYS, as every link): until
 * then nobody has the token.
 */

/** The kinds a renewal re-sends, in order of preference. */
const RENEWAL_KINDS: readonly SendableKind[] = ['erstinformation', 'pilotaufruf', 'pilot-einladung', 'rollout-einladung'];

/** The purposes of the links an authority in this stage can still answer (link-answers.ts). */
function answerablePurposes(stage: string): MailingLinkPurpose[] {
  return (Object.keys(ANSWER_OPTIONS) as MailingLinkPurpose[]).filter((purpose) => answersAcceptedIn(purpose, stage).length > 0);
}

export interface LinkRenewalDeps {
  engine: EngineDeps;
  settings: MailingSettings;
}

export async function renewParticipantLinks(
  deps: LinkRenewalDeps,
  input: { principal: Principal; actor: string; solutionId: string; ars: string },
) {
  const { engine } = deps;
  const { solutionId, ars, principal, actor } = input;
  const now = engine.now();
  return inOneTransaction(engine, async (trx) => {
    const solution = await loadAccessibleSolution(trx, principal, solutionId);
    // FOR UPDATE: an answer through one of the links (which moves the participant) waits for the renewal, or the renewal for it.
    const participant = await trx
      .selectFrom('participant as p')
      .innerJoin('authority as a', 'a.ars', 'p.ars')
      .select(['p.stage', 'p.machine_version', 'a.email'])
      .where('p.solution_id', '=', solutionId)
      .where('p.ars', '=', ars)
      .forUpdate('p')
      .executeTakeFirst();
    if (!participant) throw new NotFoundError(`Behörde ${ars} ist nicht Teilnehmerin dieser Lösung`);
    const refuse = (reason: string) => new ConflictError(`${reason}; es wurde nichts erneuert.`, { stage: participant.stage, solutionStage: solution.stage });
    if ((SOLUTION_FINAL_STAGES as readonly string[]).includes(solution.stage)) {
      throw refuse(`Die Lösung ist ${solution.stage}: über ihre Links ist keine Antwort mehr möglich`);
    }
    if (!PARTICIPANTS_MOVING_STAGES.includes(solution.stage)) {
      throw refuse(`Die Lösung ist im Stadium „${solution.stage}“: ihre Links nehmen erst nach FORTSETZEN wieder Antworten an, neue Links erst dann`);
    }
    const answerable = answerablePurposes(participant.stage);
    if (answerable.length === 0) {
      throw refuse(`Im Stadium „${participant.stage}“ kann die Behörde über keinen Link mehr antworten`);
    }
    const rows = await loadIssuedLinks(trx, { solutionId, ars, purposes: answerable });
    const answered = new Set(rows.filter((row) => row.superseded_at === null && row.used_at !== null).map((row) => row.purpose));
    const unanswered = answerable.filter((purpose) => !answered.has(purpose));
    if (unanswered.length === 0) {
      throw refuse(`Die Behörde hat über alle Links, die sie im Stadium „${participant.stage}“ noch beantworten kann (${answerable.join(', ')}), schon geantwortet`);
    }
    // The mail that asks for exactly what the authority can answer; else one that carries a
    // link it was sent and can still answer (the page of each other link says what became of it).
    const mailedBefore = new Set(rows.map((row) => row.purpose));
    const kind =
      RENEWAL_KINDS.find((candidate) => recipientStages({ kind: candidate }).includes(participant.stage)) ??
      RENEWAL_KINDS.find((candidate) => linkPurposesFor(candidate).some((purpose) => unanswered.includes(purpose) && mailedBefore.has(purpose)));
    if (!kind) {
      throw refuse(`Im Stadium „${participant.stage}“ fragt keine Mail nach dem, was die Behörde noch beantworten kann (${unanswered.join(', ')})`);
    }
    if (!participant.email) {
      throw new ConflictError(`Behörde ${ars} hat keine E-Mail-Adresse im Kommunalverzeichnis; neue Links könnten sie nicht erreichen.`, { stage: participant.stage });
    }
    const purposes = linkPurposesFor(kind);
    const open = purposes.filter((purpose) => unanswered.includes(purpose));
    if (open.length === 0) throw refuse(`Die Behörde hat über alle Links der „${kind}“, die sie noch beantworten kann, schon geantwortet`);
    const generations = nextLinkGenerations(rows, open);

    await supersedeCurrentLinks(trx, { solutionId, ars, purposes: open, now });
    const mailing = await createMailingInTransaction(
      trx,
      deps.settings,
      principal,
      solutionId,
      { kind, filter: { authorities: [ars] }, erneuerung: true },
      actor,
      now,
    );
    // expiry "now" until the mail is rendered (see above): until then nobody has the token
    await issueRenewedLinks(trx, { solutionId, ars, generations, mailingId: mailing.mailingId, expiresAt: now });
    const historyId = await recordChange(trx, {
      solutionId,
      ars,
      stage: participant.stage,
      machineVersion: participant.machine_version,
      eventType: 'LINKS_ERNEUERT',
      event: { kind, purposes: open, generation: Object.fromEntries(generations), mailingId: mailing.mailingId },
      actor,
      at: now,
    });
    return {
      ars,
      stage: participant.stage,
      kind,
      renewed: open,
      alreadyAnswered: purposes.filter((purpose) => answered.has(purpose)),
      mailingId: mailing.mailingId,
      historyId,
    };
  });
}
