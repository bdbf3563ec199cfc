/**
 * `postinstall`: builds the PGlite template data directory that the first `npm start`
 * copies instead of running initdb (see src/db/pglite.template.ts). Kept as it is when
 * it already fits the installed PGlite and the migrations.
 *
 * It never fails the installation: without a template the first start runs initdb, as
 * it always did, only slower. `node scripts/build-pglite-template.ts [dir]` rebuilds it
 * by hand (default dir: node_modules/.cache/efa-rollout/pglite-template).
 */
import { performance } from 'node:perf_hooks';
import { buildPgliteTemplate } from '../src/db/database.ts';
import { DEFAULT_TEMPLATE_DIR } from '../src/db/pglite.template.ts';

const templateDir = process.argv[2] ?? DEFAULT_TEMPLATE_DIR;
const started = performance.now();
try {
  const { built, manifest } = await buildPgliteTemplate(templateDir);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    built
      ? `efa-rollout: PGlite-Vorlage mit ${Object.keys(manifest.migrations).length} Migrationen angelegt (${seconds} s): ${templateDir}\n`
      : `efa-rollout: PGlite-Vorlage ist aktuell: ${templateDir}\n`,
  );
} catch (error) {
  process.stderr.write(
    `efa-rollout: PGlite-Vorlage nicht angelegt (${(error as Error).message}); ` +
      'der erste Start legt die Datenbank dann selbst an (initdb, langsamer).\n',
  );
}
