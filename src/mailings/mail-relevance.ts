import type { Kysely } from 'kysely';
import type { Database, MailingKind, MailMessage } from '../db/schema.ts';
import { WaitForResumeError } from '../engine/job.queue.ts';
import { PARTICIPANT_FINAL_STAGES, SOLUTION_FINAL_STAGES } from '../../workflows/index.ts';
import { stagesAskedBy } from '../links/link-answers.ts';
import { linkPurposesFor } from './template.render.ts';

/**
 * Whether a reminder, an escalation or any mail of a solution is still wanted when its
 * job comes round: a paused solution holds them (the job waits for FORTSETZEN), an ended
 * solution or an authority that is done makes them pointless. Checked by every job that
 * creates such a mail and once more right before the mail is handed to the server, so a
 * stage change between the two cannot let one slip through.
 */

type Db = Kysely<Database>;

/** 'active' or 'ended'; throws WaitForResumeError while the solution is paused. */
export async function solutionGate(db: Db, solutionId: string): Promise<'active' | 'ended'> {
  const solution = await db.selectFrom('solution').select('stage').where('id', '=', solutionId).executeTakeFirst();
  if (!solution || (SOLUTION_FINAL_STAGES as readonly string[]).includes(solution.stage)) return 'ended';
  if (solution.stage === 'pausiert') throw new WaitForResumeError(solutionId);
  return 'active';
}

/**
 * Whether a reminder of a mailing of this kind still asks the authority something it can
 * answer: its stage must take every answer the reminded mail's links offer (link-answers.ts)
 * – an authority that moved on by another way (the ministry confirmed it as pilot, invited
 * it in a wave) is not reminded of a question that no longer fits.
 */
export async function participantStillAsked(db: Db, solutionId: string, ars: string, kind: MailingKind): Promise<boolean> {
  const participant = await db
    .selectFrom('participant')
    .select('stage')
    .where('solution_id', '=', solutionId)
    .where('ars', '=', ars)
    .executeTakeFirst();
  if (!participant || (PARTICIPANT_FINAL_STAGES as readonly string[]).includes(participant.stage)) return false;
  return (stagesAskedBy(linkPurposesFor(kind)) as readonly string[]).includes(participant.stage);
}

/**
 * For the delivery of one message: 'send', or why it is discarded. Mails of a mailing
 * that was started before a pause still go out (the ministry sent them); reminders and
 * escalations wait for the pause to end.
 */
export async function messageStillWanted(db: Db, message: MailMessage): Promise<'send' | { discard: string }> {
  const verdict = (await messagesStillWanted(db, [message])).get(message.id)!;
  if (verdict instanceof Error) throw verdict;
  return verdict;
}

/**
 * `messageStillWanted` for a batch of messages: their mailings and solutions in one
 * statement. Per message 'send', why it is discarded, or the WaitForResumeError its job
 * meets while the solution is paused.
 */
export async function messagesStillWanted(db: Db, messages: readonly MailMessage[]): Promise<Map<string, 'send' | { discard: string } | WaitForResumeError>> {
  const verdicts = new Map<string, 'send' | { discard: string } | WaitForResumeError>();
  const mailingIds = [...new Set(messages.flatMap((message) => (message.mailing_id ? [message.mailing_id] : [])))];
  const mailings = mailingIds.length
    ? await db
        .selectFrom('mailing as g')
        .leftJoin('solution as s', 's.id', 'g.solution_id')
        .select(['g.id', 'g.solution_id', 'g.kind', 's.stage'])
        .where('g.id', 'in', mailingIds)
        .execute()
    : [];
  const mailingOf = new Map(mailings.map((mailing) => [mailing.id, mailing]));
  for (const message of messages) {
    const mailing = message.mailing_id ? mailingOf.get(message.mailing_id) : undefined;
    if (!mailing) {
      verdicts.set(message.id, { discard: 'Mailing gibt es nicht mehr' });
      continue;
    }
    const followUp = message.kind === 'erinnerung' || message.kind === 'eskalation';
    if (!mailing.stage || (SOLUTION_FINAL_STAGES as readonly string[]).includes(mailing.stage)) {
      verdicts.set(message.id, { discard: `nicht gesendet: die Lösung ist ${mailing.stage ?? 'gelöscht'}` });
    } else if (followUp && mailing.stage === 'pausiert') {
      verdicts.set(message.id, new WaitForResumeError(mailing.solution_id));
    } else if (message.kind === 'erinnerung' && message.ars && !(await participantStillAsked(db, mailing.solution_id, message.ars, mailing.kind))) {
      verdicts.set(message.id, { discard: 'nicht gesendet: die Behörde braucht keine Erinnerung mehr, oder ihr Stand passt nicht mehr zur Frage der Mail' });
    } else {
      verdicts.set(message.id, 'send');
    }
  }
  return verdicts;
}
