/**
 * Issue 18, point 6: a burst of participant events over HTTP, from several clients at
 * once, while the service process is killed outright (SIGKILL) at random moments and
 * started again.
 *
 * The guarantee held (README, "Guarantees"): every event answered with 2xx is in the
 * history exactly once – the row its answer named, at the revision it named; the history
 * holds no event nobody sent, and an event in flight at a kill is there once or not at
 * all; each participant's revisions count its history rows without a gap; and every
 * applied event's effect has its job.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.ts';
import { createTestDatabaseUrl, testPostgresUrl } from '../helpers/databases.ts';
import { freeLoopbackPort } from '../helpers/net.ts';
import { callApi, FULL_SIZE, randomDelay, sleep, startedSolution, startServiceProcess, type ServiceProcess } from '../helpers/service-process.ts';
import { checkEventBurst, EventBurst } from '../helpers/event-burst.ts';

const KILLS = FULL_SIZE ? 12 : 3;
const CLIENTS = 8;
/** Participants the clients walk round: few enough that each goes round the machine several times. */
const PARTICIPANTS = 32;

// the full size (TEST_FULL=1) runs longer than tap's 300 s per file
if (FULL_SIZE) t.setTimeout(3_600_000);

t.test('postgres: SIGKILL during a burst of events – every acknowledged event in the history exactly once', { skip: !testPostgresUrl() && 'no PostgreSQL test server' }, async (t) => {
  let handle: DatabaseHandle | null = null;
  const databaseUrl = await createTestDatabaseUrl(t, () => handle?.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'efa-crash-events-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freeLoopbackPort();
  // no SMTP_URL: the pilots' invitations go to the outbox in DATA_DIR
  const env = { DATABASE_URL: databaseUrl, DATA_DIR: dataDir, JOB_LEASE_SECONDS: '3', JOB_POLL_INTERVAL_MS: '100' };
  let service: ServiceProcess = await startServiceProcess(t, port, env);
  handle = await openDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 2 });

  const solution = await startedSolution(service.url, 'Absturztest Ereignisse', { level: 'gemeinde' });
  const participants = await callApi(service.url, 'GET', `/api/v1/solutions/${solution.id}/participants?limit=1000`);
  const burst = new EventBurst(
    service.url,
    solution.id,
    participants.body.items.slice(0, PARTICIPANTS).map((p: { ars: string }) => p.ars),
  );
  const clients = burst.start(CLIENTS);

  const restartsMs: number[] = [];
  for (let kill = 1; kill <= KILLS; kill++) {
    await sleep(randomDelay(300, 1500));
    await service.kill();
    const killedAt = Date.now();
    service = await startServiceProcess(t, port, env);
    restartsMs.push(Date.now() - killedAt);
  }
  await sleep(1000);
  await burst.stop(clients);

  t.comment(`${burst.summary()}; restarts took ${restartsMs.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s`);
  t.ok(burst.acknowledged() > KILLS * 10, 'events were acknowledged between the kills');
  t.ok(burst.inFlightAtKill() > 0, 'some events were in flight at a kill');
  await checkEventBurst(t, handle.db, burst);
  await service.stop();
});
