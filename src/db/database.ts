import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { join } from 'node:path';
import type { Database } from './schema.ts';
import { PGliteDialect } from './pglite.dialect.ts';
import { lockDataDir } from './data-dir.lock.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  close(): Promise<void>;
}

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolSize?: number; onIdleConnectionError?: (error: Error) => void }
  | { kind: 'pglite'; dataDir: string | null /* null: in memory */ };

const INT8_OID = 20;
const parseInt8 = (value: string) => Number(value);
/** Calendar dates stay 'YYYY-MM-DD' strings: a Date would shift them with the time zone. */
const DATE_OID = 1082;
const keepDateText = (value: string) => value;

export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize ?? 10 });
    // bigint ids and counts fit in a double here; keep both drivers returning numbers.
    pool.on('connect', (client) => {
      client.setTypeParser(INT8_OID, parseInt8);
      client.setTypeParser(DATE_OID, keepDateText);
    });
    // An idle connection the server closed (restart, failover, DROP DATABASE … FORCE)
    // is dropped from the pool; the next query opens a new one. Unhandled, the
    // 'error' event would end the process.
    pool.on('error', (error) => target.onIdleConnectionError?.(error));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }

  const releaseLock = target.dataDir ? lockDataDir(target.dataDir) : () => {};
  try {
    const pglite = await PGlite.create({
      ...(target.dataDir ? { dataDir: join(target.dataDir, 'pglite') } : {}),
      parsers: { [INT8_OID]: parseInt8, [DATE_OID]: keepDateText },
    });
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    return {
      db,
      kind: 'pglite',
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
