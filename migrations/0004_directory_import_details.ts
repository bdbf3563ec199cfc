import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// An import records how it went beyond the counts per kind: the file's encoding (a
// Windows-1252 file is converted), the rows left out because they are no municipal
// administration (per organisationsart), what changed (new, changed, unchanged,
// deactivated, reactivated) and whether the request explicitly allowed deactivating
// more authorities than the guard lets through.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('directory_import')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('directory_import').dropColumn('details').execute();
}
