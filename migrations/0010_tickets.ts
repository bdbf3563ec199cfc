import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// Tickets of the Kaz / ZIT-BB (issue 9): one row per integration problem of one
// participant (solution + ARS), its status machine's snapshot like solution and
// participant, the SLA bookkeeping (due times in Brandenburg working time, computed by
// the application; the paused working minutes of wartet-auf-kommune), and comments.
// The ticket's history goes into the one `history` table, with a nullable ticket_id:
// a ticket always belongs to a solution and a participant, so its rows keep both keys
// and the history stays one timeline with one writer (the engine / change.record.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ticket')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('number', 'bigserial', (c) => c.notNull().unique())
    .addColumn('solution_id', 'uuid', (c) => c.notNull())
    .addColumn('ars', 'char(12)', (c) => c.notNull())
    .addColumn('category', 'text', (c) =>
      c.notNull().check(sql`category in ('fachverfahren-anbindung', 'transport', 'epayment', 'bundid', 'bus-bb-pvog', 'datenschutz-avv', 'sonstiges')`),
    )
    .addColumn('priority', 'text', (c) => c.notNull().check(sql`priority in ('kritisch', 'hoch', 'normal', 'niedrig')`))
    .addColumn('assignee', 'text')
    .addColumn('blocking', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('behoerde', 'ministerium', 'kaz', 'automatisch')`))
    .addColumn('auto_reason', 'text')
    .addColumn('opened_by', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('machine_version', 'integer', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_response_due', 'timestamptz', (c) => c.notNull())
    .addColumn('first_response_warn', 'timestamptz', (c) => c.notNull())
    .addColumn('resolution_due', 'timestamptz', (c) => c.notNull())
    .addColumn('resolution_warn', 'timestamptz', (c) => c.notNull())
    .addColumn('first_responded_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('paused_since', 'timestamptz')
    .addColumn('paused_minutes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addForeignKeyConstraint('ticket_participant_fk', ['solution_id', 'ars'], 'participant', ['solution_id', 'ars'], (c) => c.onDelete('cascade'))
    .execute();
  // One automatic ticket per (participant, reason): a repeated readiness answer adds none.
  await sql`create unique index ticket_auto_reason_idx on ticket (solution_id, ars, auto_reason) where auto_reason is not null`.execute(db);
  await sql`create index ticket_queue_idx on ticket (stage, resolution_due)`.execute(db);
  await sql`create index ticket_participant_idx on ticket (solution_id, ars) where blocking`.execute(db);

  await db.schema
    .createTable('ticket_comment')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('ticket_id', 'uuid', (c) => c.notNull().references('ticket.id').onDelete('cascade'))
    .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility in ('oeffentlich', 'intern')`))
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull().check(sql`char_length(text) between 1 and 5000`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index ticket_comment_ticket_idx on ticket_comment (ticket_id, created_at)`.execute(db);

  await db.schema.alterTable('history').addColumn('ticket_id', 'uuid', (c) => c.references('ticket.id').onDelete('cascade')).execute();
  await sql`create index history_ticket_idx on history (ticket_id, id) where ticket_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('history').dropColumn('ticket_id').execute();
  await db.schema.dropTable('ticket_comment').execute();
  await db.schema.dropTable('ticket').execute();
}
