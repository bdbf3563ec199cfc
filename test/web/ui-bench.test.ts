import t from 'tap';
import { benchOnPglite } from '../../bench/bench.support.ts';
import { runUiBench } from '../../bench/ui-bench.core.ts';
import { quickPlan } from '../../bench/ui-bench.fill.ts';

/**
 * `npm run bench:ui` in its small form (BENCH_UI_QUICK's plan, a few rounds): the core
 * fills the service, signs in through the form and measures every page beside its JSON
 * route. Asserted is only that each answered 200 and that every figure is a finite
 * number – never how fast (a shared CI machine says nothing about that).
 */

t.test('the UI benchmark core, small', async (t) => {
  const result = await benchOnPglite('efa-test-ui-bench', (env) => runUiBench(env, { plan: quickPlan(), warmup: 1, rounds: 3, pageSize: 50 }));
  t.equal(result.solutions.length, 3);
  t.equal(result.measuredSolution.stage, 'rollout');
  t.equal(result.measuredSolution.participants, 195, 'Gemeinde level: every Amt, amtsfreie Gemeinde and kreisfreie Stadt');
  t.ok(Object.keys(result.facts.participantsByStage).length >= 5, `participants in many stages: ${JSON.stringify(result.facts.participantsByStage)}`);
  t.ok(result.facts.tickets >= 4, 'the solution has tickets');
  t.same(result.pairs.map((p) => p.name), [
    'Lösungsliste',
    'Seite einer Lösung',
    'Teilnehmendentabelle',
    'Mailings',
    'Piloten',
    'Wellen',
    'BUS-BB und Abgleich',
    'Tickets der Lösung',
    'Ticket-Board',
    'Abdeckung nach Kreis',
    'Karte der Lösung',
    'Karte aller Lösungen',
    'Lagebild',
  ]);
  for (const pair of result.pairs) {
    t.ok(pair.pageRouteExists, `${pair.name}: the page's route is registered`);
    t.equal(pair.page.status, 200, `${pair.name}: the page answered 200`);
    t.equal(pair.json.status, 200, `${pair.name}: the JSON route answered 200`);
    for (const m of [pair.page, pair.json]) {
      const figures = { p50: m.p50, p95: m.p95, compressedBytes: m.compressedBytes, uncompressedBytes: m.uncompressedBytes };
      const finite = Object.values(figures).every((v) => Number.isFinite(v) && v >= 0);
      t.ok(finite, `${pair.name} (${m.kind}): finite figures ${JSON.stringify(figures)}`);
    }
  }
});
