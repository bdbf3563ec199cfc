import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kysely } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import type { Database } from '../../src/db/schema.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { pgliteOptions, runWasmWithBaselineCompilerOnly } from '../../src/db/database.ts';
import { PGliteDialect } from '../../src/db/pglite.dialect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

/**
 * A fresh in-memory PGlite for a test, loaded from a dump of a migrated cluster instead of
 * running initdb and every migration again: initdb alone costs PGlite 2.5–3.5 s, loading the
 * dump about 0.4 s – and the suite opens several hundred databases. The dump is made once
 * per set of migrations (file names and contents hashed into its name) and shared by the
 * test processes through node_modules/.cache (written to a temporary name, then renamed,
 * so a process reads a whole dump or none). The database is the same as a freshly
 * migrated one: the dump is taken right after the migrations, before any service ran;
 * migrateToLatest runs again on every open (a no-op when current).
 */

const MIGRATIONS = fileURLToPath(new URL('../../migrations/', import.meta.url));
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/efa-rollout/', import.meta.url));

function migrationsKey(): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(MIGRATIONS).sort()) hash.update(name).update('\0').update(readFileSync(`${MIGRATIONS}${name}`)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

let dump: Promise<Blob> | null = null;

async function open(loadDataDir?: Blob): Promise<{ pglite: PGlite; handle: DatabaseHandle }> {
  runWasmWithBaselineCompilerOnly();
  const pglite = await PGlite.create({ ...pgliteOptions(null), ...(loadDataDir ? { loadDataDir } : {}) });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  await migrateToLatest(db);
  return {
    pglite,
    handle: {
      db,
      kind: 'pglite',
      close: async () => {
        await db.destroy();
        await pglite.close();
      },
    },
  };
}

function migratedDump(): Promise<Blob> {
  dump ??= (async () => {
    const file = `${CACHE}test-pglite-migrated-${migrationsKey()}.tar`;
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const { pglite, handle } = await open();
    const made = await pglite.dumpDataDir('none');
    await handle.close();
    mkdirSync(CACHE, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await made.arrayBuffer()));
    renameSync(partial, file);
    return made;
  })();
  return dump;
}

/** A fresh, migrated in-memory PGlite database. */
export async function openMigratedPglite(): Promise<DatabaseHandle> {
  return (await open(await migratedDump())).handle;
}
