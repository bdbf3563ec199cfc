/**
 * Issue 18, point 6: the PostgreSQL server restarts while the service works. The test
 * runs a server of its own (test/helpers/throwaway-postgres.ts), stops it with
 * `pg_ctl stop -m fast` under a burst of events and reads, leaves it down a moment and
 * starts it again.
 *
 * The guarantee held (README, "Guarantees"): while the database is gone every request
 * fails cleanly – 503 application/problem+json with Retry-After and a German detail,
 * never a 500, never a hang, /health 503 – the service process lives on, reconnects by
 * itself once the server is back and serves again, its job worker runs the jobs again,
 * and nothing acknowledged (2xx) is lost.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/database.ts';
import { freeLoopbackPort } from '../helpers/net.ts';
import { findPostgresBinDir, startThrowawayServer, stopThrowawayServer, type ThrowawayServer } from '../helpers/throwaway-postgres.ts';
import { callApi, FULL_SIZE, randomDelay, sleep, startedSolution, startServiceProcess, type ApiAnswer } from '../helpers/service-process.ts';
import { checkEventBurst, EventBurst, isUnavailableProblem } from '../helpers/event-burst.ts';

const RESTARTS = FULL_SIZE ? 10 : 2;
const CLIENTS = 6;
const PARTICIPANTS = 24;
/** Longer than any answer may take: a request still open after this counts as a hang. */
const ANSWER_TIMEOUT_MS = 20_000;

/** pg_ctl as the server's user, without blocking this process's event loop (the clients run in it). */
function pgCtl(server: ThrowawayServer, args: string[]): Promise<void> {
  const pgCtlPath = join(server.binDir, 'pg_ctl');
  const [command, argv] = server.runAs ? ['runuser', ['-u', server.runAs, '--', pgCtlPath, ...args]] : [pgCtlPath, args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: server.tempDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl ${args[0]}: ${code}\n${output}`))));
  });
}

const binDir = findPostgresBinDir();

// the full size (TEST_FULL=1) runs longer than tap's 300 s per file
if (FULL_SIZE) t.setTimeout(3_600_000);

t.test('postgres restart under load: 503 while it is gone, reconnected by itself, nothing acknowledged lost', { skip: !binDir && 'no PostgreSQL server binaries' }, async (t) => {
  const server = await startThrowawayServer(binDir!, { tempDirPrefix: 'efa-crash-pg-', maxConnections: 60, configComment: 'efa-rollout crash test (postgres-restart)' });
  t.teardown(() => stopThrowawayServer(server, (message) => t.comment(message)));
  const dataDir = mkdtempSync(join(tmpdir(), 'efa-crash-restart-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freeLoopbackPort();
  const service = await startServiceProcess(t, port, { DATABASE_URL: server.url, DATA_DIR: dataDir, JOB_LEASE_SECONDS: '3', JOB_POLL_INTERVAL_MS: '100' });

  const solution = await startedSolution(service.url, 'Absturztest Datenbank-Neustart', { level: 'gemeinde' });
  const participants = await callApi(service.url, 'GET', `/api/v1/solutions/${solution.id}/participants?limit=1000`);
  const burst = new EventBurst(service.url, solution.id, participants.body.items.slice(0, PARTICIPANTS).map((p: { ars: string }) => p.ars));
  const clients = burst.start(CLIENTS);

  // A reader beside the writers: every answer is 200 or a clean 503.
  const readerAnswers: ApiAnswer[] = [];
  const readerFailures: string[] = [];
  let reading = true;
  const reader = (async () => {
    while (reading) {
      for (const path of [`/api/v1/solutions/${solution.id}`, `/api/v1/solutions/${solution.id}/participants?limit=20`, '/health']) {
        try {
          const answer = await callApi(service.url, 'GET', path, undefined, ANSWER_TIMEOUT_MS);
          readerAnswers.push(answer);
          if (answer.status !== 200 && !isUnavailableProblem(answer)) readerFailures.push(`GET ${path}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
        } catch (error) {
          readerFailures.push(`GET ${path}: no answer (${(error as Error).message})`);
        }
      }
      await sleep(20);
    }
  })();

  const downtimeChecks: string[] = [];
  const reconnectMs: number[] = [];
  const answerOrNull = (path: string) => callApi(service.url, 'GET', path, undefined, ANSWER_TIMEOUT_MS).catch((error: Error) => ({ status: 0, contentType: '', retryAfter: null, body: error.message }) as ApiAnswer);
  try {
    for (let restart = 1; restart <= RESTARTS; restart++) {
      await sleep(randomDelay(500, 1500));
      await pgCtl(server, ['stop', '-D', server.dataDir, '-m', 'fast', '-w', '-t', '60']);
      // While it is down: readiness and the API say so, cleanly.
      const health = await answerOrNull('/health');
      if (health.status !== 503 || !health.contentType.startsWith('application/problem+json')) downtimeChecks.push(`/health while down: ${health.status}`);
      const api = await answerOrNull(`/api/v1/solutions/${solution.id}`);
      if (!isUnavailableProblem(api)) downtimeChecks.push(`API while down: ${api.status} ${api.retryAfter} ${JSON.stringify(api.body).slice(0, 200)}`);
      await sleep(randomDelay(200, 1000));
      await pgCtl(server, ['start', '-D', server.dataDir, '-l', server.logFile, '-w', '-t', '60']);
      const startedAt = Date.now();
      for (;;) {
        if ((await answerOrNull('/health')).status === 200) break;
        if (Date.now() - startedAt > 30_000) throw new Error(`not serving again 30 s after the restart:\n${service.output()}`);
        await sleep(100);
      }
      reconnectMs.push(Date.now() - startedAt);
    }
    await sleep(1000);
  } finally {
    await burst.stop(clients);
    reading = false;
    await reader;
  }

  t.comment(`${burst.summary()}; reader: ${readerAnswers.length} answers, ${readerAnswers.filter((a) => a.status === 503).length} of them 503; serving again ${reconnectMs.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s after each start`);
  t.same(downtimeChecks, [], 'while the server is down: /health 503, the API 503 problem+json with Retry-After');
  t.same(readerFailures, [], 'every read answered 200 or a clean 503, none hung');
  t.equal(burst.count('unknown') + burst.count('not-delivered'), 0, 'every event got an answer: the process lived on, nothing hung');
  t.ok(burst.count('unavailable') + readerAnswers.filter((a) => a.status === 503).length > 0, 'requests met the restart');
  t.equal(service.child.exitCode, null, 'the service process is still running');

  // The job worker survived as well: the effects of the events run to the end.
  const handle = await openDatabase({ kind: 'postgres', url: server.url, poolSize: 2 });
  t.teardown(() => handle.close());
  const deadline = Date.now() + 60_000;
  for (;;) {
    const open = await handle.db.selectFrom('job').select(['id', 'kind', 'status']).where('status', 'in', ['pending', 'running']).where('run_at', '<=', new Date()).execute();
    if (open.length === 0) break;
    if (Date.now() > deadline) throw new Error(`jobs not run after the restarts: ${JSON.stringify(open.slice(0, 5))}\n${service.output()}`);
    await sleep(250);
  }
  const failed = await handle.db.selectFrom('job').select(['kind', 'last_error']).where('status', '=', 'failed').execute();
  t.same(failed, [], 'no job failed for good');
  await checkEventBurst(t, handle.db, burst);
  await service.stop();
});
