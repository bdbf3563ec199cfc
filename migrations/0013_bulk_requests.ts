import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// A bulk action's idempotency key (issue 14, point 7) belongs to one solution, one
// caller (API token) and one request: the key was looked up as `bulk:<key>:<ars>`
// anywhere in the history, so another ministry's request, another solution's or another
// event under a key used before answered "already-applied" and changed nothing. Each
// keyed request is recorded here first – `request_hash` is the SHA-256 of its canonical
// body, so the same key with another body is refused – and its answer once it is done,
// so a repeat gets that answer again. The participants' history rows carry
// `bulk:<id>:<ars>` with this row's id, unique to the scope.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('bulk_request')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('solution_id', 'uuid', (c) => c.notNull().references('solution.id').onDelete('cascade'))
    .addColumn('caller', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('result', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .addUniqueConstraint('bulk_request_key_once', ['solution_id', 'caller', 'idempotency_key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('bulk_request').execute();
}
