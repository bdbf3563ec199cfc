import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { pageWithTotal } from '../db/query.helpers.ts';
import { toJson, type Database, type ReconciliationCategory } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { ConflictError, NotFoundError } from '../errors/domain.errors.ts';
import { inOneTransaction, type EngineDeps } from '../engine/workflow.engine.ts';
import { sendParticipantEvent } from '../solutions/participant.target.ts';
import { loadAccessibleSolution } from '../solutions/solution.service.ts';
import { readPvogExport } from './pvog-export.read.ts';
import { compareWithExport, RECONCILIATION_CATEGORIES, type ParticipantToCompare } from './reconciliation.compare.ts';
import { recordChange } from '../engine/change.record.ts';
import { participantsStandStill, PARTICIPANTS_MOVING_STAGES } from '../../workflows/index.ts';

/**
 * Reconciliation of a solution's participants with a PVOG/BUS-BB export: import (read the
 * export, compare, store the reconciliation and every participant's category in one
 * transaction together with a history row), read, and apply – the participants found in
 * the export but not reported move to bus-bb-verknuepft through the engine, with the
 * reconciliation as evidence.
 */

type Db = Kysely<Database>;
type Trx = Transaction<Database>;

export const RECONCILIATION_IMPORTED = 'BUS_BB_ABGLEICH_IMPORTIERT';
export const RECONCILIATION_APPLIED = 'BUS_BB_ABGLEICH_ANGEWANDT';
const INSERT_BATCH = 500;
/**
 * Authorities that administer member Gemeinden (parent_ars = them) and link for them.
 * Not the Landkreise: their Ämter and amtsfreie Gemeinden also name them as parent, but
 * a Kreis does not link Gemeinde services for them.
 */
const GEMEINDEVERBAND_KINDS = ['amt', 'verbandsgemeinde', 'samtgemeinde', 'verwaltungsgemeinschaft', 'verwaltungsverband', 'vg_traegermodell'] as const;

export interface ReconciliationInput {
  quelle?: string;
  exportiertAm?: string;
  leistungen: unknown[];
  zustaendigkeiten: unknown[];
  onlinedienste?: unknown[];
}

export interface ReconciliationSummary {
  quelle?: string;
  exportiertAm?: string;
  records: Record<'leistungen' | 'zustaendigkeiten' | 'onlinedienste', { total: number; valid: number }>;
  leikaKeys: string[];
  leistungIds: string[];
  participants: number;
  categories: Record<string, number>;
  invalid: number;
  changes: number;
}

export interface ApplyResult {
  moved: { ars: string; fromStage: string; historyId: number }[];
  notMoved: { ars: string; stage: string | null; reason: string }[];
}

export interface ReconciliationDeps {
  db: Db;
  engine: EngineDeps;
}


async function participantsToCompare(trx: Trx, solutionId: string): Promise<ParticipantToCompare[]> {
  const rows = await trx.selectFrom('participant').select(['ars', 'stage', 'snapshot']).where('solution_id', '=', solutionId).orderBy('ars').execute();
  const members = await trx
    .selectFrom('participant')
    .innerJoin('authority as verband', 'verband.ars', 'participant.ars')
    .innerJoin('authority as member', 'member.parent_ars', 'participant.ars')
    .select(['participant.ars as parent', 'member.ars as ars'])
    .where('participant.solution_id', '=', solutionId)
    .where('verband.kind', 'in', GEMEINDEVERBAND_KINDS)
    .where('member.active', '=', true)
    .execute();
  const membersOf = new Map<string, string[]>();
  for (const { parent, ars } of members) membersOf.set(parent.trim(), [...(membersOf.get(parent.trim()) ?? []), ars.trim()]);
  return rows.map((row) => {
    const context = (row.snapshot as { context?: { busBb?: unknown } } | null)?.context ?? {};
    const ars = row.ars.trim();
    return { ars, stage: row.stage, busBb: context.busBb ?? null, members: membersOf.get(ars) ?? [] };
  });
}

export async function importReconciliation(
  deps: ReconciliationDeps,
  principal: Principal,
  actor: string,
  solutionId: string,
  input: ReconciliationInput,
) {
  await loadAccessibleSolution(deps.db, principal, solutionId);
  const pvog = readPvogExport(input);
  const id = randomUUID();
  const now = deps.engine.now();
  await deps.db.transaction().execute(async (trx) => {
    // Serialises imports of one solution, so that each compares with the one before it.
    const solution = await trx
      .selectFrom('solution')
      .select(['leika_keys', 'stage', 'machine_version'])
      .where('id', '=', solutionId)
      .forNoKeyUpdate()
      .executeTakeFirstOrThrow();
    const { leistungIds, comparisons } = compareWithExport(pvog, solution.leika_keys, await participantsToCompare(trx, solutionId));
    const previous = await trx
      .selectFrom('bus_bb_reconciliation')
      .select('id')
      .where('solution_id', '=', solutionId)
      .orderBy('seq', 'desc')
      .executeTakeFirst();
    const before = new Map<string, ReconciliationCategory>();
    if (previous) {
      const rows = await trx.selectFrom('bus_bb_reconciliation_result').select(['ars', 'category']).where('reconciliation_id', '=', previous.id).execute();
      for (const row of rows) before.set(row.ars.trim(), row.category);
    }
    const changes = previous
      ? comparisons.filter((c) => before.get(c.ars) !== c.category).map((c) => ({ ars: c.ars, from: before.get(c.ars) ?? null, to: c.category }))
      : [];
    const categories = Object.fromEntries(RECONCILIATION_CATEGORIES.map((category) => [category, comparisons.filter((c) => c.category === category).length]));
    const summary: ReconciliationSummary = {
      ...(input.quelle ? { quelle: input.quelle } : {}),
      ...(input.exportiertAm ? { exportiertAm: input.exportiertAm } : {}),
      records: pvog.records,
      leikaKeys: solution.leika_keys,
      leistungIds,
      participants: comparisons.length,
      categories,
      invalid: pvog.issueCount,
      changes: changes.length,
    };
    await trx
      .insertInto('bus_bb_reconciliation')
      .values({
        id,
        solution_id: solutionId,
        previous_id: previous?.id ?? null,
        source_name: input.quelle ?? 'PVOG-Export',
        summary: toJson(summary as unknown as Record<string, unknown>),
        issues: toJson(pvog.issues),
        changes: toJson(changes),
        created_by: actor,
        created_at: now,
      })
      .execute();
    for (let start = 0; start < comparisons.length; start += INSERT_BATCH) {
      await trx
        .insertInto('bus_bb_reconciliation_result')
        .values(
          comparisons.slice(start, start + INSERT_BATCH).map((c) => ({
            reconciliation_id: id,
            ars: c.ars,
            category: c.category,
            previous_category: before.get(c.ars) ?? null,
            stage: c.stage,
            details: toJson(c.details as unknown as Record<string, unknown>),
          })),
        )
        .execute();
    }
    // Not a change of stage: the history records the import with from = to.
    await recordChange(trx, {
      solutionId,
      ars: null,
      stage: solution.stage,
      machineVersion: solution.machine_version,
      eventType: RECONCILIATION_IMPORTED,
      event: { reconciliationId: id, categories, invalid: pvog.issueCount, changes: changes.length },
      actor,
      at: now,
    });
  });
  return getReconciliation(deps.db, principal, solutionId, id);
}

/** What a list entry shows; the detail adds the heavy columns (issues, changes, apply_result). */
const VIEW_COLUMNS = ['id', 'solution_id', 'previous_id', 'source_name', 'summary', 'created_by', 'created_at', 'applied_by', 'applied_at'] as const;
const DETAIL_COLUMNS = [...VIEW_COLUMNS, 'issues', 'changes', 'apply_result'] as const;

type ReconciliationRow = Pick<Selectable<Database['bus_bb_reconciliation']>, (typeof VIEW_COLUMNS)[number]>;

function reconciliationView(row: ReconciliationRow) {
  return {
    id: row.id,
    solutionId: row.solution_id,
    previousId: row.previous_id,
    sourceName: row.source_name,
    summary: row.summary as unknown as ReconciliationSummary,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    appliedBy: row.applied_by,
    appliedAt: row.applied_at ? row.applied_at.toISOString() : null,
  };
}

export async function listReconciliations(db: Db, principal: Principal, solutionId: string, paging: { limit: number; offset: number }) {
  await loadAccessibleSolution(db, principal, solutionId);
  const { rows, total } = await pageWithTotal(
    db.selectFrom('bus_bb_reconciliation').where('solution_id', '=', solutionId),
    (query) => query.select(VIEW_COLUMNS).orderBy('seq', 'desc'),
    paging,
  );
  return { total, items: rows.map(reconciliationView) };
}

export async function getReconciliation(db: Db, principal: Principal, solutionId: string, id: string, filter: { category?: ReconciliationCategory } = {}) {
  await loadAccessibleSolution(db, principal, solutionId);
  const row = await db
    .selectFrom('bus_bb_reconciliation')
    .select(DETAIL_COLUMNS)
    .where('id', '=', id)
    .where('solution_id', '=', solutionId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`Abgleich ${id} der Lösung ${solutionId} gibt es nicht`);
  let results = db
    .selectFrom('bus_bb_reconciliation_result as r')
    .innerJoin('authority as a', 'a.ars', 'r.ars')
    .select(['r.ars', 'a.name', 'a.kind', 'r.category', 'r.previous_category', 'r.stage', 'r.details'])
    .where('r.reconciliation_id', '=', id)
    .orderBy('r.ars');
  if (filter.category) results = results.where('r.category', '=', filter.category);
  return {
    ...reconciliationView(row),
    issues: row.issues,
    changes: row.changes,
    applyResult: row.apply_result as ApplyResult | null,
    participants: (await results.execute()).map((r) => ({
      ars: r.ars.trim(),
      name: r.name,
      kind: r.kind,
      category: r.category,
      previousCategory: r.previous_category,
      stage: r.stage,
      details: r.details,
    })),
  };
}

/**
 * Applies a reconciliation: every participant in "gefunden, nicht gemeldet" gets
 * BUS_BB_ABGLEICH_UEBERNEHMEN (system origin, the caller as actor, the reconciliation id
 * in the event) and moves to bus-bb-verknuepft – where its stage allows it (eingeladen,
 * onboarding); the others are reported with their stage and the reason. One transaction:
 * all moves, the reconciliation marked as applied and a history row of the solution.
 * Only the newest reconciliation of a solution is applied, and only once.
 */
export async function applyReconciliation(deps: ReconciliationDeps, principal: Principal, actor: string, solutionId: string, id: string) {
  await loadAccessibleSolution(deps.db, principal, solutionId);
  const now = deps.engine.now();
  const outcome = await inOneTransaction(deps.engine, async (trx) => {
    const row = await trx
      .selectFrom('bus_bb_reconciliation')
      .select(['id', 'applied_at', 'applied_by'])
      .where('id', '=', id)
      .where('solution_id', '=', solutionId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`Abgleich ${id} der Lösung ${solutionId} gibt es nicht`);
    if (row.applied_at) {
      throw new ConflictError(`Der Abgleich wurde bereits am ${row.applied_at.toISOString()} angewandt (${row.applied_by}).`, { appliedAt: row.applied_at.toISOString() });
    }
    const newest = await trx
      .selectFrom('bus_bb_reconciliation')
      .select('id')
      .where('solution_id', '=', solutionId)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    if (newest.id !== id) {
      throw new ConflictError('Es gibt einen neueren Abgleich dieser Lösung; nur der neueste lässt sich anwenden.', { newestId: newest.id });
    }
    const solution = await trx.selectFrom('solution').select(['stage', 'machine_version']).where('id', '=', solutionId).executeTakeFirstOrThrow();
    if (!PARTICIPANTS_MOVING_STAGES.includes(solution.stage)) {
      throw new ConflictError(participantsStandStill(solution.stage), {
        solutionStage: solution.stage,
      });
    }
    const found = await trx
      .selectFrom('bus_bb_reconciliation_result')
      .select(['ars', 'details'])
      .where('reconciliation_id', '=', id)
      .where('category', '=', 'gefunden-nicht-gemeldet')
      .orderBy('ars')
      .execute();
    const moved: ApplyResult['moved'] = [];
    const notMoved: ApplyResult['notMoved'] = [];
    for (const result of found) {
      const ars = result.ars.trim();
      const url = firstUrl(result.details);
      const applied = await sendParticipantEvent(
        deps.engine,
        {
          solutionId,
          ars,
          event: { type: 'BUS_BB_ABGLEICH_UEBERNEHMEN', abgleichId: id, ...(url ? { onlineDienstUrl: url } : {}) },
          actor,
          origin: 'system',
        },
        { trx, idempotencyKey: `bus-bb-abgleich:${id}:${ars}` },
      );
      if (applied.kind === 'applied') moved.push({ ars, fromStage: applied.fromStage, historyId: applied.historyId });
      else
        notMoved.push({
          ars,
          stage: 'stage' in applied ? applied.stage : null,
          reason:
            applied.kind === 'refused'
              ? `im Stadium „${applied.stage}“ nicht möglich (nur aus eingeladen oder onboarding)`
              : applied.kind === 'already-applied'
                ? 'bereits übernommen'
                : applied.reason,
        });
    }
    const applyResult: ApplyResult = { moved, notMoved };
    await trx
      .updateTable('bus_bb_reconciliation')
      .set({ applied_at: now, applied_by: actor, apply_result: toJson(applyResult as unknown as Record<string, unknown>) })
      .where('id', '=', id)
      .execute();
    await recordChange(trx, {
      solutionId,
      ars: null,
      stage: solution.stage,
      machineVersion: solution.machine_version,
      eventType: RECONCILIATION_APPLIED,
      event: { reconciliationId: id, moved: moved.length, notMoved: notMoved.length },
      actor,
      at: now,
    });
    return applyResult;
  });
  return { reconciliationId: id, appliedAt: now.toISOString(), appliedBy: actor, ...outcome };
}

/** The address of the first Onlinedienst the export names for the participant, as evidence in its context. */
function firstUrl(details: Record<string, unknown>): string | undefined {
  const dienste = Array.isArray(details['onlinedienste']) ? (details['onlinedienste'] as { urls?: unknown }[]) : [];
  for (const dienst of dienste) {
    // the reader keeps only addresses the events take (isHttpUrl)
    const url = Array.isArray(dienst.urls) ? dienst.urls.find((u): u is string => typeof u === 'string') : undefined;
    if (url) return url;
  }
  return undefined;
}
