import { sql, type Kysely } from 'kysely';

// Frozen: this migration never imports application code and is never edited once
// released. Change the schema with a new migration.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('directory_import')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('source_name', 'text', (c) => c.notNull())
    .addColumn('counts', 'jsonb', (c) => c.notNull())
    .addColumn('deactivated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('imported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('authority')
    .addColumn('ars', 'char(12)', (c) => c.primaryKey())
    .addColumn('ags', 'char(8)')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('parent_ars', 'char(12)')
    .addColumn('kreis_ars', 'char(12)')
    .addColumn('land', 'char(2)', (c) => c.notNull())
    .addColumn('population', 'integer')
    .addColumn('latitude', 'double precision')
    .addColumn('longitude', 'double precision')
    .addColumn('email', 'text')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('last_import_id', 'bigint', (c) => c.references('directory_import.id'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('authority_parent_idx').on('authority').column('parent_ars').execute();
  await db.schema.createIndex('authority_kreis_idx').on('authority').column('kreis_ars').execute();
  await db.schema.createIndex('authority_kind_idx').on('authority').columns(['land', 'kind']).execute();
  await db.schema.createIndex('authority_ags_idx').on('authority').column('ags').execute();
  await sql`create index authority_name_idx on authority (lower(name) text_pattern_ops)`.execute(db);

  await db.schema
    .createTable('api_token')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'ministry')`))
    .addColumn('ministry', 'text')
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .addCheckConstraint('api_token_ministry_role', sql`(role = 'ministry') = (ministry is not null)`)
    .execute();

  await db.schema
    .createTable('solution')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('ozg_id', 'text', (c) => c.notNull())
    .addColumn('leika_keys', 'jsonb', (c) => c.notNull())
    .addColumn('lead_ministry', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('responsibility', 'jsonb', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('state_value', 'jsonb', (c) => c.notNull())
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('machine_version', 'integer', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('solution_ministry_idx').on('solution').columns(['lead_ministry', 'stage']).execute();

  await db.schema
    .createTable('solution_override')
    .addColumn('solution_id', 'uuid', (c) => c.notNull().references('solution.id').onDelete('cascade'))
    .addColumn('ars', 'char(12)', (c) => c.notNull().references('authority.ars'))
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('add', 'exclude')`))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('solution_override_pk', ['solution_id', 'ars'])
    .execute();

  await db.schema
    .createTable('participant')
    .addColumn('solution_id', 'uuid', (c) => c.notNull().references('solution.id').onDelete('cascade'))
    .addColumn('ars', 'char(12)', (c) => c.notNull().references('authority.ars'))
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('machine_version', 'integer', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('participant_pk', ['solution_id', 'ars'])
    .execute();
  await db.schema.createIndex('participant_stage_idx').on('participant').columns(['solution_id', 'stage']).execute();
  await db.schema.createIndex('participant_ars_idx').on('participant').column('ars').execute();

  await db.schema
    .createTable('history')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('solution_id', 'uuid', (c) => c.notNull().references('solution.id').onDelete('cascade'))
    .addColumn('participant_ars', 'char(12)')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('event', 'jsonb', (c) => c.notNull())
    .addColumn('from_stage', 'text')
    .addColumn('to_stage', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('machine_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('history_solution_idx').on('history').columns(['solution_id', 'id']).execute();

  // Durable effects and timers (transactional outbox). A job is inserted in the same
  // transaction as the state change that causes it and runs after commit.
  await db.schema
    .createTable('job')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('run_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(10))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'running', 'done', 'failed', 'cancelled')`),
    )
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await sql`create index job_due_idx on job (run_at) where status in ('pending', 'running')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['job', 'history', 'participant', 'solution_override', 'solution', 'api_token', 'authority', 'directory_import']) {
    await db.schema.dropTable(table).execute();
  }
}
