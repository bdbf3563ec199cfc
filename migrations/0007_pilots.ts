import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// The pilot phase (step 2): a checklist per pilot, the ministry's own checklist items per
// solution, the log of meetings with a pilot and the involvement of ZIT-BB/DIKOM. Where a
// participant stands (candidate, its source, go-live) stays in the participant machine's
// snapshot; these tables hold what is no state of a machine. A pilot's checklist rows
// exist only for items somebody set: an item without a row is `offen`.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pilot_checklist_custom_item')
    .addColumn('solution_id', 'uuid', (c) => c.notNull().references('solution.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('optional', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pilot_checklist_custom_item_pk', ['solution_id', 'key'])
    .execute();

  await db.schema
    .createTable('pilot_checklist_item')
    .addColumn('solution_id', 'uuid', (c) => c.notNull())
    .addColumn('ars', 'char(12)', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('offen', 'in-arbeit', 'erledigt', 'entfaellt')`))
    .addColumn('reason', 'text')
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('pilot_checklist_item_pk', ['solution_id', 'ars', 'key'])
    .addForeignKeyConstraint('pilot_checklist_item_participant_fk', ['solution_id', 'ars'], 'participant', ['solution_id', 'ars'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('pilot_checklist_item_reason_check', sql`status <> 'entfaellt' or reason is not null`)
    .execute();

  await db.schema
    .createTable('pilot_meeting')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('solution_id', 'uuid', (c) => c.notNull())
    .addColumn('ars', 'char(12)', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('videokonferenz', 'telefonkonferenz', 'vor-ort')`))
    .addColumn('held_on', 'date', (c) => c.notNull())
    .addColumn('participants', 'jsonb', (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull())
    .addColumn('follow_ups', 'jsonb', (c) => c.notNull())
    .addColumn('moderated_by_kaz', 'boolean', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addForeignKeyConstraint('pilot_meeting_participant_fk', ['solution_id', 'ars'], 'participant', ['solution_id', 'ars'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('pilot_meeting_pilot_idx').on('pilot_meeting').columns(['solution_id', 'ars', 'held_on']).execute();

  await db.schema
    .createTable('pilot_it_support')
    .addColumn('solution_id', 'uuid', (c) => c.notNull())
    .addColumn('ars', 'char(12)', (c) => c.notNull())
    .addColumn('zit_bb', 'boolean', (c) => c.notNull())
    .addColumn('dikom', 'boolean', (c) => c.notNull())
    .addColumn('since', 'date')
    .addColumn('contact', 'text')
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('pilot_it_support_pk', ['solution_id', 'ars'])
    .addForeignKeyConstraint('pilot_it_support_participant_fk', ['solution_id', 'ars'], 'participant', ['solution_id', 'ars'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pilot_it_support').execute();
  await db.schema.dropTable('pilot_meeting').execute();
  await db.schema.dropTable('pilot_checklist_item').execute();
  await db.schema.dropTable('pilot_checklist_custom_item').execute();
}
