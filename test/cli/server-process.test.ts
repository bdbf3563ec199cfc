import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from '../helpers/net.ts';

const BIN = fileURLToPath(new URL('../../bin/efa-rollout.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../fixtures/brandenburg-kommunalverzeichnis.csv', import.meta.url));
const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('server did not become healthy');
}

t.test('import-directory prints one JSON line with the counts per kind', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'efa-cli-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const result = await run(['import-directory', FIXTURE], { DATA_DIR: dataDir });
  t.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  t.equal(lines.length, 1);
  const summary = JSON.parse(lines[0]!);
  t.match(summary.counts, { landkreis: 14, kreisfreie_stadt: 4, amt: 52, verbandsgemeinde: 1, amtsfreie_gemeinde: 138 });

  const broken = join(dataDir, 'broken.csv');
  writeFileSync(broken, '\uFEFF"regionalschluessel";"bezeichnung"\r\n"120540000000";"Potsdam"\r\n');
  const failed = await run(['import-directory', broken], { DATA_DIR: dataDir });
  t.equal(failed.code, 1);
  t.match(failed.stderr, /organisationsart/, 'names the missing column');

  const usage = await run(['import-directory'], { DATA_DIR: dataDir });
  t.equal(usage.code, 64);
  t.match(usage.stderr, /Aufruf: efa-rollout/);
});

t.test('serve: starts with Brandenburg loaded, refuses a second process on the data dir, shuts down gracefully', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'efa-serve-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freeLoopbackPort();
  const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), EFA_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn' };
  const server = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, server);

  const health = await (await fetch(`${url}/health`)).json();
  t.same(health.status, 'ok');
  t.equal(health.database, 'pglite');
  const openapi = await (await fetch(`${url}/openapi.json`)).json();
  t.ok(openapi.paths['/api/v1/solutions'], 'OpenAPI lists the API');
  t.equal((await fetch(`${url}/docs`, { redirect: 'follow' })).status, 200, 'Swagger UI');
  const amter = await (await fetch(`${url}/api/v1/authorities?kind=amt&limit=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
  t.equal(amter.total, 52, 'the Brandenburg directory was loaded on the empty database');

  const second = await run(['serve'], { DATA_DIR: dataDir, PORT: String(await freeLoopbackPort()) });
  t.equal(second.code, 1, 'a second process may not open the same PGlite data directory');
  t.match(second.stderr, /bereits von Prozess/);

  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  t.equal(await exited, 0, 'graceful shutdown');
  t.notOk(existsSync(join(dataDir, 'efa-rollout.lock')), 'the lock is released');

  // Restart on the same data directory: nothing is lost, the directory is not loaded twice.
  const again = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (again.exitCode === null) again.kill('SIGKILL');
  });
  await waitForHealth(url, again);
  const imports = await (await fetch(`${url}/api/v1/admin/directory/imports`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
  t.equal(imports.length, 1, 'the fixture was imported once');
  const stopped = new Promise((resolve) => again.on('exit', resolve));
  again.kill('SIGTERM');
  await stopped;
});
