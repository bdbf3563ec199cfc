import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Principal } from '../auth/api-token.service.ts';
import { germanDateTime } from '../exports/csv.ts';
import type { Export } from '../exports/export.service.ts';
import { isLive, LEFT_STAGES } from './progress.compare.ts';
import { loadAccessibleSolution } from '../solutions/solution.service.ts';
import { readSnapshotPair } from './snapshot.service.ts';

/**
 * A quarter's comparison as a file, through the exports' own helpers (exportFile: CSV with
 * BOM, `;`, German headers and dates, formulas neutralised; or JSON): one row per
 * authority of the quarter or the one before – its stage then and now and what changed.
 */

export const SNAPSHOT_EXPORT_HEADERS = ['Quartal', 'Festgehalten am', 'Vorheriger Stand', 'ARS', 'Behörde', 'Kreis', 'Stadium vorher', 'Stadium', 'Veränderung'] as const;

function changeWords(from: string | null, to: string | null): string {
  if (from === to) return 'unverändert';
  if (to === null) return 'nicht mehr teilnehmend';
  if (isLive(to) && (from === null || !isLive(from))) return 'live gegangen';
  if (LEFT_STAGES.includes(to)) return 'ausgeschieden';
  return from === null ? 'neu teilnehmend' : 'bewegt';
}

export async function buildSnapshotExport(db: Kysely<Database>, principal: Principal, solutionId: string, quarter: string): Promise<Export> {
  await loadAccessibleSolution(db, principal, solutionId);
  const [{ snapshot, before }, solution] = await Promise.all([
    readSnapshotPair(db, solutionId, quarter),
    db.selectFrom('solution').select('ozg_id').where('id', '=', solutionId).executeTakeFirstOrThrow(),
  ]);
  const old = before?.data.participants ?? {};
  const now = snapshot.data.participants;
  const arsList = [...new Set([...Object.keys(old), ...Object.keys(now)])].sort();
  const kreise = [...new Set(arsList.map((ars) => (now[ars] ?? old[ars])!.kreisArs))];
  const names = new Map(
    arsList.length ? (await db.selectFrom('authority').select(['ars', 'name']).where('ars', 'in', [...new Set([...arsList, ...kreise])]).execute()).map((r) => [r.ars, r.name]) : [],
  );
  const items = arsList.map((ars) => {
    const [from, to] = [old[ars]?.stage ?? null, now[ars]?.stage ?? null];
    const kreisArs = (now[ars] ?? old[ars])!.kreisArs;
    return { ars, name: names.get(ars) ?? '', kreisArs, kreisName: names.get(kreisArs) ?? '', before: from, after: to, change: changeWords(from, to) };
  });
  const rows = items.map((item) => [
    quarter,
    germanDateTime(snapshot.takenAt),
    before?.quarter ?? '',
    item.ars,
    item.name,
    item.kreisName,
    item.before,
    item.after,
    item.change,
  ]);
  return { baseName: `quartal-${quarter}-${solution.ozg_id}`, items, headers: SNAPSHOT_EXPORT_HEADERS, rows };
}
