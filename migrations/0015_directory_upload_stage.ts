import { type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// A Kommunalverzeichnis file the admin uploaded on the web page and checked in a dry run
// (issue 16): kept here, not in one instance's memory, so that the confirmation – which
// carries only the row's id – may reach any instance. `token_id` is the admin who
// uploaded it (only they may apply it; revoking the token deletes the row), `sha256`
// names exactly the checked bytes. The application treats a row older than an hour as
// expired and deletes it once applied; times come from the application's clock.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('directory_upload_stage')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('token_id', 'uuid', (c) => c.notNull().references('api_token.id').onDelete('cascade'))
    .addColumn('content', 'bytea', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('source_name', 'text', (c) => c.notNull())
    .addColumn('land', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('directory_upload_stage_created').on('directory_upload_stage').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('directory_upload_stage').execute();
}
