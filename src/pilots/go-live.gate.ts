import type { Kysely, Transaction } from 'kysely';
import type { ChecklistStatus, Database } from '../db/schema.ts';
import type { WorkflowRegistration } from '../engine/workflow.registry.ts';
import { PARTICIPANT_TARGET, type ParticipantRef } from '../solutions/participant.target.ts';
import { CHECKLIST_DONE_STATUSES, DEFAULT_CHECKLIST } from './checklist.defaults.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface ChecklistEntry {
  key: string;
  label: string;
  optional: boolean;
  /** A ministry's own item. */
  eigen: boolean;
  status: ChecklistStatus;
  reason: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

/** The items a pilot has to settle: the defaults, then the solution's own ones. */
export async function checklistDefinitions(db: Executor, solutionId: string) {
  const custom = await db
    .selectFrom('pilot_checklist_custom_item')
    .select(['key', 'label', 'optional'])
    .where('solution_id', '=', solutionId)
    .orderBy('created_at')
    .orderBy('key')
    .execute();
  return [...DEFAULT_CHECKLIST.map((item) => ({ ...item, eigen: false })), ...custom.map((item) => ({ ...item, eigen: true }))];
}

/**
 * A pilot's checklist: every item with its state. Items nobody has set yet are `offen`
 * (rows are written only when an item is set: a pilot's checklist needs no creation step,
 * and a ministry's item added later applies to every pilot at once).
 */
export async function readChecklist(db: Executor, solutionId: string, ars: string): Promise<ChecklistEntry[]> {
  const [definitions, rows] = await Promise.all([
    checklistDefinitions(db, solutionId),
    db
      .selectFrom('pilot_checklist_item')
      .select(['key', 'status', 'reason', 'updated_by', 'updated_at'])
      .where('solution_id', '=', solutionId)
      .where('ars', '=', ars)
      .execute(),
  ]);
  const byKey = new Map(rows.map((row) => [row.key, row]));
  return definitions.map((item) => {
    const row = byKey.get(item.key);
    return {
      key: item.key,
      label: item.label,
      optional: item.optional,
      eigen: item.eigen,
      status: row?.status ?? 'offen',
      reason: row?.reason ?? null,
      updatedBy: row?.updated_by ?? null,
      updatedAt: row ? row.updated_at.toISOString() : null,
    };
  });
}

/** The items that still hold up the go-live (neither erledigt nor entfällt). */
export async function openChecklistItems(db: Executor, solutionId: string, ars: string) {
  return (await readChecklist(db, solutionId, ars))
    .filter((item) => !CHECKLIST_DONE_STATUSES.includes(item.status))
    .map(({ key, label, status }) => ({ key, label, status }));
}

/**
 * The go-live gate (PILOT_LIVE_MELDEN): every checklist item erledigt or entfällt, unless
 * the ministry overrides with a reason. Runs inside the event's transaction, after the
 * participant's row is locked – item changes lock that row too, so no item can reopen
 * between this check and the commit.
 */
export async function goLiveChecklistComplete(
  trx: Transaction<Database>,
  input: { solutionId: string; ars: string; event: Record<string, unknown> },
): Promise<{ reason: string; details: Record<string, unknown> } | null> {
  if (typeof input.event.override === 'object' && input.event.override !== null) return null;
  const open = await openChecklistItems(trx, input.solutionId, input.ars);
  if (open.length === 0) return null;
  return {
    reason:
      `Der Go-live setzt eine abgeschlossene Checkliste voraus (jeder Punkt erledigt oder begründet entfallen); ` +
      `offen sind noch ${open.length}: ${open.map((item) => item.label).join('; ')}. ` +
      'Das Ministerium kann mit override.reason begründet davon abweichen.',
    details: { offenePunkte: open },
  };
}

/**
 * The pilots' part of the workflows: the checklist gate on PILOT_LIVE_MELDEN. No
 * blockedEvents entry – an override always passes, so the event stays allowed.
 */
export function registerPilotWorkflows(registration: WorkflowRegistration): void {
  registration.addPrecondition<ParticipantRef>(PARTICIPANT_TARGET, { events: ['PILOT_LIVE_MELDEN'], check: goLiveChecklistComplete });
}
