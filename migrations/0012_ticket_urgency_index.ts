import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// The Kaz queue's order (open tickets first, then the next SLA due time, then priority,
// then number) as an index over the very expressions the queue sorts by, so its first
// page is a walk along the index instead of a sort of every ticket (`npm run bench:tickets`).
// The expressions must stay exactly those of the query in src/tickets/ticket.service.ts.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index ticket_urgency_idx on ticket (
    (case when stage in ('geloest', 'geschlossen') then 1 else 0 end),
    (case when first_responded_at is null then first_response_due else resolution_due end),
    (case priority when 'kritisch' then 0 when 'hoch' then 1 when 'normal' then 2 else 3 end),
    number)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index ticket_urgency_idx`.execute(db);
}
