import type { TestApp } from './app.ts';
import { drainSettling } from './rollout.ts';
import { BARNIM, POTSDAM, ticketSetUp } from './tickets.ts';
import { quarterEnd, quarterOf } from '../../src/snapshots/quarter.ts';
import { ensureRecurringJobs } from '../../src/composition.ts';

export const MOL = '120640000000'; // Märkisch-Oderland
export const OBERHAVEL = '120650000000';
export { BARNIM, POTSDAM };

/**
 * A Kreis-level solution through two quarter ends, the test clock moved by the quarterly
 * job's own due times: at the first end Barnim is in onboarding and Potsdam invited; in
 * the quarter after, Potsdam goes live, Märkisch-Oderland declines and Oberhavel reports
 * itself not responsible – `atSecondEnd` takes the second quarter's snapshot.
 */
export async function snapshotSetUp(env: TestApp) {
  env.clock.now = new Date();
  const first = quarterOf(env.clock.now);
  // two instances start on the one database: each makes sure the quarter's job exists
  await Promise.all([ensureRecurringJobs(env.handle, env.clock.now), ensureRecurringJobs(env.handle, env.clock.now)]);
  const setUp = await ticketSetUp(env);
  const { participantEvent } = setUp;
  const ok = async (ars: string, event: Record<string, unknown>) => {
    const response = await participantEvent(ars, event);
    if (response.statusCode !== 200) throw new Error(`${ars} ${String(event.type)}: ${response.statusCode} ${response.body}`);
  };
  await ok(BARNIM, { type: 'BEREITSCHAFT_MELDEN', status: 'bereit' });
  await drainSettling(env);
  /** The clock to just after the quarter's end, and the due jobs run (the quarterly one among them). */
  const toEndOf = async (quarter: string) => {
    env.clock.now = new Date(quarterEnd(quarter).getTime() + 60_000);
    await drainSettling(env);
  };
  const moveInSecondQuarter = async () => {
    await ok(POTSDAM, { type: 'BEREITSCHAFT_MELDEN', status: 'bereit' });
    await ok(POTSDAM, { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://melde.potsdam.example/' });
    for (const schritt of ['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar']) await ok(POTSDAM, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt });
    await ok(POTSDAM, { type: 'LIVE_BESTAETIGEN' });
    await ok(MOL, { type: 'ABLEHNEN', reason: '=HYPERLINK("http://evil.example")' });
    await ok(OBERHAVEL, { type: 'NICHT_ZUSTAENDIG_MELDEN', reason: 'Zuständig ist das Land' });
    await drainSettling(env);
  };
  return { ...setUp, first, toEndOf, moveInSecondQuarter };
}
