import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// BUS-BB (issue 8, part 3): the Landesredaktion's confirmation that a solution's
// Leistungsbeschreibung is stored in BUS-BB (one row per LeiKa key), and the
// reconciliations of PVOG/BUS-BB exports with what the authorities reported: one row per
// import (summary, invalid records, changes against the previous one, whether and by
// whom it was applied) and one row per participant with its category.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('bus_bb_leistungsbeschreibung')
    .addColumn('solution_id', 'uuid', (c) => c.notNull().references('solution.id').onDelete('cascade'))
    .addColumn('leika_key', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('confirmed_by', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('bus_bb_leistungsbeschreibung_pkey', ['solution_id', 'leika_key'])
    .execute();

  await db.schema
    .createTable('bus_bb_reconciliation')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    // the order of imports, also when two carry the same timestamp
    .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
    .addColumn('solution_id', 'uuid', (c) => c.notNull().references('solution.id').onDelete('cascade'))
    .addColumn('previous_id', 'uuid', (c) => c.references('bus_bb_reconciliation.id'))
    .addColumn('source_name', 'text', (c) => c.notNull())
    .addColumn('summary', 'jsonb', (c) => c.notNull())
    .addColumn('issues', 'jsonb', (c) => c.notNull())
    .addColumn('changes', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('applied_by', 'text')
    .addColumn('applied_at', 'timestamptz')
    .addColumn('apply_result', 'jsonb')
    .execute();
  await sql`create index bus_bb_reconciliation_solution_idx on bus_bb_reconciliation (solution_id, seq desc)`.execute(db);

  await db.schema
    .createTable('bus_bb_reconciliation_result')
    .addColumn('reconciliation_id', 'uuid', (c) => c.notNull().references('bus_bb_reconciliation.id').onDelete('cascade'))
    .addColumn('ars', 'char(12)', (c) => c.notNull())
    .addColumn('category', 'text', (c) =>
      c.notNull().check(sql`category in ('bestaetigt', 'gemeldet-nicht-gefunden', 'gefunden-nicht-gemeldet', 'fehlt')`),
    )
    .addColumn('previous_category', 'text')
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('bus_bb_reconciliation_result_pkey', ['reconciliation_id', 'ars'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('bus_bb_reconciliation_result').execute();
  await db.schema.dropTable('bus_bb_reconciliation').execute();
  await db.schema.dropTable('bus_bb_leistungsbeschreibung').execute();
}
