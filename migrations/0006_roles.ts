import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// Two more roles beside admin and ministry: the Kaz (ZIT-BB) and the MIK
// Landesredaktion. Tokens record who issued and who revoked them, since ministries now
// manage their own staff's tokens.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table api_token drop constraint api_token_role_check`.execute(db);
  await sql`alter table api_token add constraint api_token_role_check check (role in ('admin', 'ministry', 'kaz', 'landesredaktion'))`.execute(db);
  await db.schema.alterTable('api_token').addColumn('created_by', 'text').execute();
  await db.schema.alterTable('api_token').addColumn('revoked_by', 'text').execute();
  await sql`create index api_token_ministry_idx on api_token (ministry) where ministry is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index api_token_ministry_idx`.execute(db);
  await db.schema.alterTable('api_token').dropColumn('revoked_by').execute();
  await db.schema.alterTable('api_token').dropColumn('created_by').execute();
  await sql`alter table api_token drop constraint api_token_role_check`.execute(db);
  await sql`alter table api_token add constraint api_token_role_check check (role in ('admin', 'ministry'))`.execute(db);
}
