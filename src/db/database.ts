import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { Database } from './schema.ts';
import { PGliteDialect } from './pglite.dialect.ts';
import { lockDataDir } from './data-dir.lock.ts';
import { migrateToLatest } from './migrate.ts';
import { listenForNotifications, type ListenForNotifications } from './notification.listen.ts';
import { buildTemplate, DEFAULT_TEMPLATE_DIR, seedFromTemplate, type DataDirOrigin, type TemplateManifest } from './pglite.template.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** PGlite on disk: found, copied from the install's template, or made by initdb (with the reason). */
  pgliteDataDir?: { origin: DataDirOrigin; note: string | null };
  /** PostgreSQL: LISTEN on a channel over a connection of its own (other instances' NOTIFY). */
  listen?: ListenForNotifications;
  close(): Promise<void>;
}

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolSize?: number; onIdleConnectionError?: (error: Error) => void }
  | {
      kind: 'pglite';
      dataDir: string | null /* null: in memory */;
      /** Template data dir copied into a new dataDir (default: the one `npm install` built); null: always initdb. */
      templateDir?: string | null;
    };

const INT8_OID = 20;
const parseInt8 = (value: string) => Number(value);
/** Calendar dates stay 'YYYY-MM-DD' strings: a Date would shift them with the time zone. */
const DATE_OID = 1082;
const keepDateText = (value: string) => value;

/**
 * PGlite's shared buffers. initdb writes PostgreSQL's 128 MB, and PGlite touches all
 * of it at start: 128 MB of resident WebAssembly memory for a database of a few MB.
 * 16 MB hold the working set of a rollout (participants, jobs, history of Brandenburg);
 * what does not fit is read from the OS page cache.
 */
const PGLITE_SHARED_BUFFERS = '16MB';

/** The options the service and the install-time template open PGlite with. */
export function pgliteOptions(dataDir: string | null): PGliteOptions {
  return {
    ...(dataDir ? { dataDir } : {}),
    parsers: { [INT8_OID]: parseInt8, [DATE_OID]: keepDateText },
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
  };
}

/**
 * V8 runs PGlite's 9 MB WebAssembly module with its baseline compiler (Liftoff) only.
 * With tier-up, the optimising compiler recompiles PostgreSQL's hot functions in the
 * background right after the start: RSS peaks ~550 MB higher for about a second and
 * stays ~55 MB higher, on a machine where the start competes for CPU. The service's
 * queries are small; Liftoff code is fast enough for them (see bench:engine).
 * Process-wide and set before the module is compiled, so it also holds for every
 * later PGlite instance of the process.
 */
let wasmTieringOff = false;
export function runWasmWithBaselineCompilerOnly(): void {
  if (wasmTieringOff) return;
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
  wasmTieringOff = true;
}

/** node-postgres hangs the client on its errors: a log line would carry all of it. */
function withoutClient(error: Error): Error {
  const { code } = error as Error & { code?: string };
  return Object.assign(new Error(error.message), code ? { code } : {});
}

export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  if (target.kind === 'postgres') {
    // Loaded only for PostgreSQL: an embedded start does not pay for the driver (~7 MB).
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize ?? 10 });
    pool.on('connect', (client) => {
      // bigint ids and counts fit in a double here; keep both drivers returning numbers.
      client.setTypeParser(INT8_OID, parseInt8);
      client.setTypeParser(DATE_OID, keepDateText);
      // A connection the server ends while it is checked out but between two statements
      // (a transaction waiting for the program, a restart of the server) emits 'error' on
      // its client, where the pool listens only while the client is idle: unhandled, that
      // would end the process. Handled, the next statement on it fails (503 to the client),
      // and the pool drops the connection when it comes back. Idle or not, this listener
      // reports it.
      client.on('error', (error) => target.onIdleConnectionError?.(withoutClient(error)));
    });
    // An idle connection the server closed (restart, failover, DROP DATABASE … FORCE)
    // is dropped from the pool; the next query opens a new one. Unhandled, the pool's
    // 'error' event would end the process; the client's own listener above has logged it.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      kind: 'postgres',
      listen: (channel, handlers) => listenForNotifications(target.url, channel, handlers),
      close: () => db.destroy(),
    };
  }

  const releaseLock = target.dataDir ? lockDataDir(target.dataDir) : () => {};
  try {
    const pgDataDir = target.dataDir ? join(target.dataDir, 'pglite') : null;
    const seeded = pgDataDir ? seedFromTemplate(pgDataDir, target.templateDir === undefined ? DEFAULT_TEMPLATE_DIR : target.templateDir) : null;
    runWasmWithBaselineCompilerOnly();
    const pglite = await PGlite.create(pgliteOptions(pgDataDir));
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    return {
      db,
      kind: 'pglite',
      ...(seeded ? { pgliteDataDir: seeded } : {}),
      close: async () => {
        await db.destroy();
        await pglite.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/**
 * Builds the PGlite template data directory (initdb, then every migration) that a new
 * DATA_DIR is copied from; kept when it is up to date. Run by `npm install`
 * (scripts/build-pglite-template.ts).
 */
export function buildPgliteTemplate(templateDir = DEFAULT_TEMPLATE_DIR): Promise<{ built: boolean; manifest: TemplateManifest }> {
  return buildTemplate(templateDir, async (dataDir) => {
    runWasmWithBaselineCompilerOnly();
    const pglite = await PGlite.create(pgliteOptions(dataDir));
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    try {
      await migrateToLatest(db);
    } finally {
      await db.destroy();
      await pglite.close();
    }
  });
}
