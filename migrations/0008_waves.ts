import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// Rollout waves planned ahead (issue 8, step 3): a wave of one solution with its
// members; a participant is planned into at most one open wave at a time (a partial
// unique index, so that two concurrent requests cannot both plan it). A started wave
// keeps its members as a record, no longer open.
//
// Renewable answer links: a link carries a generation that goes into its token; a
// renewal marks the current row superseded (its hash stays, so that the old link can
// say "no longer valid" instead of "unknown") and inserts the next generation. Only
// the current row of (solution, authority, purpose) is unique.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('wave')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('solution_id', 'uuid', (c) => c.notNull().references('solution.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('target_date', 'date')
    .addColumn('frist_tage', 'integer', (c) => c.check(sql`frist_tage between 1 and 365`))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('planned').check(sql`state in ('planned', 'started')`))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_by', 'text')
    .addColumn('started_at', 'timestamptz')
    .addUniqueConstraint('wave_name_once', ['solution_id', 'name'])
    .execute();

  await db.schema
    .createTable('wave_member')
    .addColumn('wave_id', 'uuid', (c) => c.notNull().references('wave.id').onDelete('cascade'))
    .addColumn('solution_id', 'uuid', (c) => c.notNull())
    .addColumn('ars', 'char(12)', (c) => c.notNull())
    .addColumn('open', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('wave_member_pk', ['wave_id', 'ars'])
    .addForeignKeyConstraint('wave_member_participant_fk', ['solution_id', 'ars'], 'participant', ['solution_id', 'ars'], (fk) => fk.onDelete('cascade'))
    .execute();
  await sql`create unique index wave_member_one_open on wave_member (solution_id, ars) where open`.execute(db);
  await sql`create index wave_member_solution_idx on wave_member (solution_id, wave_id)`.execute(db);

  await db.schema.alterTable('response_link').addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('response_link').addColumn('superseded_at', 'timestamptz').execute();
  await sql`alter table response_link drop constraint response_link_once`.execute(db);
  await sql`create unique index response_link_current on response_link (solution_id, ars, purpose) where superseded_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from response_link where superseded_at is not null`.execute(db);
  await sql`drop index response_link_current`.execute(db);
  await sql`alter table response_link add constraint response_link_once unique (solution_id, ars, purpose)`.execute(db);
  await db.schema.alterTable('response_link').dropColumn('superseded_at').execute();
  await db.schema.alterTable('response_link').dropColumn('generation').execute();
  await db.schema.dropTable('wave_member').execute();
  await db.schema.dropTable('wave').execute();
}
