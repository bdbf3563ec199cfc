import { sql, type Kysely } from 'kysely';

// Frozen: mailings, their per-recipient messages, signed response links, templates.

export async function up(db: Kysely<any>): Promise<void> {
  // Facts the mails quote: ministry contact, costs, dates, status of the federal solution.
  await db.schema
    .alterTable('solution')
    .addColumn('mail_details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();

  // Secrets shared by all instances of one database (e.g. the key that derives link tokens).
  await db.schema
    .createTable('app_secret')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('mail_template')
    .addColumn('solution_id', 'uuid', (c) => c.notNull().references('solution.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('mail_template_pk', ['solution_id', 'kind'])
    .execute();

  await db.schema
    .createTable('mailing')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('solution_id', 'uuid', (c) => c.notNull().references('solution.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('filter', 'jsonb', (c) => c.notNull())
    .addColumn('deadline', 'date')
    .addColumn('reminder_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reminder_interval_days', 'integer', (c) => c.notNull().defaultTo(7))
    .addColumn('recipients_total', 'integer', (c) => c.notNull())
    .addColumn('without_address', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('mailing_solution_idx').on('mailing').columns(['solution_id', 'created_at']).execute();

  await db.schema
    .createTable('mail_message')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('mailing_id', 'uuid', (c) => c.notNull().references('mailing.id').onDelete('cascade'))
    .addColumn('ars', 'char(12)')
    .addColumn('recipient_email', 'text', (c) => c.notNull())
    .addColumn('recipient_role', 'text', (c) => c.notNull().check(sql`recipient_role in ('behoerde', 'multiplikator', 'ministerium')`))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('reminder_no', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('ausstehend')
        .check(sql`status in ('ausstehend', 'wird-gesendet', 'angenommen', 'zurueckgestellt', 'fehlgeschlagen', 'unzustellbar')`),
    )
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_response', 'text')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('mail_message_once', ['mailing_id', 'recipient_email', 'kind', 'reminder_no'])
    .execute();
  await db.schema.createIndex('mail_message_mailing_idx').on('mail_message').columns(['mailing_id', 'status']).execute();
  await db.schema.createIndex('mail_message_ars_idx').on('mail_message').columns(['ars']).execute();

  await db.schema
    .createTable('response_link')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('solution_id', 'uuid', (c) => c.notNull().references('solution.id').onDelete('cascade'))
    .addColumn('ars', 'char(12)', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('mailing_id', 'uuid', (c) => c.notNull().references('mailing.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('answer', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('response_link_once', ['solution_id', 'ars', 'purpose'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['response_link', 'mail_message', 'mailing', 'mail_template', 'app_secret']) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.alterTable('solution').dropColumn('mail_details').execute();
}
