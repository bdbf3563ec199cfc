/**
 * publiccode.yml and LICENSE say what package.json says: the same licence, the same
 * version, and the fields the publiccode.yml standard (version 0.4) requires, within its
 * limits (shortDescription ≤ 150 characters, longDescription 150–10,000).
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, root), 'utf8');

interface PublicCode {
  publiccodeYmlVersion: string;
  name: string;
  url: string;
  softwareVersion: string;
  releaseDate: string;
  platforms: string[];
  categories: string[];
  developmentStatus: string;
  softwareType: string;
  description: Record<string, { shortDescription: string; longDescription: string; features: string[] }>;
  legal: { license: string };
  maintenance: { type: string; contacts?: { name: string }[] };
  localisation: { localisationReady: boolean; availableLanguages: string[] };
}

const pkg = JSON.parse(read('package.json')) as { name: string; version: string; license: string };
const code = parse(read('publiccode.yml')) as PublicCode;

t.test('publiccode.yml has the required fields of version 0.4', async (t) => {
  t.equal(code.publiccodeYmlVersion, '0.4');
  t.equal(code.name, pkg.name);
  t.match(code.url, /^https:\/\//, 'url is an https address');
  t.equal(code.softwareVersion, pkg.version, 'softwareVersion is package.json\'s version');
  t.match(code.releaseDate, /^\d{4}-\d{2}-\d{2}$/);
  t.ok(code.platforms.length > 0, 'platforms');
  t.ok(code.categories.length > 0, 'categories');
  t.ok(['concept', 'development', 'beta', 'stable', 'obsolete'].includes(code.developmentStatus), 'developmentStatus');
  t.ok(
    ['standalone/mobile', 'standalone/iot', 'standalone/desktop', 'standalone/web', 'standalone/backend', 'standalone/other', 'addon', 'library', 'configurationFiles'].includes(code.softwareType),
    'softwareType',
  );
  t.ok(['internal', 'contract', 'community', 'none'].includes(code.maintenance.type), 'maintenance.type');
  if (code.maintenance.type === 'internal') t.ok(code.maintenance.contacts?.length, 'internal maintenance names a contact');
  t.equal(typeof code.localisation.localisationReady, 'boolean');
  t.same(code.localisation.availableLanguages, ['de']);
});

t.test('the German description keeps the standard\'s limits', async (t) => {
  const de = code.description.de!;
  t.ok(de, 'a German description');
  t.ok(de.shortDescription.length <= 150, `shortDescription has ${de.shortDescription.length} ≤ 150 characters`);
  t.ok(de.longDescription.length >= 150 && de.longDescription.length <= 10_000, `longDescription has ${de.longDescription.length} characters`);
  t.ok(de.features.length > 0, 'features');
});

t.test('the licence is EUPL-1.2 everywhere', async (t) => {
  t.equal(pkg.license, 'EUPL-1.2', 'package.json');
  t.equal(code.legal.license, 'EUPL-1.2', 'publiccode.yml');
  t.match(read('LICENSE').split('\n')[0]!, /^EUROPEAN UNION PUBLIC LICENCE v\. 1\.2$/, 'LICENSE holds the licence text');
});
