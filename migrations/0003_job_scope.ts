import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// Jobs learn whom they concern (solution, authority) and get a cancel key, so that
// ending a solution or a participant cancels its timers and reminders by indexed
// equality, and effects that meet a paused solution can wait ('waiting') until it
// resumes. History entries may carry an idempotency key: an effect that runs twice
// finds its first application instead of applying again. Mail messages that became
// pointless before they were sent (a reminder to an authority that is live now) are
// 'verworfen'.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('job')
    .addColumn('solution_id', 'uuid')
    .addColumn('ars', 'char(12)')
    .addColumn('cancel_key', 'text')
    .execute();
  await sql`
    update job set
      solution_id = case when payload->>'solutionId' ~ '^[0-9a-f-]{36}$' then (payload->>'solutionId')::uuid end,
      ars = case when payload->>'ars' ~ '^[0-9]{12}$' then payload->>'ars' end,
      cancel_key = case when kind = 'timer.deliverEvent' then regexp_replace(idempotency_key, ':r[0-9]+$', '') end
  `.execute(db);
  await sql`alter table job drop constraint job_status_check`.execute(db);
  await sql`alter table job add constraint job_status_check
    check (status in ('pending', 'running', 'waiting', 'done', 'failed', 'cancelled'))`.execute(db);
  await sql`create index job_solution_open_idx on job (solution_id, ars) where status in ('pending', 'waiting')`.execute(db);
  await sql`create index job_cancel_key_idx on job (cancel_key) where status in ('pending', 'waiting')`.execute(db);

  await db.schema.alterTable('history').addColumn('idempotency_key', 'text').execute();
  await sql`create unique index history_idempotency_idx on history (idempotency_key) where idempotency_key is not null`.execute(db);

  await sql`alter table mail_message drop constraint mail_message_status_check`.execute(db);
  await sql`alter table mail_message add constraint mail_message_status_check
    check (status in ('ausstehend', 'wird-gesendet', 'angenommen', 'zurueckgestellt', 'fehlgeschlagen', 'unzustellbar', 'verworfen'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table mail_message drop constraint mail_message_status_check`.execute(db);
  await sql`update mail_message set status = 'fehlgeschlagen' where status = 'verworfen'`.execute(db);
  await sql`alter table mail_message add constraint mail_message_status_check
    check (status in ('ausstehend', 'wird-gesendet', 'angenommen', 'zurueckgestellt', 'fehlgeschlagen', 'unzustellbar'))`.execute(db);
  await sql`drop index history_idempotency_idx`.execute(db);
  await db.schema.alterTable('history').dropColumn('idempotency_key').execute();
  await sql`update job set status = 'pending' where status = 'waiting'`.execute(db);
  await sql`alter table job drop constraint job_status_check`.execute(db);
  await sql`alter table job add constraint job_status_check
    check (status in ('pending', 'running', 'done', 'failed', 'cancelled'))`.execute(db);
  await db.schema.alterTable('job').dropColumn('cancel_key').dropColumn('ars').dropColumn('solution_id').execute();
}
