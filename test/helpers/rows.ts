import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { toJson, type Database } from '../../src/db/schema.ts';

/** A bare solution row, for tests of parts that only need it as a foreign key. */
export async function insertBareSolution(db: Kysely<Database>): Promise<string> {
  const solutionId = randomUUID();
  await db
    .insertInto('solution')
    .values({
      id: solutionId,
      title: 'Elterngeld digital',
      ozg_id: '10310',
      leika_keys: toJson(['99036005000000']),
      lead_ministry: 'MSGIV',
      description: '',
      responsibility: toJson({ level: 'kreis', land: '12' } as const),
      stage: 'erstinformation',
      state_value: toJson('erstinformation'),
      snapshot: toJson({}),
      machine_version: 1,
      created_by: 'test',
    })
    .execute();
  return solutionId;
}

/** A bare Erstinformation mailing of a solution (the foreign key of messages and links). */
export async function insertBareMailing(db: Kysely<Database>, solutionId: string): Promise<string> {
  const mailingId = randomUUID();
  await db
    .insertInto('mailing')
    .values({
      id: mailingId,
      solution_id: solutionId,
      kind: 'erstinformation',
      filter: toJson({}),
      recipients_total: 1,
      without_address: toJson([]),
      created_by: 'test',
    })
    .execute();
  return mailingId;
}
