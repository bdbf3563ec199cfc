/**
 * What the benchmarks (bench/engine.bench.ts, bench/mail.bench.ts) share: settings from
 * the environment, progress lines, cleanup that also runs on Ctrl-C, the service under
 * test started in-process behind HTTP, the databases to run on (PGlite in a temp dir;
 * PostgreSQL on BENCH_DATABASE_URL or a throwaway server of our own) and the report table.
 *
 * One benchmark per process: `runBench` names it, installs the signal handlers and runs
 * every registered cleanup at the end; the other helpers report and register through it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { createLogger, startRuntime, type Runtime } from '../src/runtime.ts';
import { findPostgresBinDir, startThrowawayServer, stopThrowawayServer } from '../test/helpers/throwaway-postgres.ts';

// ---------------------------------------------------------------- settings and progress

export function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`${name}=${raw}: expected an integer >= ${min}`);
  return Number(raw);
}

let progressTag = 'bench';

/** Progress goes to stderr, so stdout holds only the report (table and JSON line). */
export function progress(message: string): void {
  process.stderr.write(`[${progressTag}] ${message}\n`);
}

// ---------------------------------------------------------------- cleanup

/**
 * Cleanup steps, run last-in first-out. Each runs once: whoever asks first (the code
 * path that registered it, or the signal handler) starts it, and everybody else awaits
 * that same run – so a database is never dropped while the runtime on it still closes.
 */
interface CleanupEntry {
  label: string;
  fn: () => Promise<void> | void;
  run: Promise<void> | null;
}
const cleanups: CleanupEntry[] = [];
let interrupted = false;

/** Set by SIGINT/SIGTERM: long loops check it and stop, so cleanup is not kept waiting. */
export function isInterrupted(): boolean {
  return interrupted;
}

function runEntry(entry: CleanupEntry): Promise<void> {
  entry.run ??= (async () => {
    if (interrupted) progress(`cleanup: ${entry.label}`);
    try {
      await entry.fn();
    } catch (error) {
      progress(`cleanup "${entry.label}" failed: ${(error as Error).message}`);
    }
  })();
  return entry.run;
}

/** Registers a cleanup step; call the returned function to run it now (once). */
export function onCleanup(label: string, fn: () => Promise<void> | void): () => Promise<void> {
  const entry: CleanupEntry = { label, fn, run: null };
  cleanups.push(entry);
  return () => runEntry(entry);
}

async function runCleanups(): Promise<void> {
  for (const entry of [...cleanups].reverse()) await runEntry(entry);
}

/** Runs a benchmark's main: a failure sets exit code 1, and every cleanup runs in the end (or on a signal). */
export async function runBench(tag: string, main: () => Promise<void>): Promise<void> {
  progressTag = tag;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) {
        progress(`${signal} again: exiting without cleanup`);
        process.exit(130);
      }
      interrupted = true;
      progress(`${signal}: stopping and cleaning up`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
  try {
    await main();
  } catch (error) {
    process.exitCode = 1;
    console.error(`\nBENCHMARK FAILED: ${(error as Error).stack ?? String(error)}`);
  } finally {
    await runCleanups();
  }
}

// ---------------------------------------------------------------- waiting

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor(what: string, timeoutMs: number, intervalMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (interrupted) throw new Error(`interrupted while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * How far ahead a pending job still counts as leftover work: a retry after a conflict
 * under load is due again within seconds, and it must not land in the middle of a
 * measured run (it would write history the run did not send). Timers due later
 * (deadlines, reminders) do not keep a benchmark waiting.
 */
const LEFTOVER_HORIZON_MS = 120_000;

/** No job running or due soon: what a benchmark waits for so that a run does not compete with leftover work. */
export async function jobQueueIdle(runtime: Runtime): Promise<boolean> {
  const open = await runtime.handle.db
    .selectFrom('job')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('status', 'in', ['pending', 'running'])
    .where('run_at', '<=', new Date(Date.now() + LEFTOVER_HORIZON_MS))
    .executeTakeFirstOrThrow();
  return open.n === 0;
}

// ---------------------------------------------------------------- the service under test

/** HTTP client of the service's API with the admin token (fetch, keep-alive). */
export class AdminApi {
  readonly base: string;
  private readonly token: string;
  constructor(
    base: string,
    token: string,
  ) {
    this.base = base;
    this.token = token;
  }

  async request(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
    const response = await fetch(this.base + path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: response.status, json, text };
  }

  /** The parsed answer; throws unless the status is `status`. */
  async expect(status: number, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
    const response = await this.request(method, path, body);
    if (response.status !== status) {
      throw new Error(`${method} ${path}: expected ${status}, got ${response.status}: ${response.text.slice(0, 500)}`);
    }
    return response.json;
  }
}

export interface BenchService {
  runtime: Runtime;
  api: AdminApi;
  /** Closes the runtime (also a registered cleanup step). */
  close: () => Promise<void>;
}

/**
 * The real runtime in-process, listening on a free loopback port, with the fixture
 * directory loaded and a fresh admin token. `env` adds to (and overrides) the process
 * environment; DATABASE_URL is cleared unless `env` sets it.
 */
export async function startBenchService(
  label: string,
  env: Record<string, string>,
  options?: Parameters<typeof startRuntime>[2],
): Promise<BenchService> {
  const adminToken = randomBytes(30).toString('base64url'); // 40 characters
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: '',
    ...env,
    PORT: '0',
    LOG_LEVEL: 'warn',
    LOAD_FIXTURE_DIRECTORY: 'true',
    EFA_ADMIN_TOKEN: adminToken,
    // One benchmark client sends thousands of requests a minute: the per-client limit
    // would measure itself (429s), not the service.
    RATE_LIMIT_API_PER_MINUTE: '0',
    RATE_LIMIT_ANSWER_PAGES_PER_MINUTE: '0',
  });
  const runtime = await startRuntime(config, createLogger(config), options);
  const close = onCleanup(`${label} runtime`, async () => {
    const closing = runtime.close();
    // A keep-alive socket that was busy when close() began is not closed once it turns
    // idle, and server.close() would wait for Fastify's keep-alive timeout (72 s): after a
    // grace second for requests in flight (only on an abort), end every connection.
    const force = setTimeout(() => runtime.app.server.closeAllConnections(), 1000);
    try {
      await closing;
    } finally {
      clearTimeout(force);
    }
  });
  try {
    await runtime.app.listen({ port: 0, host: '127.0.0.1' });
    const address = runtime.app.server.address();
    if (!address || typeof address === 'string') throw new Error('server has no TCP address');
    return { runtime, api: new AdminApi(`http://127.0.0.1:${address.port}`, adminToken), close };
  } catch (error) {
    await close();
    throw error;
  }
}

// ---------------------------------------------------------------- databases

/**
 * Runs `bench` on PGlite in a temp on-disk data dir (as `npm start` with DATA_DIR).
 * `namePrefix` names the temp dir (`<namePrefix>-pglite-…`).
 */
export async function benchOnPglite<T>(namePrefix: string, bench: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), `${namePrefix}-pglite-`));
  const remove = onCleanup('pglite data dir', () => rmSync(dataDir, { recursive: true, force: true }));
  try {
    progress(`pglite: data dir ${dataDir}`);
    return await bench({ DATA_DIR: dataDir });
  } finally {
    await remove();
  }
}

async function withFreshDatabase<T>(serverUrl: string, databasePrefix: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `${databasePrefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const drop = onCleanup(`drop database ${name}`, async () => {
    const dropper = new pg.Client({ connectionString: serverUrl });
    await dropper.connect();
    try {
      await dropper.query(`drop database if exists ${name} with (force)`);
    } finally {
      await dropper.end();
    }
  });
  try {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await drop();
  }
}

export interface PostgresBench<T> {
  /** Which server it ran on, or why it was skipped – for the report. */
  note: string;
  /** null: skipped (no server binaries and BENCH_DATABASE_URL unset). */
  result: T | null;
}

/**
 * Runs `bench` on a fresh database, dropped afterwards: on BENCH_DATABASE_URL's server
 * when set, else on a throwaway server of our own (as the tap test server, but in a
 * temp dir of its own, away from the `.tap` state of concurrent tap runs).
 * `namePrefix` names the temp dirs (`<namePrefix>-pg-…`, `<namePrefix>-data-…`) and the
 * database (`<namePrefix with _>_<hex>`).
 */
export async function benchOnPostgres<T>(namePrefix: string, bench: (env: Record<string, string>) => Promise<T>): Promise<PostgresBench<T>> {
  const externalUrl = process.env.BENCH_DATABASE_URL?.trim() || null;
  const databasePrefix = namePrefix.replaceAll('-', '_');
  // DATA_DIR defaults to ./data: a scratch dir keeps the checkout's own data dir out of it.
  const scratchDataDir = mkdtempSync(join(tmpdir(), `${namePrefix}-data-`));
  const removeScratch = onCleanup('scratch data dir', () => rmSync(scratchDataDir, { recursive: true, force: true }));
  const benchOn = (url: string) => bench({ DATABASE_URL: url, DATA_DIR: scratchDataDir });
  try {
    if (externalUrl) {
      progress('postgres: fresh database on BENCH_DATABASE_URL');
      return { note: 'BENCH_DATABASE_URL (fresh database)', result: await withFreshDatabase(externalUrl, databasePrefix, benchOn) };
    }
    const binDir = findPostgresBinDir();
    if (!binDir) {
      return { note: 'skipped: no PostgreSQL server binaries (initdb/pg_ctl/postgres) found and BENCH_DATABASE_URL unset', result: null };
    }
    const started = performance.now();
    const server = await startThrowawayServer(binDir, {
      tempDirPrefix: `${namePrefix}-pg-`,
      maxConnections: 100,
      configComment: `efa-rollout benchmark server (${namePrefix})`,
    });
    const stop = onCleanup('postgres server', () => {
      const stopping = performance.now();
      stopThrowawayServer(server, progress);
      progress(`postgres: server on port ${server.port} stopped (${((performance.now() - stopping) / 1000).toFixed(2)} s)`);
    });
    try {
      progress(
        `${server.version} on 127.0.0.1:${server.port}${server.runAs ? ` (as ${server.runAs})` : ''} ready in ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      const note = `throwaway ${server.version} (fsync=off, synchronous_commit=off, full_page_writes=off)`;
      return { note, result: await withFreshDatabase(server.url, databasePrefix, benchOn) };
    } finally {
      await stop();
    }
  } finally {
    await removeScratch();
  }
}

// ---------------------------------------------------------------- report

export function hostInfo(): { node: string; cpu: string; cores: number } {
  const cpuList = cpus();
  return { node: process.version, cpu: cpuList[0]?.model.trim() ?? 'unknown', cores: cpuList.length };
}

/** `value` rounded to `digits` decimals, as a number (for the JSON line). */
export function roundTo(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

/** A Markdown table on stdout: the first `leftColumns` columns left-aligned, the rest (numbers) right-aligned. */
export function printTable(header: string[], rows: string[][], leftColumns: number): void {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i < leftColumns ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

/** The median wall time in ms of `rounds` runs, after one unmeasured warm-up run (caches, plans). */
export async function medianMs(rounds: number, run: () => Promise<void>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Runs `bench` on PGlite, then on PostgreSQL (skipped without a server): the results by database name, and where PostgreSQL ran. */
export async function onBothDatabases<T>(namePrefix: string, bench: (env: Record<string, string>) => Promise<T>): Promise<{ results: Array<[string, T]>; postgresNote: string }> {
  const pglite = await benchOnPglite(namePrefix, bench);
  const postgres = await benchOnPostgres(namePrefix, bench);
  const results: Array<[string, T]> = [['PGlite', pglite]];
  if (postgres.result) results.push(['PostgreSQL', postgres.result]);
  return { results, postgresNote: postgres.note };
}
