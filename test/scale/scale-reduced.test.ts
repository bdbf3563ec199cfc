import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createTestDatabaseUrl, testPostgresUrl } from '../helpers/databases.ts';
import { startBenchService } from '../../bench/bench.support.ts';
import { DESTATIS_FILE, runScale } from '../../bench/scale-bench.core.ts';

/**
 * `npm run bench:scale` at a small size on the suite's PostgreSQL server: Brandenburg and
 * Mecklenburg-Vorpommern (12, 13), 5 seeded solutions, a few rounds – the same code path
 * (bench/scale-bench.core.ts), checked for correctness, never for speed: every measured
 * read returns the same rows as its baseline query (runScale throws otherwise), the
 * seeded participants are the Zuständigkeit's addressees and read back through the
 * service, the bulk action applies to every participant it names. PostgreSQL only, as the
 * benchmark; without the Destatis extract (../shared/data) it is skipped.
 */

const url = testPostgresUrl();
t.test('bench:scale, reduced: 2 Länder, 5 solutions', { skip: !url ? 'no PostgreSQL test server' : !existsSync(DESTATIS_FILE) ? `no ${DESTATIS_FILE}` : false }, async (t) => {
  let close: (() => Promise<void>) | null = null;
  // the service is closed before its database is dropped
  const databaseUrl = await createTestDatabaseUrl(t, () => close?.());
  const dataDir = mkdtempSync(join(tmpdir(), 'efa-scale-test-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const service = await startBenchService('scale-test', { DATABASE_URL: databaseUrl, DATA_DIR: dataDir, JOB_CONCURRENCY: '4' });
  close = service.close;
  const result = await runScale(service.runtime, service.api, { solutions: 5, laender: ['12', '13'], rounds: 3, bulkRounds: 1, bulkSize: 20 });

  t.equal(result.solutions, 5, 'five seeded solutions');
  t.ok(result.addressees > 195, `Gemeinde-level addressees of Brandenburg and Mecklenburg-Vorpommern (${result.addressees})`);
  t.ok(result.sampleChecked >= 5, 'seeded participants read back through the service');
  const names = result.measured.map((m) => m.name);
  for (const read of ['progress summary', 'coverage per Kreis', 'participant list, filtered, first page', 'statewide overview', 'Kaz queue', 'bulk action']) {
    t.ok(names.some((name) => name.startsWith(read)), `measured: ${read}`);
  }
  for (const m of result.measured) t.ok(m.service.length > 0 && m.service.length === m.baseline.length, `${m.name}: service and baseline measured alike`);

  const db = service.runtime.handle.db;
  const seeded = await db.selectFrom('solution').select(['id', 'responsibility']).where('title', 'like', 'Skala %').execute();
  t.same(seeded[0]!.responsibility, { level: 'gemeinde', laender: ['12', '13'] }, 'the rule is stored, not the list');
  const counts = await db
    .selectFrom('participant')
    .select(['solution_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('solution_id', 'in', seeded.map((s) => s.id))
    .groupBy('solution_id')
    .execute();
  t.ok(counts.length === 5 && counts.every((c) => Number(c.n) === result.addressees), 'every seeded solution has every addressee once');
});
