import type { Kysely } from 'kysely';
import { toJson, type ChecklistStatus, type Database, type ResponseLink } from '../db/schema.ts';
import { ValidationProblem, type FieldError } from '../http/problem.ts';
import { cancelJobs } from '../engine/job.queue.ts';
import { inOneTransaction, MAILING_REMINDER_JOB, sendParticipantEvent, type EngineDeps, type EventResult } from '../engine/workflow.engine.ts';
import { LinkProblem, participantEventsFor, validateLinking, type FormFields, type RecordedAnswer } from '../responses/response.service.ts';
import { CHECKLIST_STATUSES } from './checklist.defaults.ts';
import { readChecklist, type ChecklistEntry } from './go-live.gate.ts';
import { applyChecklistChanges, type ChecklistChange } from './pilot-checklist.service.ts';

/**
 * What a pilot does on its own page (link purpose `pilotbetrieb`): tick its checklist
 * items – as often as it likes – and report its go-live, which uses the link up. The
 * go-live is PILOT_LIVE_MELDEN through the engine, so the checklist gate holds here as on
 * every other path.
 */

type Db = Kysely<Database>;

export interface PilotPageDeps {
  db: Db;
  engine: EngineDeps;
  now: () => Date;
}

/** Stage in which the page takes answers. */
const PILOT_PAGE_STAGE = 'pilot-bestaetigt';
const REASON_MAX = 1000;

const actorOf = (link: ResponseLink) => `behoerde:${link.ars}:link:${link.purpose}`;

export async function pilotStageOf(db: Db, link: ResponseLink): Promise<string | null> {
  const row = await db
    .selectFrom('participant')
    .select('stage')
    .where('solution_id', '=', link.solution_id)
    .where('ars', '=', link.ars)
    .executeTakeFirst();
  return row?.stage ?? null;
}

export function isPilotPageOpen(stage: string | null): boolean {
  return stage === PILOT_PAGE_STAGE;
}

export async function pilotChecklistOf(db: Db, link: ResponseLink): Promise<ChecklistEntry[]> {
  return readChecklist(db, link.solution_id, link.ars);
}

function single(fields: FormFields, name: string): string | undefined {
  const value = fields[name];
  return (Array.isArray(value) ? value[0] : value)?.trim();
}

/** The checklist form: one status (and reason) per item; items the form does not send stay as they are. */
export async function saveChecklistFromPage(deps: PilotPageDeps, link: ResponseLink, fields: FormFields) {
  const items = await readChecklist(deps.db, link.solution_id, link.ars);
  const errors: FieldError[] = [];
  const changes: ChecklistChange[] = [];
  for (const item of items) {
    const status = single(fields, `status-${item.key}`);
    const reason = single(fields, `grund-${item.key}`) ?? '';
    if (status === undefined) continue;
    if (!(CHECKLIST_STATUSES as readonly string[]).includes(status)) {
      errors.push({ field: `status-${item.key}`, message: `Bitte wählen Sie einen Stand für „${item.label}“.` });
    } else if (reason.length > REASON_MAX) {
      errors.push({ field: `grund-${item.key}`, message: `Bitte fassen Sie sich kürzer (höchstens ${REASON_MAX} Zeichen).` });
    } else if (status === 'entfaellt' && reason === '') {
      errors.push({ field: `grund-${item.key}`, message: `Bitte begründen Sie, warum „${item.label}“ entfällt.` });
    } else {
      // a reason only means something for an item that does not apply
      changes.push({ key: item.key, status: status as ChecklistStatus, ...(status === 'entfaellt' ? { reason } : {}) });
    }
  }
  if (errors.length) throw new ValidationProblem('Die Checkliste ist unvollständig', errors);
  const fieldOf = (index: number, name: string) => `${name === 'reason' ? 'grund' : 'status'}-${changes[index]?.key ?? ''}`;
  return deps.db.transaction().execute((trx) =>
    applyChecklistChanges(trx, { solutionId: link.solution_id, ars: link.ars, changes, actor: actorOf(link), at: deps.now(), fieldOf }),
  );
}

/** The go-live was refused by the checklist gate: these items are open. */
export class GoLiveRefused extends Error {
  readonly openItems: { key: string; label: string }[];
  constructor(openItems: { key: string; label: string }[]) {
    super('Go-live: Checkliste nicht abgeschlossen');
    this.openItems = openItems;
  }
}

class NotTaken extends Error {
  readonly result: Exclude<EventResult, { kind: 'applied' }>;
  constructor(result: Exclude<EventResult, { kind: 'applied' }>) {
    super(`Go-live nicht übernommen: ${result.kind}`);
    this.result = result;
  }
}

/**
 * The go-live report – in one transaction: the link is claimed (so that two reports do
 * not both go through), PILOT_LIVE_MELDEN is applied through the engine (which checks the
 * checklist), the answer is kept on the link and the reminders are cancelled. Refused:
 * nothing remains, and the page stays usable.
 */
export async function reportGoLiveFromPage(deps: PilotPageDeps, link: ResponseLink, fields: FormFields): Promise<RecordedAnswer> {
  const now = deps.now();
  const linking = validateLinking(fields, now);
  if (linking.errors.length) throw new ValidationProblem('Die Meldung ist unvollständig', linking.errors);
  const answer = { purpose: 'pilotbetrieb' as const, onlineDienstUrl: linking.onlineDienstUrl, verknuepftAm: linking.verknuepftAm };
  try {
    return await inOneTransaction(deps.engine, async (trx) => {
      const claimed = await trx
        .updateTable('response_link')
        .set({ used_at: now })
        .where('token_hash', '=', link.token_hash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('token_hash')
        .executeTakeFirst();
      if (!claimed) throw new LinkProblem('beantwortet', { link });
      let stage = '';
      for (const event of participantEventsFor(answer, PILOT_PAGE_STAGE)) {
        const result = await sendParticipantEvent(
          deps.engine,
          { solutionId: link.solution_id, ars: link.ars, event, actor: actorOf(link), origin: 'client' },
          { trx },
        );
        if (result.kind !== 'applied') throw new NotTaken(result);
        stage = result.stage;
      }
      const recorded: RecordedAnswer = { ...answer, at: now.toISOString(), stage };
      await trx.updateTable('response_link').set({ answer: toJson(recorded as Record<string, unknown>) }).where('token_hash', '=', link.token_hash).execute();
      await cancelJobs(trx, { solutionId: link.solution_id, ars: link.ars, kinds: [MAILING_REMINDER_JOB] }, now);
      return recorded;
    });
  } catch (error) {
    if (!(error instanceof NotTaken)) throw error;
    const { result } = error;
    if (result.kind === 'precondition-failed') {
      throw new GoLiveRefused((result.details.offenePunkte as { key: string; label: string }[] | undefined) ?? []);
    }
    if (result.kind === 'invalid') {
      throw new ValidationProblem(result.reason, result.errors.map((e) => ({ field: e.field.replace(/^\/event\//, ''), message: e.message })));
    }
    throw new LinkProblem('unpassend', { link, stage: result.kind === 'refused' ? result.stage : null });
  }
}
