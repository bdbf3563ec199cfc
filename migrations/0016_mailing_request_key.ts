import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// A mailing sent from the staff's web interface carries the key of the form it came
// from (issue 16): the same form sent twice – a double click, a reload of the
// confirmation – finds the mailing of the first and sends nothing again. Unique per
// solution; mailings from the API and the system carry none.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mailing').addColumn('request_key', 'text').execute();
  await sql`create unique index mailing_request_key on mailing (solution_id, request_key) where request_key is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists mailing_request_key`.execute(db);
  await db.schema.alterTable('mailing').dropColumn('request_key').execute();
}
