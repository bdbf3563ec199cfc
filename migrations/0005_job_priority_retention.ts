import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// Jobs get a priority (lower runs first): a due timer or effect must not wait behind
// thousands of queued mails. Finished jobs are deleted after a retention period, found
// by an index on finished_at; the operators' counts per status and kind read an index.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('job').addColumn('priority', 'smallint', (c) => c.notNull().defaultTo(0)).execute();
  await sql`update job set priority = 10 where kind = 'mail.send'`.execute(db);
  await sql`drop index job_due_idx`.execute(db);
  await sql`create index job_due_idx on job (priority, run_at, id) where status = 'pending'`.execute(db);
  await sql`create index job_lease_idx on job (locked_until) where status = 'running'`.execute(db);
  await sql`create index job_finished_idx on job (finished_at) where status in ('done', 'cancelled')`.execute(db);
  await sql`create index job_status_kind_idx on job (status, kind)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index job_status_kind_idx`.execute(db);
  await sql`drop index job_finished_idx`.execute(db);
  await sql`drop index job_lease_idx`.execute(db);
  await sql`drop index job_due_idx`.execute(db);
  await sql`create index job_due_idx on job (run_at) where status in ('pending', 'running')`.execute(db);
  await db.schema.alterTable('job').dropColumn('priority').execute();
}
