import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle, type DatabaseKind } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { openMigratedPglite } from './pglite-dump.ts';

/** Written by test/setup/postgres.start.ts (tap `before`), removed by its `after` script. */
export const POSTGRES_URL_FILE = new URL('../../.tap/test-postgres.url', import.meta.url);

/** URL of a PostgreSQL server on which the tests may create and drop databases, if any. */
export function testPostgresUrl(): string | null {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  if (existsSync(POSTGRES_URL_FILE)) return readFileSync(POSTGRES_URL_FILE, 'utf8').trim() || null;
  return null;
}

/** The databases every database test runs against: PGlite always, PostgreSQL when a server is there. */
export function databaseKinds(): DatabaseKind[] {
  const url = testPostgresUrl();
  if (!url && process.env.CI) throw new Error('CI: kein PostgreSQL-Testserver (TEST_DATABASE_URL / .tap/test-postgres.url)');
  return url ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * The databases for the suite's widest probes – every operation with every hostile value,
 * every JSON type in every body field, every answer page in Chromium: every kind with
 * TEST_FULL=1, otherwise the first (PGlite). PGlite is the same PostgreSQL engine, and what
 * differs between the kinds (pool, transactions, several processes) is held on both by the
 * other database tests; this keeps the CI run within its time.
 */
export function wideProbeKinds(): DatabaseKind[] {
  const kinds = databaseKinds();
  return process.env.TEST_FULL === '1' ? kinds : kinds.slice(0, 1);
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A fresh, migrated database of the given kind, dropped again when the test ends. */
export async function openTestDatabase(t: Teardown, kind: DatabaseKind): Promise<DatabaseHandle> {
  if (kind === 'pglite') {
    const handle = await openMigratedPglite();
    t.teardown(() => handle.close());
    return handle;
  }
  let handle: DatabaseHandle | null = null;
  const url = await createTestDatabaseUrl(t, () => handle?.close());
  handle = await openDatabase({ kind: 'postgres', url, poolSize: 5 });
  await migrateToLatest(handle.db);
  return handle;
}

/**
 * A fresh, empty database on the PostgreSQL test server (for a service process started
 * with DATABASE_URL); dropped when the test ends, after `beforeDrop`.
 */
export async function createTestDatabaseUrl(t: Teardown, beforeDrop?: () => unknown): Promise<string> {
  const serverUrl = testPostgresUrl();
  if (!serverUrl) throw new Error('no PostgreSQL test server');
  const name = `efa_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  t.teardown(async () => {
    await beforeDrop?.();
    const dropper = new pg.Client({ connectionString: serverUrl });
    await dropper.connect();
    await dropper.query(`drop database if exists ${name} with (force)`);
    await dropper.end();
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
