import { FileMigrationProvider, Migrator, type Kysely } from 'kysely';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const migrationFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface MigrationOutcome {
  applied: string[];
}

/** Applies every pending migration from migrations/; throws on the first failure. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationOutcome> {
  const migrator = new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    // The cause keeps the driver's error code (ECONNREFUSED, 28P01 …) for the start's message.
    throw new Error(`Migration ${failed?.migrationName ?? '?'} fehlgeschlagen: ${String((error as Error).message ?? error)}`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
