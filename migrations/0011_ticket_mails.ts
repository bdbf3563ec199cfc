import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// Ticket mails (issue 9): the authority hears of its ticket (opened, a question, an
// answer, the solution), the assignee of an assignment, the Kaz queue and – for blocking
// tickets – the ministry of an SLA breach. They are mail_message rows like a mailing's,
// so one delivery job (status, Message-ID, retries, outbox) serves both; a row belongs to
// exactly one mailing or one ticket. `details` keeps what the mail says as of the moment
// it was caused (the text must not change between delivery attempts); `notice_key` makes
// the notice that caused it (job key) write its row once.
//
// The authority's ticket link (purpose 'ticket') has no mailing either: it is issued when
// its first ticket mail is rendered or its first problem report is made.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table mail_message alter column mailing_id drop not null`.execute(db);
  await db.schema.alterTable('mail_message').addColumn('ticket_id', 'uuid', (c) => c.references('ticket.id').onDelete('cascade')).execute();
  await db.schema.alterTable('mail_message').addColumn('details', 'jsonb').execute();
  await db.schema.alterTable('mail_message').addColumn('notice_key', 'text').execute();
  await sql`alter table mail_message add constraint mail_message_owner check ((mailing_id is null) <> (ticket_id is null))`.execute(db);
  await sql`create unique index mail_message_notice_key on mail_message (notice_key) where notice_key is not null`.execute(db);
  await sql`create index mail_message_ticket_idx on mail_message (ticket_id) where ticket_id is not null`.execute(db);
  await sql`alter table mail_message drop constraint mail_message_recipient_role_check`.execute(db);
  await sql`alter table mail_message add constraint mail_message_recipient_role_check
    check (recipient_role in ('behoerde', 'multiplikator', 'ministerium', 'kaz'))`.execute(db);
  await sql`alter table response_link alter column mailing_id drop not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from response_link where mailing_id is null`.execute(db);
  await sql`alter table response_link alter column mailing_id set not null`.execute(db);
  await sql`delete from mail_message where ticket_id is not null`.execute(db);
  await sql`alter table mail_message drop constraint mail_message_recipient_role_check`.execute(db);
  await sql`alter table mail_message add constraint mail_message_recipient_role_check
    check (recipient_role in ('behoerde', 'multiplikator', 'ministerium'))`.execute(db);
  await sql`alter table mail_message drop constraint mail_message_owner`.execute(db);
  await db.schema.alterTable('mail_message').dropColumn('notice_key').dropColumn('details').dropColumn('ticket_id').execute();
  await sql`alter table mail_message alter column mailing_id set not null`.execute(db);
}
