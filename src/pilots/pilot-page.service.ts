import type { Kysely } from 'kysely';
import type { ChecklistStatus, Database, ResponseLink } from '../db/schema.ts';
import { InvalidInputError, type FieldError } from '../errors/domain.errors.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { AnswerNotTaken, applyAnswer, formValue, validateLinking, type FormFields, type RecordedAnswer } from '../responses/response.service.ts';
import { LinkProblem } from '../links/link.verify.ts';
import { CHECKLIST_STATUSES } from './checklist.defaults.ts';
import { checklistDefinitions, readChecklist, type ChecklistEntry } from './go-live.gate.ts';
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

/** The checklist form: one status (and reason) per item; items the form does not send stay as they are. */
export async function saveChecklistFromPage(deps: PilotPageDeps, link: ResponseLink, fields: FormFields) {
  const items = await checklistDefinitions(deps.db, link.solution_id);
  const errors: FieldError[] = [];
  const changes: ChecklistChange[] = [];
  for (const item of items) {
    if (fields[`status-${item.key}`] === undefined) continue;
    const status = formValue(fields, `status-${item.key}`);
    const reason = formValue(fields, `grund-${item.key}`);
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
  if (errors.length) throw new InvalidInputError('Die Checkliste ist unvollständig', errors);
  const fieldOf = (index: number, name: string) => `${name === 'reason' ? 'grund' : 'status'}-${changes[index]?.key ?? ''}`;
  return deps.db.transaction().execute((trx) =>
    applyChecklistChanges(trx, { solutionId: link.solution_id, ars: link.ars, changes, actor: actorOf(link), at: deps.now(), fieldOf }),
  );
}

/** The go-live was refused by its preconditions: these checklist items are open, or (none open) `reason` – an open blocking ticket. */
export class GoLiveRefused extends Error {
  readonly openItems: { key: string; label: string }[];
  readonly reason: string;
  constructor(openItems: { key: string; label: string }[], reason: string) {
    super(`Go-live abgelehnt: ${reason}`);
    this.openItems = openItems;
    this.reason = reason;
  }
}

/**
 * The go-live report: validated here, then recorded like every answer through a link
 * (applyAnswer: the link claimed, PILOT_LIVE_MELDEN applied through the engine, which
 * checks the checklist and blocking tickets, the answer kept, the reminders cancelled – in
 * one transaction). Refused: nothing remains, and the page stays usable.
 */
export async function reportGoLiveFromPage(deps: PilotPageDeps, link: ResponseLink, fields: FormFields): Promise<RecordedAnswer> {
  const now = deps.now();
  const linking = validateLinking(fields, now);
  if (linking.errors.length) throw new InvalidInputError('Die Meldung ist unvollständig', linking.errors);
  const answer = { purpose: 'pilotbetrieb' as const, onlineDienstUrl: linking.onlineDienstUrl, verknuepftAm: linking.verknuepftAm };
  try {
    return await applyAnswer(deps, link, answer, now);
  } catch (error) {
    if (!(error instanceof AnswerNotTaken)) throw error;
    const { result } = error;
    if (result.kind === 'precondition-failed') {
      // The authority reads its own tickets (its ticket pages show them): the page names them beside the reason.
      const tickets = (result.details.blockingTickets as { number: number; title: string }[] | undefined) ?? [];
      const reason = tickets.length ? `${result.reason} Betroffen: ${tickets.map((ticket) => `Ticket ${ticket.number} „${ticket.title}“`).join(', ')}.` : result.reason;
      throw new GoLiveRefused((result.details.offenePunkte as { key: string; label: string }[] | undefined) ?? [], reason);
    }
    if (result.kind === 'invalid') {
      throw new InvalidInputError(result.reason, result.errors.map((e) => ({ field: e.field.replace(/^\/event\//, ''), message: e.message })));
    }
    throw new LinkProblem('unpassend', { link, stage: result.kind === 'refused' ? result.stage : error.stage });
  }
}
