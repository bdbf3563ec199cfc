import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Database, Job, MailMessage } from '../db/schema.ts';
import { DeferJobError, enqueueJobs, type JobHandler } from '../engine/job.queue.ts';
import { settleEffectEvent } from '../engine/effect.activities.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { sendParticipantEvent, sendParticipantEventToMany } from '../solutions/participant.target.ts';
import { sendSolutionEvent } from '../solutions/solution.target.ts';

/**
 * How the Erstinformation moves the machines. An authority counts as informed as soon
 * as the mail server accepted its own message – not when the whole mailing is through,
 * which with a slow relay can take hours in which its answer would be refused. The
 * solution records the Erstinformation as sent once every message went to delivery.
 * Authorities without an address, or whose message failed, stay 'vorgemerkt': they were
 * not informed, and the ministry sees them as such.
 */

type Db = Kysely<Database>;

export const INFORM_PARTICIPANT_JOB = 'participant.inform';
export const ERSTINFORMATION_HANDED_OVER_JOB = 'mailing.handedOver';

export interface ErstinformationActivityDeps {
  db: Db;
  engine: EngineDeps;
  logger: Logger;
}

const SYSTEM = { actor: 'system:erstinformation', origin: 'system' as const };
/** One INFORMIEREN per accepted message, whichever path applies it first. */
const informedKey = (mailMessageId: string) => `informiert:${mailMessageId}`;

export function createErstinformationActivities(deps: ErstinformationActivityDeps) {
  const { db, engine, logger } = deps;

  /**
   * Runs in the transaction that records the server's acceptance of a message. While the
   * solution is paused the participant cannot move: a job then informs it after FORTSETZEN.
   */
  async function informOnAcceptance(trx: Transaction<Database>, message: MailMessage): Promise<void> {
    await informOnAcceptanceMany(trx, [message]);
  }

  /**
   * informOnAcceptance for the messages of a delivery batch, in the one transaction that
   * records their acceptance: their mailings' solutions read once, then the participants
   * informed a chunk at a time (sendEventToMany) with the same keys, history rows and
   * waiting jobs as one by one.
   */
  async function informOnAcceptanceMany(trx: Transaction<Database>, messages: readonly MailMessage[]): Promise<void> {
    const informing = messages.filter((message) => message.kind === 'erstinformation' && message.recipient_role === 'behoerde' && message.ars && message.mailing_id);
    if (informing.length === 0) return;
    const mailingIds = [...new Set(informing.map((message) => message.mailing_id!))];
    const mailings = await trx.selectFrom('mailing').select(['id', 'solution_id']).where('id', 'in', mailingIds).execute();
    const solutionOf = new Map(mailings.map((mailing) => [mailing.id, mailing.solution_id]));
    let rest = informing.map((message) => {
      const solutionId = solutionOf.get(message.mailing_id!);
      if (!solutionId) throw new Error(`Mailing ${message.mailing_id} gibt es nicht mehr`);
      return { message, solutionId, ars: message.ars! };
    });
    while (rest.length) {
      // An authority with two accepted messages: the second in the next round, as one by one.
      const seen = new Set<string>();
      const round = rest.filter((item) => !seen.has(`${item.solutionId}:${item.ars}`) && seen.add(`${item.solutionId}:${item.ars}`));
      rest = rest.filter((item) => !round.includes(item));
      const keyOf = new Map(round.map((item) => [`${item.solutionId}:${item.ars}`, informedKey(item.message.id)]));
      const results = await sendParticipantEventToMany(
        engine,
        { participants: round.map(({ solutionId, ars }) => ({ solutionId, ars })), event: { type: 'INFORMIEREN' }, ...SYSTEM },
        { trx, idempotencyKeyOf: ({ solutionId, ars }) => keyOf.get(`${solutionId}:${ars}`) },
      );
      // While the solution is paused the participant cannot move: a job informs it after FORTSETZEN.
      const waiting = round.filter((_, index) => {
        const result = results[index]!;
        return result.kind === 'solution-inactive' && result.solutionStage === 'pausiert';
      });
      await enqueueJobs(
        trx,
        waiting.map(({ message, solutionId, ars }) => ({
          kind: INFORM_PARTICIPANT_JOB,
          payload: { solutionId, ars, mailMessageId: message.id },
          idempotencyKey: `${INFORM_PARTICIPANT_JOB}:${message.id}`,
          // Due by the engine's clock, as every job the engine queues – not the database's.
          runAt: engine.now(),
          solutionId,
          ars,
        })),
      );
    }
  }

  async function informParticipant(job: Job) {
    const { solutionId, ars, mailMessageId } = job.payload as { solutionId: string; ars: string; mailMessageId: string };
    const result = await sendParticipantEvent(
      engine,
      { solutionId, ars, event: { type: 'INFORMIEREN' }, ...SYSTEM },
      { idempotencyKey: informedKey(mailMessageId) },
    );
    settleEffectEvent(result, { solutionId, ars, effect: job.kind, logger });
  }

  /** The Erstinformation counts as sent once every message of its mailing went to delivery. */
  async function markErstinformationSent(job: Job) {
    const { mailingId, solutionId } = job.payload as { mailingId: string; solutionId: string };
    const waiting = await db
      .selectFrom('mail_message')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('mailing_id', '=', mailingId)
      .where('status', '=', 'ausstehend')
      .executeTakeFirstOrThrow();
    if (waiting.n > 0) throw new DeferJobError(2000);
    const result = await sendSolutionEvent(
      engine,
      { solutionId, event: { type: 'ERSTINFORMATION_VERSANDT' }, actor: 'system:mailing', origin: 'system' },
      { idempotencyKey: `erstinformation-versandt:${mailingId}` },
    );
    settleEffectEvent(result, { solutionId, effect: job.kind, logger });
  }

  /**
   * The solution machine's effect after ERSTINFORMATION_VERSANDT: informs every authority
   * whose Erstinformation was accepted but that is still 'vorgemerkt' (its own INFORMIEREN
   * met a paused solution, or the process died in between). Usually there is none.
   */
  async function informAcceptedParticipants(job: Job) {
    const { solutionId } = job.payload as { solutionId: string };
    const pending = await db
      .selectFrom('participant as p')
      .innerJoin('mail_message as m', 'm.ars', 'p.ars')
      .innerJoin('mailing as g', 'g.id', 'm.mailing_id')
      .select(['p.ars', sql<string>`min(m.id::text)`.as('mailMessageId')])
      .where('p.solution_id', '=', solutionId)
      .where('p.stage', '=', 'vorgemerkt')
      .where('g.solution_id', '=', solutionId)
      .where('g.kind', '=', 'erstinformation')
      .where('m.recipient_role', '=', 'behoerde')
      .where('m.status', '=', 'angenommen')
      .groupBy('p.ars')
      .orderBy('p.ars')
      .execute();
    let informed = 0;
    const messageOf = new Map(pending.map(({ ars, mailMessageId }) => [ars, mailMessageId]));
    const results = await sendParticipantEventToMany(
      engine,
      { participants: pending.map(({ ars }) => ({ solutionId, ars })), event: { type: 'INFORMIEREN' }, ...SYSTEM },
      { idempotencyKeyOf: ({ ars }) => informedKey(messageOf.get(ars)!) },
    );
    for (const [index, result] of results.entries()) {
      if (settleEffectEvent(result, { solutionId, ars: pending[index]!.ars, effect: job.kind, logger }) === 'applied') informed++;
    }
    if (informed) logger.info({ solutionId, informed }, 'Teilnehmende nachträglich als informiert vermerkt');
  }

  const handlers: Record<string, JobHandler> = {
    [INFORM_PARTICIPANT_JOB]: informParticipant,
    [ERSTINFORMATION_HANDED_OVER_JOB]: markErstinformationSent,
    'effect.informParticipants': informAcceptedParticipants,
  };
  return { informOnAcceptance, informOnAcceptanceMany, handlers };
}
