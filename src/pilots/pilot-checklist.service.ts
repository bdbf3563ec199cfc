import { sql, type Kysely, type Transaction } from 'kysely';
import type { ChecklistStatus, Database } from '../db/schema.ts';
import type { ParticipantStage } from '../../workflows/index.ts';
import { NotFoundError, InvalidInputError, type FieldError } from '../errors/domain.errors.ts';
import { checklistDefinitions, readChecklist, type ChecklistEntry } from './go-live.gate.ts';
import { CHECKLIST_DONE_STATUSES } from './checklist.defaults.ts';
import { CHECKLIST_EDITABLE_STAGES, lockPilot } from './pilot.lock.ts';
import { changeWithKey, recordChange, recordChanges } from '../engine/change.record.ts';

/**
 * Each pilot's checklist and the ministry's own items. Every change writes a history row
 * with the acting principal in the same transaction as the change.
 */

type Db = Kysely<Database>;
type Trx = Transaction<Database>;


export async function getChecklist(db: Db, solutionId: string, ars: string) {
  const participant = await db
    .selectFrom('participant')
    .select('stage')
    .where('solution_id', '=', solutionId)
    .where('ars', '=', ars)
    .executeTakeFirst();
  if (!participant) throw new NotFoundError(`Behörde ${ars} ist nicht Teilnehmerin dieser Lösung`);
  return checklistView(ars, participant.stage as ParticipantStage, await readChecklist(db, solutionId, ars));
}

function checklistView(ars: string, stage: ParticipantStage, items: ChecklistEntry[]) {
  const offen = items.filter((item) => !CHECKLIST_DONE_STATUSES.includes(item.status)).length;
  return { ars, stage, offen, vollstaendig: offen === 0, items };
}

export interface ChecklistChange {
  key: string;
  status: ChecklistStatus;
  reason?: string;
}

/**
 * Sets checklist items of one pilot in the caller's transaction; items whose status and
 * reason stay as they are write nothing. `fieldOf` names a change's fields for the 422
 * (`/body/reason` over the API, the form's names on the pilot's page).
 */
export async function applyChecklistChanges(
  trx: Trx,
  input: { solutionId: string; ars: string; changes: ChecklistChange[]; actor: string; at: Date; fieldOf: (index: number, name: string) => string },
) {
  const pilot = await lockPilot(trx, input.solutionId, input.ars, CHECKLIST_EDITABLE_STAGES);
  const current = new Map((await readChecklist(trx, input.solutionId, input.ars)).map((item) => [item.key, item]));
  const errors: FieldError[] = [];
  input.changes.forEach((change, index) => {
    if (!current.has(change.key)) errors.push({ field: input.fieldOf(index, 'key'), message: `Checklistenpunkt „${change.key}“ gibt es nicht` });
    if (change.status === 'entfaellt' && !change.reason?.trim()) {
      errors.push({ field: input.fieldOf(index, 'reason'), message: 'Pflichtangabe: warum der Punkt entfällt' });
    }
  });
  if (errors.length) throw new InvalidInputError('Angaben zur Checkliste sind unvollständig oder ungültig', errors);
  // What really changes (same status and reason: nothing), written in one statement each.
  const updatedAt = input.at.toISOString();
  const effective = input.changes
    .map((change) => ({ change, before: current.get(change.key)!, reason: change.reason?.trim() ? change.reason.trim() : null }))
    .filter(({ change, before, reason }) => before.status !== change.status || before.reason !== reason);
  if (effective.length > 0) {
    await trx
      .insertInto('pilot_checklist_item')
      .values(
        effective.map(({ change, reason }) => ({
          solution_id: input.solutionId,
          ars: input.ars,
          key: change.key,
          status: change.status,
          reason,
          updated_by: input.actor,
          updated_at: input.at,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['solution_id', 'ars', 'key']).doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          reason: eb.ref('excluded.reason'),
          updated_by: eb.ref('excluded.updated_by'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
    await recordChanges(
      trx,
      effective.map(({ change, before, reason }) => ({
        solutionId: input.solutionId,
        ars: input.ars,
        stage: pilot.stage,
        machineVersion: pilot.machineVersion,
        eventType: 'CHECKLISTE_PUNKT_GESETZT',
        event: { key: change.key, label: before.label, status: change.status, vorher: before.status, ...(reason ? { reason } : {}) },
        actor: input.actor,
        at: input.at,
      })),
    );
    for (const { change, reason } of effective) {
      current.set(change.key, { ...current.get(change.key)!, status: change.status, reason, updatedBy: input.actor, updatedAt });
    }
  }
  // the checklist as it now stands, from what was read and written here
  return { changed: effective.length, checklist: checklistView(input.ars, pilot.stage as ParticipantStage, [...current.values()]) };
}

export async function setChecklistItem(
  db: Db,
  input: { solutionId: string; ars: string; key: string; status: ChecklistStatus; reason?: string; actor: string; at: Date },
) {
  const fieldOf = (_index: number, name: string) => (name === 'key' ? '/params/key' : `/body/${name}`);
  return db.transaction().execute(async (trx) => {
    const definitions = await checklistDefinitions(trx, input.solutionId);
    if (!definitions.some((item) => item.key === input.key)) throw new NotFoundError(`Checklistenpunkt „${input.key}“ gibt es nicht`);
    const { checklist } = await applyChecklistChanges(trx, {
      solutionId: input.solutionId,
      ars: input.ars,
      changes: [{ key: input.key, status: input.status, ...(input.reason !== undefined ? { reason: input.reason } : {}) }],
      actor: input.actor,
      at: input.at,
      fieldOf,
    });
    return checklist;
  });
}

export async function listChecklistDefinitions(db: Db, solutionId: string) {
  return { items: await checklistDefinitions(db, solutionId) };
}

/** A ministry's own item: applies to every pilot of the solution, current and future. `idempotencyKey`: a form sent twice adds one. */
export async function addCustomChecklistItem(db: Db, input: { solutionId: string; label: string; optional: boolean; actor: string; at: Date; idempotencyKey?: string }) {
  return db.transaction().execute(async (trx) => {
    // the solution row serialises the numbering of its own items
    const solution = await trx
      .selectFrom('solution')
      .select(['stage', 'machine_version'])
      .where('id', '=', input.solutionId)
      .forUpdate()
      .executeTakeFirst();
    if (!solution) throw new NotFoundError(`EfA-Lösung ${input.solutionId} gibt es nicht`);
    const earlier = input.idempotencyKey ? await changeWithKey(trx, input.idempotencyKey) : null;
    if (earlier) return { key: String(earlier.key), label: String(earlier.label), optional: earlier.optional === true, eigen: true };
    const { n } = await trx
      .selectFrom('pilot_checklist_custom_item')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('solution_id', '=', input.solutionId)
      .executeTakeFirstOrThrow();
    const key = `eigen-${Number(n) + 1}`;
    const label = input.label.trim();
    await trx
      .insertInto('pilot_checklist_custom_item')
      .values({ solution_id: input.solutionId, key, label, optional: input.optional, created_by: input.actor, created_at: input.at })
      .execute();
    await recordChange(trx, {
      solutionId: input.solutionId,
      ars: null,
      stage: solution.stage,
      machineVersion: solution.machine_version,
      eventType: 'CHECKLISTE_PUNKT_ANGELEGT',
      event: { key, label, optional: input.optional },
      actor: input.actor,
      at: input.at,
      ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
    });
    return { key, label, optional: input.optional, eigen: true };
  });
}

