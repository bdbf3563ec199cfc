/**
 * The PGlite template data directory: a cluster made by `initdb` and migrated, prepared
 * once by `npm install` (scripts/build-pglite-template.ts, our `postinstall`) and copied
 * into a new DATA_DIR at the first start. `initdb` in WebAssembly takes 5–15 s on these
 * machines and peaks at ~800 MB (it runs a second PGlite instance); copying ~40 MB of
 * files takes a fraction of a second.
 *
 * The copy is used only where it is sure to fit: made by the installed PGlite version,
 * and every migration in it is one of the checkout's, unchanged (after a branch switch
 * the migrator would refuse a database with a migration it does not know, and a
 * migration edited since the install would never run). Otherwise – no template, other PGlite, unknown
 * migration, unreadable files – PGlite runs `initdb` itself, as before. Migrations newer
 * than the template are applied by the migrator at start like on any database.
 *
 * The template holds no secrets: the admin token and the answer-link key are created at
 * the first start of each database, never by a migration.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** node_modules/.cache/efa-rollout/pglite-template: git-ignored, and rebuilt by every `npm install`/`npm ci`. */
export const DEFAULT_TEMPLATE_DIR = fileURLToPath(new URL('../../node_modules/.cache/efa-rollout/pglite-template', import.meta.url));

const MIGRATION_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));
const MANIFEST = 'template.json';
const DATA = 'data';

export interface TemplateManifest {
  /** Version of @electric-sql/pglite that ran initdb. */
  pglite: string;
  /** Migrations applied to the template: name → SHA-256 of the file. */
  migrations: Record<string, string>;
  createdAt: string;
}

/** How a PGlite data directory came to be at this start. */
export type DataDirOrigin = 'existing' | 'template' | 'initdb';

/** The installed PGlite's version (its package.json is not in its exports map: found from its entry point). */
export function installedPgliteVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json of @electric-sql/pglite not found');
    dir = parent;
  }
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The checkout's migrations (named as Kysely's FileMigrationProvider names them) → SHA-256 of the file. */
export function currentMigrations(folder = MIGRATION_FOLDER): Record<string, string> {
  const migrations: Record<string, string> = {};
  for (const file of readdirSync(folder).sort()) {
    if (!/\.(js|ts|mjs|mts)$/.test(file) || file.endsWith('.d.ts')) continue;
    migrations[file.replace(/\.[^.]+$/, '')] = createHash('sha256').update(readFileSync(join(folder, file))).digest('hex');
  }
  return migrations;
}

function readManifest(templateDir: string): TemplateManifest | null {
  try {
    const value = JSON.parse(readFileSync(join(templateDir, MANIFEST), 'utf8')) as Partial<TemplateManifest>;
    if (typeof value.pglite !== 'string' || typeof value.migrations !== 'object' || value.migrations === null) return null;
    return value as TemplateManifest;
  } catch {
    return null;
  }
}

/** null: the template fits this checkout; otherwise why not. */
export function templateMismatch(templateDir: string, current = { pglite: installedPgliteVersion(), migrations: currentMigrations() }): string | null {
  const manifest = readManifest(templateDir);
  if (!manifest || !existsSync(join(templateDir, DATA, 'PG_VERSION'))) return `keine Vorlage in ${templateDir}`;
  if (manifest.pglite !== current.pglite) return `Vorlage von PGlite ${manifest.pglite}, installiert ist ${current.pglite}`;
  const differing = Object.entries(manifest.migrations)
    .filter(([name, hash]) => current.migrations[name] !== hash)
    .map(([name]) => name);
  if (differing.length) return `Vorlage enthält Migrationen, die hier fehlen oder geändert sind: ${differing.join(', ')}`;
  return null;
}

function isEmptyOrMissing(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/**
 * Prepares `pgDataDir` (the PGDATA PGlite opens) before PGlite.create: an existing
 * cluster is left alone; a missing or empty one becomes a copy of the template when it
 * fits, else stays empty for PGlite's own initdb. The copy goes to a sibling first and
 * is renamed into place, so an interrupted copy never looks like a cluster.
 * The caller holds the data directory's lock.
 */
export function seedFromTemplate(pgDataDir: string, templateDir: string | null): { origin: DataDirOrigin; note: string | null } {
  if (existsSync(join(pgDataDir, 'PG_VERSION'))) return { origin: 'existing', note: null };
  if (!templateDir) return { origin: 'initdb', note: 'keine Vorlage vorgesehen' };
  if (!isEmptyOrMissing(pgDataDir)) return { origin: 'initdb', note: `${pgDataDir} ist nicht leer` };
  const mismatch = templateMismatch(templateDir);
  if (mismatch) return { origin: 'initdb', note: mismatch };
  const partial = `${pgDataDir}.partial-${process.pid}`;
  try {
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(dirname(pgDataDir), { recursive: true });
    cpSync(join(templateDir, DATA), partial, { recursive: true });
    rmSync(pgDataDir, { recursive: true, force: true }); // empty or missing
    renameSync(partial, pgDataDir);
    return { origin: 'template', note: null };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    return { origin: 'initdb', note: `Vorlage nicht kopiert: ${(error as Error).message}` };
  }
}

/**
 * Builds the template in `templateDir`: `createCluster(dataDir)` must run initdb there,
 * apply the migrations and close the database; all of the checkout's migrations are then
 * recorded as applied.
 * An up-to-date template (same PGlite, same migrations) is kept. Built beside the
 * target and renamed into place, so a template is either complete or absent.
 */
export async function buildTemplate(
  templateDir: string,
  createCluster: (dataDir: string) => Promise<void>,
): Promise<{ built: boolean; manifest: TemplateManifest }> {
  const current = { pglite: installedPgliteVersion(), migrations: currentMigrations() };
  const existing = readManifest(templateDir);
  const sameMigrations = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
  if (existing && templateMismatch(templateDir, current) === null && sameMigrations(existing.migrations, current.migrations)) {
    return { built: false, manifest: existing };
  }
  const building = `${templateDir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  try {
    await createCluster(join(building, DATA));
    const manifest: TemplateManifest = { pglite: current.pglite, migrations: current.migrations, createdAt: new Date().toISOString() };
    writeFileSync(join(building, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    rmSync(templateDir, { recursive: true, force: true });
    renameSync(building, templateDir);
    return { built: true, manifest };
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
}
