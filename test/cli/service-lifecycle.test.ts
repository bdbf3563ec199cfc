/**
 * The service as an operator meets it, in real processes: a start that fails, the first
 * start at a terminal, a lost admin token, and stopping `npm start`.
 */
import t, { type Test } from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freeLoopbackPort } from '../helpers/net.ts';
import { createTestDatabaseUrl, databaseKinds } from '../helpers/databases.ts';
import { openDatabase } from '../../src/db/database.ts';
import { readProcessStartTime } from '../../src/db/data-dir.lock.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'src/cli.ts');
const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
/** A generated admin token anywhere in the output. */
const GENERATED_TOKEN = /efa_[A-Za-z0-9_-]{30,}/;

interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

function start(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Running {
  const child = spawn(command, args, { cwd, env: { ...process.env, DATABASE_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The efa-rollout command, as `npm run cli --` runs it. */
function cli(args: string[], env: Record<string, string>): Running {
  return start(process.execPath, [CLI, ...args], env);
}

function killOnTeardown(t: Test, running: Running): void {
  t.teardown(() => {
    for (const pid of [...descendants(running.child.pid!), running.child.pid!]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
}

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nicht binnen ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitForHealth(url: string, running: Running): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (running.child.exitCode !== null) throw new Error(`exited with ${running.child.exitCode}: ${running.stderr()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('service did not become healthy');
}

/** Every process below `pid`, from /proc (children of children too). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie has ended; it only waits for its parent to read its status.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function portIsFree(port: number): Promise<boolean> {
  try {
    await new Promise<void>((resolve) => occupy(port).then((server) => server.close(() => resolve())));
    return true;
  } catch {
    return false;
  }
}

function tempDir(t: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');

for (const kind of databaseKinds()) {
  t.test(`${kind}: a start that fails exits with one line, shows no token and leaves nothing behind`, async (t) => {
    const port = await freeLoopbackPort();
    const blocker = await occupy(port);
    t.teardown(() => blocker.close());
    const dataDir = tempDir(t, 'efa-failed-');
    const databaseUrl = kind === 'postgres' ? await createTestDatabaseUrl(t) : '';
    const env = { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: 'info', LOG_FORMAT: 'auto' };

    const failed = cli(['serve'], env);
    killOnTeardown(t, failed);
    t.equal(await within(120_000, 'failed start exits', failed.exited), 1, 'exits non-zero instead of running on');
    t.match(lastLine(failed.stderr()), new RegExp(`^efa-rollout startet nicht: Port ${port} auf 127\\.0\\.0\\.1 ist schon belegt`));
    t.notMatch(failed.stderr(), /\n\s+at /, 'no stack trace');
    t.notMatch(failed.stdout() + failed.stderr(), GENERATED_TOKEN, 'no admin token before the start has succeeded');
    const steps = failed
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).msg as string);
    t.match(steps.join('\n'), /Datenbank bereit/, 'no terminal: JSON log lines, with the steps');

    // Nothing is held and nothing was lost: no connection stays open, the next start may
    // open the database, and it still has no admin token – the one a failed start would
    // have shown is not there.
    if (kind === 'postgres') {
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      t.teardown(() => admin.end());
      const { rows } = await admin.query('select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      t.equal(rows[0].n, 0, 'no connection of the failed start is left');
    }
    const handle = await openDatabase(kind === 'postgres' ? { kind, url: databaseUrl } : { kind, dataDir });
    t.teardown(() => handle.close());
    const admins = await handle.db.selectFrom('api_token').select('id').where('role', '=', 'admin').execute();
    t.equal(admins.length, 0, 'no admin token was generated and lost');
  });
}

t.test('a wrong DATABASE_URL or DATA_DIR ends the start with a line that names it', async (t) => {
  const file = join(tempDir(t, 'efa-notadir-'), 'datei');
  writeFileSync(file, '');
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ DATABASE_URL: 'postgres://efa:geheim@127.0.0.1:1/efa' }, /PostgreSQL 127\.0\.0\.1:1\/efa .*nimmt keine Verbindung an/],
    [{ DATA_DIR: file }, /ist kein Verzeichnis – DATA_DIR/],
  ];
  for (const [env, expected] of cases) {
    const failed = cli(['serve'], { PORT: String(await freeLoopbackPort()), LOG_LEVEL: 'warn', ...env });
    killOnTeardown(t, failed);
    t.equal(await within(60_000, 'failed start exits', failed.exited), 1);
    t.match(lastLine(failed.stderr()), expected);
    t.notMatch(failed.stderr(), /geheim|\n\s+at /, 'neither the password nor a stack trace');
  }
});

const hasScript = spawnSync('script', ['--version']).status === 0;

t.test('first start at a terminal: readable steps, the token framed, a lost token explained', { skip: !hasScript && 'no script(1) (util-linux)' }, async (t) => {
  const dataDir = tempDir(t, 'efa-tty-');
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const env = { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info', LOG_FORMAT: 'auto', EFA_ADMIN_TOKEN: '', TERM: 'xterm' };
  // script(1) gives the service a pseudo-terminal as stdout, as a person's shell would.
  const service = start('script', ['-qfc', `${process.execPath} ${CLI} serve`, '/dev/null'], env);
  killOnTeardown(t, service);
  await waitForHealth(url, service);
  const until = Date.now() + 10_000;
  while (!/└─+┘/.test(service.stdout()) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));

  const output = stripAnsi(service.stdout());
  t.notMatch(output, /^\{"level"/m, 'no JSON lines on a terminal');
  const order = ['Datenbank: PGlite in', 'Datenbank bereit', 'Kommunalverzeichnis Brandenburg geladen', 'Lauscht auf http://127.0.0.1', 'efa-rollout bereit', 'Neues Admin-Token'];
  const positions = order.map((step) => output.indexOf(step));
  t.ok(positions.every((position) => position >= 0), `every step is shown: ${JSON.stringify(positions)}`);
  t.same(positions, [...positions].sort((a, b) => a - b), 'in the order of the start, the token last');
  t.match(output, /INFO.*Datenbank bereit/, 'human-readable lines with their level');
  const token = /│\s+(efa_[A-Za-z0-9_-]+)\s+│/.exec(output)?.[1];
  t.ok(token, 'the token stands alone in the frame');
  t.match(output, /Jetzt sicher ablegen/);
  const tokens = await fetch(`${url}/api/v1/admin/tokens`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(tokens.status, 200, 'the shown token is the admin token');

  // Token lost, service running: create-token says in one line what to do instead.
  const refused = cli(['create-token', '--role', 'admin', '--label', 'Ersatz'], { DATA_DIR: dataDir, PORT: String(port) });
  t.equal(await within(60_000, 'create-token exits', refused.exited), 1);
  const hint = refused.stderr().trim();
  t.equal(hint.split('\n').length, 1, `one line: ${hint}`);
  t.match(hint, new RegExp(`POST ${url}/api/v1/admin/tokens`));
  t.match(hint, /den Dienst beenden und create-token erneut aufrufen/);
  // The first way it names works:
  const issued = await fetch(`${url}/api/v1/admin/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'admin', label: 'Ersatz' }),
  });
  t.equal(issued.status, 201);

  // The second way: stop the service, then create-token.
  const node = descendants(service.child.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('serve'));
  t.ok(node, 'the service process under script');
  process.kill(node!, 'SIGTERM');
  await within(30_000, 'service stops', service.exited);
  const created = cli(['create-token', '--role', 'admin', '--label', 'Ersatz'], { DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  t.equal(await within(60_000, 'create-token exits', created.exited), 0, created.stderr());
  t.match(JSON.parse(created.stdout()), { token: GENERATED_TOKEN });
});

t.test('npm start: SIGTERM, SIGINT – even SIGKILL to npm – stop the whole process tree and free the port', async (t) => {
  const dataDir = tempDir(t, 'efa-npm-');
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const env = { DATA_DIR: dataDir, PORT: String(port), EFA_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn' };

  // SIGKILL cannot be passed on: the service notices that npm, its parent, is gone.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
    if (signal === 'SIGINT') {
      // The lock a crashed run left behind, under a PID that is alive but is not its
      // holder (this test process, with another start time): the start goes ahead.
      const startTime = String(Number(readProcessStartTime(process.pid)) + 1);
      writeFileSync(join(dataDir, 'efa-rollout.lock'), JSON.stringify({ pid: process.pid, startTime, bootId: null }));
    }
    const npm = start('npm', ['start', '--silent'], env);
    killOnTeardown(t, npm);
    await waitForHealth(url, npm);
    const tree = descendants(npm.child.pid!);
    t.ok(tree.length >= 1, `npm runs the service below it (${tree.length} processes)`);

    npm.child.kill(signal);
    await within(30_000, 'npm exits', npm.exited);
    const deadline = Date.now() + 15_000;
    while (tree.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    t.same(tree.filter(isAlive), [], `${signal}: no process of the tree is left`);
    t.ok(await portIsFree(port), `${signal}: the port is free again`);
    t.notOk(existsSync(join(dataDir, 'efa-rollout.lock')), `${signal}: the data-dir lock is released`);
  }
});

for (const kind of databaseKinds()) {
  t.test(`${kind}: npm start --silent with JSON logs – stdout only JSON, probes at debug, a last line after the stop, the real address in create-token's hint`, async (t) => {
    const dataDir = tempDir(t, 'efa-json-');
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}`;
    const databaseUrl = kind === 'postgres' ? await createTestDatabaseUrl(t) : '';
    const env = { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, PORT: String(port), EFA_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'debug', LOG_FORMAT: 'auto' };
    const npm = start('npm', ['start', '--silent'], env);
    killOnTeardown(t, npm);
    await waitForHealth(url, npm);
    for (let probe = 0; probe < 3; probe++) t.equal((await fetch(`${url}/health`)).status, 200);

    if (kind === 'pglite') {
      // Started without PORT (this command would guess 3000): the hint names where the service listens.
      const refused = cli(['create-token', '--role', 'admin', '--label', 'Ersatz'], { DATA_DIR: dataDir, PORT: '', LOG_LEVEL: 'warn' });
      t.equal(await within(60_000, 'create-token exits', refused.exited), 1);
      t.match(refused.stderr(), new RegExp(`POST ${url}/api/v1/admin/tokens`), refused.stderr());
      t.notMatch(refused.stderr(), /:3000\//);
    }

    // npm may exit before the service below it has written its last line: the pipe
    // closes only when every process holding it has ended.
    const stdoutClosed = new Promise((resolve) => npm.child.stdout!.on('close', resolve));
    npm.child.kill('SIGINT');
    await within(30_000, 'npm exits', npm.exited);
    await within(30_000, 'the service closes stdout', stdoutClosed);
    const lines = npm.stdout().trimEnd().split('\n');
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as { level: number; msg: string; req?: { url?: string } };
      } catch {
        return null;
      }
    });
    t.same(lines.filter((_, i) => entries[i] === null), [], 'every stdout line is JSON (no npm banner)');
    const probes = entries.filter((entry) => entry?.req?.url === '/health');
    t.ok(probes.length >= 3, `the probes are logged at debug (${probes.length})`);
    t.same(new Set(probes.map((entry) => entry!.level)), new Set([20]), 'and only at debug: at LOG_LEVEL=info they are gone');
    t.equal(entries.at(-1)?.msg, 'efa-rollout gestoppt', `the last line says the service has stopped: ${lines.slice(-3).join('\n')}`);
    t.equal(entries.at(-1)?.level, 30);
    t.notOk(existsSync(join(dataDir, 'efa-rollout.address.json')), 'the recorded address is removed with the stop');
  });
}
