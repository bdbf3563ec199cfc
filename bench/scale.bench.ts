/**
 * `npm run bench:scale` – all of Germany: the Destatis directory imported, BENCH_SCALE_SOLUTIONS
 * (600) solutions with Gemeinde-level Zuständigkeit for BENCH_SCALE_LAENDER (all; or a list
 * such as 12,13 – it must include 12) seeded set-based (bench/scale-bench.core.ts: copies of
 * template solutions the service itself drove through its API), so several million
 * participants. Prints p50/p95/p99 of each read through the real HTTP API beside the simplest
 * indexed SQL query returning the same rows, the ratio, the import and seeding times and the
 * peak RSS of the process (the service runs in it, as in the other benchmarks).
 *
 * PostgreSQL only: a throwaway server of its own, or a fresh database on BENCH_DATABASE_URL.
 * PGlite (one connection, WebAssembly) is not meant for millions of participants.
 * BENCH_SCALE_ROUNDS (50) runs per read, BENCH_SCALE_BULK_ROUNDS (5) bulk actions of 1,000.
 * Goal (issue 18): p95 ≤ 50 ms and ≤ 3× the baseline for each read.
 */
import { benchOnPostgres, hostInfo, intEnv, printTable, progress, runBench, startBenchService } from './bench.support.ts';
import { percentile, runScale, type ScaleResult } from './scale-bench.core.ts';

const SOLUTIONS = intEnv('BENCH_SCALE_SOLUTIONS', 600, 3);
const LAENDER = (() => {
  const raw = process.env.BENCH_SCALE_LAENDER?.trim() || 'all';
  if (raw === 'all') return 'all' as const;
  const keys = raw.split(',').map((key) => key.trim());
  if (!keys.every((key) => /^[0-9]{2}$/.test(key))) throw new Error(`BENCH_SCALE_LAENDER=${raw}: expected all or Land keys such as 12,13`);
  return keys;
})();
const ROUNDS = intEnv('BENCH_SCALE_ROUNDS', 50, 3);
const BULK_ROUNDS = intEnv('BENCH_SCALE_BULK_ROUNDS', 5, 1);
const GOAL_P95_MS = 50;
const GOAL_RATIO = 3;

await runBench('bench:scale', async () => {
  const postgres = await benchOnPostgres('efa-scale', async (env) => {
    const service = await startBenchService('scale', { ...env, JOB_CONCURRENCY: '8' });
    try {
      return await runScale(service.runtime, service.api, { solutions: SOLUTIONS, laender: LAENDER, rounds: ROUNDS, bulkRounds: BULK_ROUNDS, bulkSize: 1000 });
    } finally {
      await service.close();
    }
  });
  if (!postgres.result) throw new Error(`bench:scale needs PostgreSQL: ${postgres.note}`);
  report(postgres.result, postgres.note);
});

function report(result: ScaleResult, note: string): void {
  const host = hostInfo();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(`\nbench:scale on PostgreSQL (${note}); Node ${host.node}, ${host.cpu} × ${host.cores}`);
  console.log(
    `Länder ${LAENDER === 'all' ? 'all' : LAENDER.join(',')}: ${result.solutions} seeded solutions × ${result.addressees} participants ` +
      `(${result.participants} participant rows in all); import ${(result.importMs / 1000).toFixed(1)} s, templates through the API ` +
      `${(result.templatesMs / 1000).toFixed(1)} s, seeding ${(result.seedMs / 1000).toFixed(1)} s; ${result.sampleChecked} seeded participants read back; ` +
      `peak RSS of the process (service in-process) ${peakRssMb.toFixed(0)} MB\n`,
  );
  const ms = (value: number) => value.toFixed(1);
  const rows = result.measured.map((m) => {
    const p95 = percentile(m.service, 95);
    const base95 = percentile(m.baseline, 95);
    const ratio = p95 / base95;
    const isRead = !m.name.startsWith('bulk');
    const goal = isRead ? (p95 <= GOAL_P95_MS && ratio <= GOAL_RATIO ? 'met' : 'missed') : '–';
    return [m.name, String(m.service.length), ms(percentile(m.service, 50)), ms(p95), ms(percentile(m.service, 99)), ms(percentile(m.baseline, 50)), ms(base95), ms(percentile(m.baseline, 99)), ratio.toFixed(2), goal];
  });
  printTable(['read', 'runs', 'p50 ms', 'p95 ms', 'p99 ms', 'base p50', 'base p95', 'base p99', 'p95 ratio', `goal ≤${GOAL_P95_MS} ms, ≤${GOAL_RATIO}×`], rows, 1);
  console.log(
    JSON.stringify({
      bench: 'scale',
      laender: LAENDER,
      solutions: result.solutions,
      participants: result.participants,
      importMs: Math.round(result.importMs),
      seedMs: Math.round(result.seedMs),
      peakRssMb: Math.round(peakRssMb),
      reads: result.measured.map((m) => ({ name: m.name, p50: percentile(m.service, 50), p95: percentile(m.service, 95), p99: percentile(m.service, 99), baselineP95: percentile(m.baseline, 95) })),
    }),
  );
  progress('done');
}
