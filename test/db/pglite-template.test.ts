import t from 'tap';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { buildPgliteTemplate, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { currentMigrations, installedPgliteVersion, seedFromTemplate, templateMismatch } from '../../src/db/pglite.template.ts';

// One template for the whole file: building it runs initdb (seconds in WebAssembly).
const root = mkdtempSync(join(tmpdir(), 'efa-template-test-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
const templateDir = join(root, 'template');

/** A copy of the template with its manifest changed by `edit`. */
function templateVariant(name: string, edit: (manifest: Record<string, any>) => void): string {
  const dir = join(root, name);
  cpSync(templateDir, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'template.json'), 'utf8'));
  edit(manifest);
  writeFileSync(join(dir, 'template.json'), JSON.stringify(manifest));
  return dir;
}

async function migrationsOf(dataDir: string, template: string | null) {
  const handle = await openDatabase({ kind: 'pglite', dataDir, templateDir: template });
  try {
    const { applied } = await migrateToLatest(handle.db);
    return { origin: handle.pgliteDataDir, applied };
  } finally {
    await handle.close();
  }
}

t.test('npm install builds a migrated template once; a later run keeps it', async (t) => {
  const first = await buildPgliteTemplate(templateDir);
  t.equal(first.built, true);
  t.equal(first.manifest.pglite, installedPgliteVersion());
  t.same(first.manifest.migrations, currentMigrations(), 'every migration recorded with its hash');
  t.ok(existsSync(join(templateDir, 'data', 'PG_VERSION')));
  t.equal(templateMismatch(templateDir), null);
  const again = await buildPgliteTemplate(templateDir);
  t.equal(again.built, false, 'up to date: not rebuilt');
  t.notOk(readdirSync(root).some((entry) => entry.includes('.building-')), 'no half-built template left');
});

t.test('a new data dir is a copy of the template: migrated, own data, found again on the next start', async (t) => {
  const dataDir = join(root, 'from-template');
  const handle = await openDatabase({ kind: 'pglite', dataDir, templateDir });
  try {
    t.same(handle.pgliteDataDir, { origin: 'template', note: null });
    const { applied } = await migrateToLatest(handle.db);
    t.same(applied, [], 'the template was migrated already');
    // No secrets come with the copy: the first start creates them in its own database.
    const secrets = await sql<{ keys: number; tokens: number }>`
      select (select count(*)::int from app_secret) as keys, (select count(*)::int from api_token) as tokens`.execute(handle.db);
    t.same(secrets.rows[0], { keys: 0, tokens: 0 }, 'no link key and no token in the template');
    await sql`create table footprint_probe (id int primary key)`.execute(handle.db);
    await sql`insert into footprint_probe values (1)`.execute(handle.db);
  } finally {
    await handle.close();
  }
  t.notOk(readdirSync(dataDir).some((entry) => entry.includes('.partial-')), 'no partial copy left');

  const reopened = await openDatabase({ kind: 'pglite', dataDir, templateDir });
  try {
    t.same(reopened.pgliteDataDir, { origin: 'existing', note: null });
    const rows = await sql<{ id: number }>`select id from footprint_probe`.execute(reopened.db);
    t.same(rows.rows, [{ id: 1 }], 'the data of the first start is there, not a fresh copy');
  } finally {
    await reopened.close();
  }
});

t.test('a template of another PGlite version is not used: initdb, then every migration at start', async (t) => {
  const other = templateVariant('other-version', (manifest) => (manifest.pglite = '0.0.1'));
  t.match(templateMismatch(other), /PGlite 0\.0\.1/);
  const { origin, applied } = await migrationsOf(join(root, 'other-version-data'), other);
  t.equal(origin?.origin, 'initdb');
  t.match(origin?.note, /0\.0\.1/);
  t.same(applied, Object.keys(currentMigrations()), 'a database made by initdb, migrated at start');
});

t.test('no copy where it might not fit or is not wanted', async (t) => {
  const cases: Array<[string, string | null, RegExp]> = [
    ['missing template', join(root, 'nowhere'), /keine Vorlage/],
    ['no template wanted', null, /keine Vorlage vorgesehen/],
    ['migration unknown to the checkout', templateVariant('unknown-migration', (m) => (m.migrations['9999_from_another_branch'] = 'x')), /9999_from_another_branch/],
    ['migration edited since the install', templateVariant('edited-migration', (m) => (m.migrations['0001_initial'] = 'not-the-hash')), /0001_initial/],
  ];
  for (const [what, template, reason] of cases) {
    const pgDataDir = join(root, `seed-${what.replaceAll(' ', '-')}`, 'pglite');
    const seeded = seedFromTemplate(pgDataDir, template);
    t.equal(seeded.origin, 'initdb', what);
    t.match(seeded.note, reason, what);
    t.notOk(existsSync(join(pgDataDir, 'PG_VERSION')), `${what}: left for PGlite's own initdb`);
  }

  const occupied = join(root, 'occupied', 'pglite');
  mkdirSync(occupied, { recursive: true });
  writeFileSync(join(occupied, 'something'), 'x');
  const seeded = seedFromTemplate(occupied, templateDir);
  t.equal(seeded.origin, 'initdb', 'a non-empty directory is never overwritten');
  t.same(readdirSync(occupied), ['something']);
});
