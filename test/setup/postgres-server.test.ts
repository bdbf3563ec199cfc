import t from 'tap';
import { sql } from 'kysely';
import { databaseKinds, openTestDatabase } from '../helpers/databases.ts';
import { toJson } from '../../src/db/schema.ts';

if (!databaseKinds().includes('postgres')) {
  // No TEST_DATABASE_URL and no server started by test/setup/postgres.start.ts
  // (PostgreSQL not installed): the suite runs against PGlite only.
  t.pass('PostgreSQL was not available – tests run against PGlite only');
} else {
  t.test('the PostgreSQL test server is a real server and takes migrated tables', async (t) => {
    const { db } = await openTestDatabase(t, 'postgres');

    const { rows } = await sql<{ version: string; addr: string | null }>`
      select version() as version, inet_server_addr()::text as addr`.execute(db);
    t.match(rows[0]?.version, /^PostgreSQL \d+/, 'select version() names PostgreSQL');
    t.notMatch(rows[0]?.version, /emscripten|wasm/i, 'not PGlite');
    t.ok(rows[0]?.addr, 'connected over TCP');

    const inserted = await db
      .insertInto('directory_import')
      .values({ format: 'csv', source_name: 'sanity.csv', counts: toJson({ created: 2, updated: 1 }) })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    const row = await db
      .selectFrom('directory_import')
      .selectAll()
      .where('id', '=', inserted.id)
      .executeTakeFirstOrThrow();
    t.equal(typeof row.id, 'number', 'bigserial id comes back as a number');
    t.equal(row.source_name, 'sanity.csv');
    t.same(row.counts, { created: 2, updated: 1 }, 'jsonb round trip');
    t.equal(row.deactivated, 0, 'column default');
    t.ok(row.imported_at instanceof Date, 'timestamptz default');
  });
}
