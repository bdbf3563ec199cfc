/**
 * `npm run bench:ui` – what the staff's web pages cost beside the JSON routes that return
 * the same data, for all of Brandenburg: the real runtime on PGlite (as `npm start`, the
 * Kommunalverzeichnis loaded from fixtures/), 20 solutions of one ministry in every stage
 * (3 drafts; 4 in Erstinformation with answers; 4 in the pilot phase with candidates and
 * confirmed pilots; 9 in rollout with two waves, participants onboarding, linked in
 * BUS-BB, not ready or ready later, 5 of them with tickets; Gemeinde level – 195
 * participants – and Kreis level – 18 – mixed), a person of that ministry signed in
 * through the sign-in form. Measured (ui-bench.core.ts) over real HTTP on the listening
 * loopback socket, keep-alive, request written to last byte read:
 *   - the solution list       /verwaltung                          vs GET /api/v1/solutions
 *   - a solution's page       /verwaltung/loesungen/:id            vs GET /api/v1/solutions/:id
 *   - its participant table   /verwaltung/loesungen/:id/teilnehmende (first page, default
 *     filter)                                                      vs GET /api/v1/solutions/:id/participants?limit=<page size>
 *   - and, each beside the JSON route of its main list, the solution's mailings, pilots,
 *     waves, BUS-BB (vs its onboarding/linked participants) and tickets pages and the
 *     Kaz's ticket board, and the Lagebild over all 20 solutions (vs GET /api/v1/overview)
 * for the largest solution in rollout. Per route: p50/p95 of BENCH_UI_ROUNDS requests
 * after BENCH_UI_WARMUP unmeasured ones, with `accept-encoding: gzip, br`; the body bytes
 * as sent (compressed) and with `accept-encoding: identity` (uncompressed). The goal of
 * issue 16 (p95 ≤ 100 ms, ≤ 200 KB transferred, 1 KB = 1000 bytes) is printed as a
 * measured fact, not asserted. A page that does not exist (404) is reported as missing
 * and the run exits non-zero.
 *
 * Environment: BENCH_UI_QUICK=1 (3 solutions, 3 warm-up, 20 rounds), BENCH_UI_ROUNDS
 * (200), BENCH_UI_WARMUP (20), BENCH_UI_PAGE_SIZE (50: participants on the table's first
 * page, the API's default page).
 */
import { benchOnPglite, hostInfo, intEnv, printTable, progress, roundTo, runBench } from './bench.support.ts';
import { runUiBench, type Measured, type UiBenchResult } from './ui-bench.core.ts';
import { fullPlan, quickPlan } from './ui-bench.fill.ts';

const QUICK = process.env.BENCH_UI_QUICK === '1';
const SETTINGS = {
  plan: QUICK ? quickPlan() : fullPlan(),
  rounds: intEnv('BENCH_UI_ROUNDS', QUICK ? 20 : 200, 1),
  warmup: intEnv('BENCH_UI_WARMUP', QUICK ? 3 : 20, 0),
  pageSize: intEnv('BENCH_UI_PAGE_SIZE', 50, 1),
};
const GOAL_P95_MS = 100;
const GOAL_BYTES = 200_000;

const ms = (value: number) => (Number.isFinite(value) ? roundTo(value, 1).toFixed(1) : '–');
const kb = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 1000).toFixed(1) : '–');
const goal = (m: Measured) =>
  m.status !== 200 ? `fehlt (${m.status})` : `${m.p95 <= GOAL_P95_MS ? 'ja' : 'NEIN'} / ${m.compressedBytes <= GOAL_BYTES ? 'ja' : 'NEIN'}`;

function report(result: UiBenchResult): void {
  const rows: string[][] = [];
  for (const { name, page, json } of result.pairs) {
    for (const m of [page, json]) {
      const ratio = m.kind === 'page' && page.status === 200 ? `${(page.p50 / json.p50).toFixed(2)} / ${(page.compressedBytes / json.compressedBytes).toFixed(2)}` : '';
      rows.push([`${name} (${m.kind === 'page' ? 'Seite' : 'JSON'})`, m.route.replace(result.measuredSolution.id, ':id'), String(m.status), ms(m.p50), ms(m.p95), kb(m.compressedBytes), kb(m.uncompressedBytes), m.encoding, ratio, goal(m)]);
    }
  }
  const s = result.measuredSolution;
  const byStage = result.solutions.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x.stage]: (acc[x.stage] ?? 0) + 1 }), {});
  console.log(
    `\nbench:ui – ${result.solutions.length} solutions (${Object.entries(byStage).map(([k, v]) => `${v} ${k}`).join(', ')}), measured: „${s.title}“ ` +
      `(${s.participants} participants); ${SETTINGS.rounds} rounds after ${SETTINGS.warmup} warm-up; PGlite; ` +
      `real HTTP on loopback (keep-alive), request to last byte; ${JSON.stringify(hostInfo())}`,
  );
  console.log(`its participants by stage: ${JSON.stringify(result.facts.participantsByStage)}; its tickets: ${result.facts.tickets}`);
  if (result.participantRowsOnPage !== null) console.log(`participant table page: ${result.participantRowsOnPage} rows in its table body; JSON asked for limit=${SETTINGS.pageSize}`);
  printTable(
    ['route', 'path', 'status', 'p50 ms', 'p95 ms', 'KB sent', 'KB plain', 'encoding', 'page/JSON p50 / KB', `goal p95≤${GOAL_P95_MS} ms / ≤${GOAL_BYTES / 1000} KB`],
    rows,
    2,
  );
  console.log(JSON.stringify({ bench: 'ui', quick: QUICK, rounds: SETTINGS.rounds, pairs: result.pairs }));
}

await runBench('bench:ui', async () => {
  progress(`${SETTINGS.plan.length} solutions${QUICK ? ' (BENCH_UI_QUICK)' : ''}`);
  const result = await benchOnPglite('efa-bench-ui', (env) => runUiBench(env, SETTINGS));
  report(result);
  for (const { name, page, json } of result.pairs) {
    if (page.status === 404) {
      console.log(`\n${name}: Seite fehlt (404)`);
      process.exitCode = 1;
    } else if (page.status !== 200 || json.status !== 200) {
      throw new Error(`${name}: page ${page.status}, JSON ${json.status}`);
    }
  }
});
