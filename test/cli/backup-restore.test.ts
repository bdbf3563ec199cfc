/**
 * The backup and restore procedures of docs/operations.md, done as written: a service
 * writes, is backed up (PGlite: stopped, its data directory packed with tar; PostgreSQL:
 * pg_dump --format=custom while it runs), the copy is restored elsewhere (tar unpacked;
 * pg_restore into an empty database) and a service started on it answers with the same
 * solution, participants and history as before.
 */
import t, { type Test } from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from '../helpers/net.ts';
import { createTestDatabaseUrl, testPostgresUrl } from '../helpers/databases.ts';
import { findPostgresBinDir } from '../helpers/throwaway-postgres.ts';

const BIN = fileURLToPath(new URL('../../bin/efa-rollout.js', import.meta.url));
const ADMIN_TOKEN = 'backup-admin-token-0123456789abcdef';

interface Service {
  url: string;
  stop(): Promise<void>;
}

async function startService(t: Test, env: Record<string, string>): Promise<Service> {
  const port = await freeLoopbackPort();
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, PORT: String(port), EFA_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}: ${stderr}`);
    if (i > 300) throw new Error('service did not become healthy');
    const healthy = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (healthy) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function api(service: Service, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** A solution with an event applied: what a restore must bring back. */
async function writeSomething(service: Service): Promise<string> {
  const { token } = await api(service, ADMIN_TOKEN, 'POST', '/api/v1/admin/tokens', { role: 'ministry', ministry: 'MSGIV', label: 'Sicherung' });
  const solution = await api(service, token, 'POST', '/api/v1/solutions', {
    title: 'Elterngeld digital',
    ozgId: '10310',
    leikaKeys: ['99036005000000'],
    responsibility: { level: 'kreis' },
  });
  await api(service, token, 'POST', `/api/v1/solutions/${solution.id}/events`, { type: 'PAUSIEREN', reason: 'Sicherungstest' });
  return solution.id;
}

/** What the service shows of that solution: compared before the backup and after the restore. */
async function observe(service: Service, solutionId: string) {
  const solution = await api(service, ADMIN_TOKEN, 'GET', `/api/v1/solutions/${solutionId}`);
  const participants = await api(service, ADMIN_TOKEN, 'GET', `/api/v1/solutions/${solutionId}/participants?limit=100`);
  const history = await api(service, ADMIN_TOKEN, 'GET', `/api/v1/solutions/${solutionId}/history?limit=100`);
  return { solution, participants, history };
}

t.test('PGlite: stop, tar the data directory, unpack it elsewhere, start – everything is there', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'efa-backup-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  const original = await startService(t, { DATA_DIR: dataDir });
  const solutionId = await writeSomething(original);
  const before = await observe(original, solutionId);
  await original.stop();

  const archive = join(root, 'data.tar.gz');
  const packed = spawnSync('tar', ['-C', root, '-czf', archive, 'data']);
  t.equal(packed.status, 0, `tar: ${packed.stderr}`);
  const restoredRoot = join(root, 'restored');
  spawnSync('mkdir', ['-p', restoredRoot]);
  const unpacked = spawnSync('tar', ['-C', restoredRoot, '-xzf', archive]);
  t.equal(unpacked.status, 0, `tar -x: ${unpacked.stderr}`);
  rmSync(dataDir, { recursive: true, force: true });

  const restored = await startService(t, { DATA_DIR: join(restoredRoot, 'data') });
  t.same(await observe(restored, solutionId), before, 'same solution, participants and history');
  await restored.stop();
});

const binDir = findPostgresBinDir();
t.test('PostgreSQL: pg_dump while the service runs, pg_restore into an empty database, start – everything is there', { skip: !testPostgresUrl() || !binDir ? 'no PostgreSQL test server' : false }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'efa-backup-pg-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const sourceUrl = await createTestDatabaseUrl(t);
  const original = await startService(t, { DATABASE_URL: sourceUrl });
  const solutionId = await writeSomething(original);
  const before = await observe(original, solutionId);

  const dump = join(root, 'efa-rollout.dump');
  const dumped = spawnSync(join(binDir!, 'pg_dump'), ['--format=custom', `--file=${dump}`, `--dbname=${sourceUrl}`], { encoding: 'utf8' });
  t.equal(dumped.status, 0, `pg_dump: ${dumped.stderr}`);
  await original.stop();

  const targetUrl = await createTestDatabaseUrl(t);
  const restoredDump = spawnSync(join(binDir!, 'pg_restore'), ['--no-owner', `--dbname=${targetUrl}`, dump], { encoding: 'utf8' });
  t.equal(restoredDump.status, 0, `pg_restore: ${restoredDump.stderr}`);

  const restored = await startService(t, { DATABASE_URL: targetUrl });
  t.same(await observe(restored, solutionId), before, 'same solution, participants and history');
  await restored.stop();
});
