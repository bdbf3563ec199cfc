import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// Several instances on one PostgreSQL (issue 18, point 4): a transaction that makes a job
// due notifies the channel `efa_jobs`, and every instance's worker LISTENs on it and looks
// for due jobs at once instead of at its next poll. NOTIFY is transactional: the
// notification is delivered on commit, never for a rollback, and PostgreSQL folds the
// notifications of one transaction into one. A trigger rather than a call in the code:
// every path that inserts jobs (the engine, mailings, tickets, link renewals …) is covered.
//
// - insert: once per statement, when one of its rows is pending and due within seconds –
//   a timer due in fourteen days notifies nobody (polling finds it when it is due);
// - waiting → pending (FORTSETZEN of a paused solution): per row, which PostgreSQL folds.
// PGlite runs the same triggers; nobody listens there (its worker is poked in process).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function job_notify_inserted() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from inserted_jobs where status = 'pending' and run_at <= statement_timestamp() + interval '5 seconds') then
        perform pg_notify('efa_jobs', '');
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger job_notify_inserted after insert on job
    referencing new table as inserted_jobs
    for each statement execute function job_notify_inserted()`.execute(db);
  await sql`
    create function job_notify_resumed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('efa_jobs', '');
      return null;
    end $$`.execute(db);
  await sql`
    create trigger job_notify_resumed after update of status on job
    for each row when (old.status = 'waiting' and new.status = 'pending')
    execute function job_notify_resumed()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger job_notify_resumed on job`.execute(db);
  await sql`drop function job_notify_resumed()`.execute(db);
  await sql`drop trigger job_notify_inserted on job`.execute(db);
  await sql`drop function job_notify_inserted()`.execute(db);
}
