import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { ConflictError, InvalidInputError } from '../errors/domain.errors.ts';
import { recordChange } from '../engine/change.record.ts';
import { loadAccessibleSolution } from '../solutions/solution.service.ts';

/**
 * Step "Leistungsbeschreibung im BUS-BB hinterlegt": once per solution and LeiKa key,
 * confirmed by the MIK Landesredaktion (or the ministry, or an admin). Not a lifecycle of
 * its own – a confirmation is final – so a row per key and a history row in the same
 * transaction (from_stage = to_stage: the solution's stage does not change).
 */

type Db = Kysely<Database>;

export const LEISTUNGSBESCHREIBUNG_CONFIRMED = 'LEISTUNGSBESCHREIBUNG_BESTAETIGT';


export async function listLeistungsbeschreibungen(db: Db, principal: Principal, solutionId: string) {
  const solution = await loadAccessibleSolution(db, principal, solutionId);
  const rows = await db.selectFrom('bus_bb_leistungsbeschreibung').selectAll().where('solution_id', '=', solutionId).execute();
  const byKey = new Map(rows.map((row) => [row.leika_key, row]));
  const items = solution.leika_keys.map((leikaKey) => {
    const row = byKey.get(leikaKey);
    return {
      leikaKey,
      bestaetigt: Boolean(row),
      confirmedBy: row?.confirmed_by ?? null,
      confirmedAt: row ? row.confirmed_at.toISOString() : null,
      note: row?.note ?? null,
    };
  });
  return { allConfirmed: items.every((item) => item.bestaetigt), items };
}

export async function confirmLeistungsbeschreibung(
  db: Db,
  principal: Principal,
  actor: string,
  solutionId: string,
  input: { leikaKey: string; note?: string },
  now: Date,
) {
  const solution = await loadAccessibleSolution(db, principal, solutionId);
  if (!solution.leika_keys.includes(input.leikaKey)) {
    throw new InvalidInputError('Der LeiKa-Schlüssel gehört nicht zur Lösung', [
      { field: '/body/leikaKey', message: `keiner der LeiKa-Schlüssel der Lösung (${solution.leika_keys.join(', ')})` },
    ]);
  }
  await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('bus_bb_leistungsbeschreibung')
      .values({ solution_id: solutionId, leika_key: input.leikaKey, note: input.note ?? null, confirmed_by: actor, confirmed_at: now })
      .onConflict((oc) => oc.columns(['solution_id', 'leika_key']).doNothing())
      .returning('leika_key')
      .executeTakeFirst();
    if (!inserted) throw new ConflictError(`Die Leistungsbeschreibung zu ${input.leikaKey} ist bereits bestätigt.`);
    await recordChange(trx, {
      solutionId,
      ars: null,
      stage: solution.stage,
      machineVersion: solution.machine_version,
      eventType: LEISTUNGSBESCHREIBUNG_CONFIRMED,
      event: { leikaKey: input.leikaKey, ...(input.note ? { note: input.note } : {}) },
      actor,
      at: now,
    });
  });
  return listLeistungsbeschreibungen(db, principal, solutionId);
}
