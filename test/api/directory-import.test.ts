import t from 'tap';
import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';

const FIXTURE = readFileSync(new URL('../../fixtures/brandenburg-kommunalverzeichnis.csv', import.meta.url));
const DESTATIS = readFileSync(new URL('../../../shared/data/destatis-gv-auszug.csv', import.meta.url));

const kvdaten = (rows: string[]) =>
  Buffer.from(
    '\uFEFF"regionalschluessel";"bezeichnung";"organisationsart";"utm_ostwert";"utm_nordwert";"email";"telefon"\r\n' + rows.join('\r\n') + '\r\n',
  );

const IMPORTS = '/api/v1/admin/directory/imports';

function uploader(env: TestApp) {
  return (body: Buffer | string, query = '', token = env.adminToken, contentType = 'text/csv') =>
    env.app.inject({ method: 'POST', url: `${IMPORTS}?sourceName=kvdaten.csv${query}`, headers: { ...bearer(token), 'content-type': contentType }, payload: body });
}

async function sizes(env: TestApp) {
  const db = env.handle.db;
  const [authorities, active, imports] = await Promise.all([
    db.selectFrom('authority').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('authority').select((eb) => eb.fn.countAll<number>().as('n')).where('active', '=', true).executeTakeFirstOrThrow(),
    db.selectFrom('directory_import').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { authorities: Number(authorities.n), active: Number(active.n), imports: Number(imports.n) };
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: directory upload through the admin API`, async (t) => {
    const env = await buildTestApp(t, kind, { withDirectory: false });
    const upload = uploader(env);

    const good = kvdaten([
      '"120600000000";"Barnim";"Landkreis";"";"";"poststelle@barnim.example";"03334 2140"',
      '"120605005000";"Amt Britz-Chorin-Oderberg";"Amt";"";"";"amt@britz.example";""',
      '"120605005045";"Britz";"amtsangehörige Gemeinde";"420431,5";"5858433,2";"";""',
      '"120600000000";"Hochschule für nachhaltige Entwicklung Eberswalde";"Hochschule";"";"";"poststelle@hnee.example";""',
    ]);
    const response = await upload(good);
    t.equal(response.statusCode, 201, response.body);
    t.match(response.json(), {
      dryRun: false,
      format: 'kvdaten',
      encoding: 'utf-8',
      total: 3,
      counts: { landkreis: 1, amt: 1, amtsangehoerige_gemeinde: 1 },
      skipped: { total: 1, byOrganisationsart: { Hochschule: 1 } },
      changes: { new: 3, changed: 0, unchanged: 0, deactivated: 0, reactivated: 0 },
      deactivations: [],
      deactivationRefusal: null,
    });
    const britz = (await env.app.inject({ url: '/api/v1/authorities/120605005045', headers: bearer(env.adminToken) })).json();
    t.equal(britz.parentArs, '120605005000', 'Gemeinde → Amt');
    t.same(Object.keys(britz).sort(), [
      'active', 'ags', 'ars', 'children', 'email', 'kind', 'kreisArs', 'land', 'lastImportId', 'latitude', 'longitude', 'name', 'parentArs', 'population', 'updatedAt',
    ], 'a view in camelCase, no database columns');
    const amt = (await env.app.inject({ url: '/api/v1/authorities/120605005000', headers: bearer(env.adminToken) })).json();
    t.match(amt.children, [{ ars: '120605005045', name: 'Britz', parentArs: '120605005000', kreisArs: '120600000000', updatedAt: String }], 'children as views');
    const found = (await env.app.inject({ url: '/api/v1/authorities?q=Britz', headers: bearer(env.adminToken) })).json();
    t.match(found, { total: 2, items: [{ ars: String, parentArs: String }, { ars: String }] });
    t.notOk('parent_ars' in found.items[0], 'search answers views');

    t.equal(response.headers.location, `${IMPORTS}/${response.json().importId}`, '201 with Location');
    const listed = await env.app.inject({ url: response.headers.location as string, headers: bearer(env.adminToken) });
    t.equal(listed.statusCode, 200, listed.body);
    t.match(listed.json(), {
      id: response.json().importId,
      format: 'kvdaten',
      sourceName: 'kvdaten.csv',
      counts: { landkreis: 1, amt: 1, amtsangehoerige_gemeinde: 1 },
      deactivated: 0,
      encoding: 'utf-8',
      skipped: { total: 1, byOrganisationsart: { Hochschule: 1 } },
      changes: { new: 3 },
      deactivationAllowed: false,
      importedAt: String,
    });
    const imports = await env.app.inject({ url: `${IMPORTS}?limit=5`, headers: bearer(env.adminToken) });
    t.same(imports.json().map((entry: { id: number }) => entry.id), [response.json().importId], 'the import list as views');
    t.equal((await env.app.inject({ url: `${IMPORTS}/999999`, headers: bearer(env.adminToken) })).statusCode, 404, 'unknown import: 404');

    const ministry = await env.ministryToken('MIK');
    t.equal((await upload(good, '', ministry)).statusCode, 403, 'only admins import');

    const duplicate = kvdaten(['"120600000000";"Barnim";"Landkreis";"";"";"";""', '"120600000000";"Barnim";"Landkreis";"";"";"";""']);
    const refused = await upload(duplicate);
    t.equal(refused.statusCode, 422);
    t.match(refused.headers['content-type'], /application\/problem\+json/);
    t.match(refused.json().detail, /^Zeile 3, Spalte regionalschluessel: Schlüssel 120600000000 steht schon in Zeile 2/);
    t.same((await sizes(env)).authorities, 3, 'nothing changed');

    const empty = await env.app.inject({ method: 'POST', url: IMPORTS, headers: { ...bearer(env.adminToken), 'content-type': 'text/csv' }, payload: '' });
    t.equal(empty.statusCode, 422);
  });

  t.test(`${kind}: a cut-off file is refused with 409 and what would change; dry run and permission`, async (t) => {
    const env = await buildTestApp(t, kind);
    const upload = uploader(env);
    const before = await sizes(env);
    t.same(before, { authorities: 484, active: 484, imports: 1 });
    const lines = FIXTURE.toString('utf8').split('\r\n');
    const cut = Buffer.from(lines.slice(0, 41).join('\r\n') + '\r\n', 'utf8');

    const refused = await upload(cut);
    t.equal(refused.statusCode, 409, refused.body);
    t.match(refused.headers['content-type'], /application\/problem\+json/);
    const problem = refused.json();
    t.match(problem, {
      status: 409,
      title: 'Konflikt',
      detail: /^Der Import würde 444 Behörden deaktivieren \(Land 12: 444 von 484 aktiven\).*Es wurde nichts geändert\./,
      import: { dryRun: false, importId: null, total: 40, changes: { new: 0, deactivated: 444 }, deactivated: 444 },
    });
    t.equal(problem.import.deactivations.length, 25);
    t.match(problem.import.deactivations[0], { ars: /^12\d{10}$/, name: String, kind: String });
    t.same(await sizes(env), before, 'refused: nothing written');

    const dryRun = await upload(cut, '&probelauf=true');
    t.equal(dryRun.statusCode, 200, dryRun.body);
    t.match(dryRun.json(), { dryRun: true, importId: null, deactivated: 444, deactivationRefusal: /^Der Import würde 444 Behörden deaktivieren/ });
    t.same(await sizes(env), before, 'dry run: nothing written');

    const harmless = await upload(FIXTURE, '&probelauf=true');
    t.match(harmless.json(), { dryRun: true, changes: { unchanged: 484, deactivated: 0 }, deactivationRefusal: null });

    const applied = await upload(cut, '&erlaubeDeaktivierung=true');
    t.equal(applied.statusCode, 201, applied.body);
    t.match(applied.json(), { dryRun: false, importId: Number, deactivated: 444 });
    t.same(await sizes(env), { authorities: 484, active: 40, imports: 2 });

    const invalid = await upload(cut, '&erlaubeDeaktivierung=vielleicht');
    t.equal(invalid.statusCode, 422);
    t.match(invalid.json().errors, [{ field: '/querystring/erlaubeDeaktivierung' }]);
  });

  // Issue 14, point 10: a re-import drops no row silently – a dropped row deactivates its authority.
  t.test(`${kind}: a re-import with a mistyped kind, a malformed key or a repeated header is refused and changes nothing`, async (t) => {
    const env = await buildTestApp(t, kind);
    const upload = uploader(env);
    const before = await sizes(env);
    const text = FIXTURE.toString('utf8');
    const lines = text.split('\r\n');
    const barnimLine = lines.findIndex((line) => line.startsWith('"120600000000";')) + 1;
    t.ok(barnimLine > 1);
    const barnimActive = async () =>
      (await env.handle.db.selectFrom('authority').select('active').where('ars', '=', '120600000000').executeTakeFirstOrThrow()).active;
    const expectRefusal = async (content: string, expected: { line: number; column?: string; detail: RegExp }) => {
      const response = await upload(Buffer.from(content, 'utf8'));
      t.equal(response.statusCode, 422, response.body);
      t.match(response.headers['content-type'], /application\/problem\+json/);
      t.match(response.json().detail, expected.detail);
      t.match(response.json().errors[0], { line: expected.line, ...(expected.column ? { column: expected.column } : {}) });
      t.same(await sizes(env), before, 'nothing written, nothing deactivated');
      t.equal(await barnimActive(), true, 'Barnim stays active');
    };

    await expectRefusal(text.replace('"Barnim";"Landkreis"', '"Barnim";"Landkries"'), {
      line: barnimLine,
      column: 'organisationsart',
      detail: new RegExp(`^Zeile ${barnimLine}, Spalte organisationsart: unbekannte Organisationsart „Landkries“`),
    });
    // With the safeguard overridden as well: the file is wrong, not the number of deactivations.
    const overridden = await upload(Buffer.from(text.replace('"Barnim";"Landkreis"', '"Barnim";"Landkries"'), 'utf8'), '&erlaubeDeaktivierung=true');
    t.equal(overridden.statusCode, 422);
    t.equal(await barnimActive(), true);

    await expectRefusal(text.replace('"120600000000";"Barnim"', '"12060000000O";"Barnim"'), {
      line: barnimLine,
      column: 'regionalschluessel',
      detail: new RegExp(`^Zeile ${barnimLine}, Spalte regionalschluessel: „12060000000O“ ist kein 12-stelliger Regionalschlüssel`),
    });
    const repeated = [...lines.slice(0, 10), lines[0]!.replace('\uFEFF', ''), ...lines.slice(10)].join('\r\n');
    await expectRefusal(repeated, { line: 11, detail: /^Zeile 11: Die Kopfzeile \(Zeile 1\) steht hier noch einmal/ });

    // The known non-municipal kinds are still left out and counted.
    const withBodies = [
      ...lines.slice(0, -1),
      '"120600000000";"Hochschule für nachhaltige Entwicklung Eberswalde";"Hochschule";"";"";"";"poststelle@hnee.example"',
      '"120540000000";"Landesamt für Umwelt";"Landesoberbehörde";"";"";"";""',
      '"120540000000";"Brandenburgisches Oberlandesgericht";"Gericht";"";"";"";""',
      '',
    ].join('\r\n');
    const accepted = await upload(Buffer.from(withBodies, 'utf8'));
    t.equal(accepted.statusCode, 201, accepted.body);
    t.match(accepted.json(), {
      skipped: { total: 3, byOrganisationsart: { Hochschule: 1, Landesoberbehörde: 1, Gericht: 1 } },
      changes: { new: 0, deactivated: 0 },
    });
    t.equal(await barnimActive(), true);
  });

  t.test(`${kind}: encodings, NUL bytes and cut-off lines in an upload`, async (t) => {
    const env = await buildTestApp(t, kind);
    const upload = uploader(env);
    const before = await sizes(env);
    const text = FIXTURE.toString('utf8');

    const withNul = await upload(Buffer.from(text.replace('"Rüdnitz"', '"Rüd\0nitz"'), 'utf8'));
    t.equal(withNul.statusCode, 422, withNul.body);
    t.match(withNul.headers['content-type'], /application\/problem\+json/);
    t.match(withNul.json(), {
      detail: /^Zeile 19, Spalte bezeichnung, Zeichen 20: NUL-Zeichen \(Byte 0x00\) ist in einer Verzeichnisdatei nicht erlaubt/,
      errors: [{ field: 'line 19 / bezeichnung', line: 19, column: 'bezeichnung', position: 20 }],
    });

    const cutInLine = await upload(Buffer.from(text.slice(0, text.indexOf('"Rüdnitz"') + 9), 'utf8'));
    t.equal(cutInLine.statusCode, 422);
    t.match(cutInLine.json().detail, /^Zeile 19: Zeile hat 2 statt 7 Felder – die Datei endet mitten in der Zeile; ist sie abgeschnitten\?/);

    const utf16 = await upload(Buffer.from(text.slice(1), 'utf16le'), '', env.adminToken, 'application/octet-stream');
    t.equal(utf16.statusCode, 422);
    t.match(utf16.json().detail, /vermutlich UTF-16 ohne BOM/);
    t.same(await sizes(env), before, 'nothing written by a refused file');

    const excel = await upload(iconv.encode(text.slice(1), 'windows-1252'), '', env.adminToken, 'application/octet-stream');
    t.equal(excel.statusCode, 201, excel.body);
    t.match(excel.json(), { encoding: 'windows-1252', total: 484 });
    const rüdnitz = (await env.app.inject({ url: '/api/v1/authorities/120605003192', headers: bearer(env.adminToken) })).json();
    t.equal(rüdnitz.name, 'Rüdnitz');

    // 1.8 MB: above the JSON routes' body limit and read in the worker thread.
    const destatis = await upload(DESTATIS, '&land=12');
    t.equal(destatis.statusCode, 201, destatis.body);
    t.match(destatis.json(), { format: 'destatis', encoding: 'utf-8', total: 484, changes: { new: 0, deactivated: 0 } });
  });
}

t.test('the OpenAPI document describes the upload: body, answers, operationId', async (t) => {
  const env = await buildTestApp(t, 'pglite', { withDirectory: false });
  const document = (await env.app.inject({ url: '/openapi.json' })).json();
  const operation = document.paths['/api/v1/admin/directory/imports'].post;
  t.equal(operation.operationId, 'importDirectory');
  t.same(Object.keys(operation.requestBody.content).sort(), ['application/octet-stream', 'text/csv']);
  t.equal(operation.requestBody.content['text/csv'].schema.contentMediaType, 'text/csv');
  t.same(operation.parameters.map((parameter: { name: string }) => parameter.name).sort(), ['erlaubeDeaktivierung', 'land', 'probelauf', 'sourceName']);
  for (const status of ['200', '201']) {
    t.match(operation.responses[status].content['application/json'].schema.properties, {
      changes: { properties: { new: {}, changed: {}, unchanged: {}, deactivated: {}, reactivated: {} } },
      skipped: { properties: { byOrganisationsart: {} } },
      encoding: {},
      deactivations: { type: 'array' },
    });
  }
  for (const status of ['409', '422']) {
    t.equal(operation.responses[status].content['application/problem+json'].schema.$ref, '#/components/schemas/Problem', `${status}: the shared Problem`);
  }
  t.match(operation.responses['409'].description, /`import`/, '409 says where to find what would change');
  t.match(operation.responses['422'].description, /line.*column.*position/, '422 names the members of errors[]');
  t.ok(operation.responses['201'].headers.location, '201 with Location');
  const list = document.paths['/api/v1/admin/directory/imports'].get;
  t.equal(list.operationId, 'listDirectoryImports');
  t.match(list.responses['200'].content['application/json'].schema, { type: 'array', items: { properties: { sourceName: {}, importedAt: {}, deactivationAllowed: {} } } });
});
