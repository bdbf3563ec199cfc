import { type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// Sessions of the staff's web interface (issue 16, point 2): a person signs in once with
// a personal API token and carries a session cookie from then on. The rows live in the
// database so that every instance on one PostgreSQL (and PGlite alike) knows every
// session. `id_hash` is the SHA-256 of the session id: a copy of this table does not let
// anyone take over a session. `token_id` names the token the person signed in with –
// revoking it deletes its sessions (cascade covers a deleted token). `data` holds the
// session's own values (the CSRF secret); `expires_at` moves with each request (idle
// timeout), `created_at` bounds the absolute lifetime. Times are written by the
// application's clock, not by `now()`, so tests can move it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('staff_session')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('token_id', 'uuid', (c) => c.references('api_token.id').onDelete('cascade'))
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('staff_session_token').on('staff_session').column('token_id').execute();
  await db.schema.createIndex('staff_session_expiry').on('staff_session').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('staff_session').execute();
}
