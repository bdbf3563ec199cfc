import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// A solution's progress at the end of each quarter (issue 17, point 5): per participant
// its stage (and Kreis), the counts per stage, per Kreis how many authorities are
// responsible and how many live – kept so that the next quarter can say what moved since.
// One row per solution and quarter ('2026-Q4'); taking it again changes nothing.
// `taken_by` is 'system' (the quarterly job) or the person who took a missing one later.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('progress_snapshot')
    .addColumn('solution_id', 'uuid', (c) => c.notNull().references('solution.id').onDelete('cascade'))
    .addColumn('quarter', 'text', (c) => c.notNull().check(sql`quarter ~ '^[0-9]{4}-Q[1-4]$'`))
    .addColumn('taken_at', 'timestamptz', (c) => c.notNull())
    .addColumn('taken_by', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('progress_snapshot_once', ['solution_id', 'quarter'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('progress_snapshot').execute();
}
