import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// The participant list pages by key in name order ((name, ars) after the last row of the
// page before): an index over the authorities' (name, ars) lets that page be a walk along
// the index, probing each authority in the solution's participants, instead of sorting every
// participant of the solution on every page (`npm run bench:scale`).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index authority_name_ars_idx on authority (name, ars)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index authority_name_ars_idx`.execute(db);
}
