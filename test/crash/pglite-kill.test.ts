/**
 * Issue 18, point 6: the service on PGlite (embedded, its own data directory) killed
 * outright (SIGKILL) in the middle of writes – a burst of participant events – and
 * started again on the same directory.
 *
 * The guarantee held (README, "Guarantees"): the next start takes over the dead process's
 * data-dir lock and opens the database; every write acknowledged with 2xx is there, once;
 * history and participants agree (each participant's revision counts its history rows,
 * every history row an event that was sent); and the service goes on working.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/database.ts';
import { freeLoopbackPort } from '../helpers/net.ts';
import { callApi, FULL_SIZE, randomDelay, sleep, startedSolution, startServiceProcess, type ServiceProcess } from '../helpers/service-process.ts';
import { checkEventBurst, EventBurst } from '../helpers/event-burst.ts';

const KILLS = FULL_SIZE ? 10 : 3;
const CLIENTS = 6;
const PARTICIPANTS = 24;

if (FULL_SIZE) t.setTimeout(3_600_000);

t.test('pglite: SIGKILL during writes – the next start takes the directory over, every acknowledged write is there', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'efa-crash-pglite-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freeLoopbackPort();
  const env = { DATA_DIR: dataDir, JOB_LEASE_SECONDS: '3', JOB_POLL_INTERVAL_MS: '100' };
  let service: ServiceProcess = await startServiceProcess(t, port, env);

  const solution = await startedSolution(service.url, 'Absturztest PGlite', { level: 'gemeinde' });
  const participants = await callApi(service.url, 'GET', `/api/v1/solutions/${solution.id}/participants?limit=1000`);
  const burst = new EventBurst(service.url, solution.id, participants.body.items.slice(0, PARTICIPANTS).map((p: { ars: string }) => p.ars));
  const clients = burst.start(CLIENTS);

  const restartsMs: number[] = [];
  const staleLocks: boolean[] = [];
  let sentBeforeLastStart = 0;
  try {
    for (let kill = 1; kill <= KILLS; kill++) {
      await sleep(randomDelay(300, 1500));
      const pid = service.child.pid;
      await service.kill();
      // The dead process's lock is still there: the next start must take it over.
      const lock = join(dataDir, 'efa-rollout.lock');
      staleLocks.push(existsSync(lock) && readFileSync(lock, 'utf8').includes(String(pid)));
      const killedAt = Date.now();
      sentBeforeLastStart = burst.sent.length;
      service = await startServiceProcess(t, port, env);
      restartsMs.push(Date.now() - killedAt);
    }
    await sleep(1500);
  } finally {
    await burst.stop(clients);
  }
  t.comment(`${burst.summary()}; restarts took ${restartsMs.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s`);
  t.ok(staleLocks.every(Boolean), 'each kill left its lock behind, and each start took it over');
  t.ok(burst.acknowledged() > KILLS * 5, 'events were acknowledged between the kills');
  t.ok(
    burst.sent.slice(sentBeforeLastStart).some((s) => s.outcome === 'applied'),
    'the service goes on working after the last start',
  );
  const health = await callApi(service.url, 'GET', '/health');
  t.equal(health.status, 200);
  await service.stop();

  // The directory, opened as the next start would: consistent and complete.
  const handle = await openDatabase({ kind: 'pglite', dataDir });
  t.teardown(() => handle.close());
  await checkEventBurst(t, handle.db, burst);
});
