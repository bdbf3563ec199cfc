import t from 'tap';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createApiToken } from '../../src/auth/api-token.service.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, composeTestService, type TestApp } from '../helpers/app.ts';
import { openTestDatabase } from '../helpers/databases.ts';
import { staffClient } from '../helpers/staff-client.ts';
import { postMultipart } from '../helpers/multipart-form.ts';
import { OWN_ORIGIN } from '../helpers/forms.ts';
import { SESSION_COOKIE } from '../../src/web/staff.routes.ts';

/**
 * The admin's Kommunalverzeichnis upload through inject, signed in for real, the file
 * posted as multipart/form-data built by hand: the dry run shows what would change and
 * writes nothing to the directory (its tables hash the same), the confirmation applies
 * exactly the checked file, kept on the server, once; a stage of another person, an
 * expired or an applied one is a clear 404/410; the deactivation limit asks for the
 * explicit permission; unusable files are 4xx naming the file field; only the admin.
 */

const FIXTURE = await readFile(new URL('../../fixtures/brandenburg-kommunalverzeichnis.csv', import.meta.url));
const PATH = '/verwaltung/verzeichnis';
const BREYDIN = '120605003034';
const BIESENTHAL = '120605003024';

/** The fixture with Biesenthal renamed (hostile) and the given authorities left out. */
function changedFile(leftOut: (line: string, index: number) => boolean) {
  const lines = FIXTURE.toString('utf8').split('\r\n');
  return Buffer.from(
    lines
      .filter((line, index) => index === 0 || !leftOut(line, index))
      .map((line) => (line.startsWith(`"${BIESENTHAL}"`) ? line.replace('"Biesenthal, Stadt"', '"Biesenthal <b>Stadt</b>"') : line))
      .join('\r\n'),
  );
}

async function directoryHash(env: Pick<TestApp, 'handle'>) {
  const db = env.handle.db;
  const authorities = await db.selectFrom('authority').selectAll().orderBy('ars').execute();
  const imports = await db.selectFrom('directory_import').selectAll().orderBy('id').execute();
  return createHash('sha256').update(JSON.stringify([authorities, imports])).digest('hex');
}
const stages = async (env: Pick<TestApp, 'handle'>) =>
  Number((await env.handle.db.selectFrom('directory_upload_stage').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
const stageIdOf = (body: string) => /name="pruefung" value="([^"]+)"/.exec(body)?.[1] ?? '';

for (const kind of databaseKinds()) {
  t.test(`the Kommunalverzeichnis upload (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const admin = staffClient(env);
    await admin.signedIn(env.adminToken);
    const file = (content: Buffer, filename = 'kvdaten.csv') => ({ name: 'datei', filename, content, type: 'text/csv' });

    t.test('the page: navigation entry, the import list, the upload form', async (t) => {
      const page = await admin.get(PATH);
      t.equal(page.statusCode, 200);
      t.match(page.body, /href="\/verwaltung\/verzeichnis" aria-current="page">Kommunalverzeichnis</);
      t.match(page.body, /<caption>Bisherige Importe, neueste zuerst<\/caption>/);
      t.match(page.body, /<td>fixture \(kvdaten, utf-8\)/);
      t.match(page.body, /enctype="multipart\/form-data"/);
    });

    t.test('a dry run shows the changes and writes nothing; applying writes exactly that file, once', async (t) => {
      const before = await directoryHash(env);
      const csrf = await admin.csrf(PATH);
      const content = changedFile((line) => line.startsWith(`"${BREYDIN}"`));
      const dry = await postMultipart(env, admin, `${PATH}/probelauf`, { _csrf: csrf, land: '12' }, file(content, 'neu <kvdaten>.csv'));
      t.equal(dry.statusCode, 200, dry.body.slice(-2000));
      t.match(dry.body, /Noch ist nichts geändert/);
      t.match(dry.body, /<th scope="row">geändert<\/th><td>3<\/td>/, 'Biesenthal, and the inhabitants of its Amt and Kreis');
      t.match(dry.body, /<th scope="row">deaktiviert<\/th><td>1<\/td>/);
      t.match(dry.body, /<th scope="row">unverändert<\/th><td>480<\/td>/);
      t.match(dry.body, new RegExp(`Breydin \\(${BREYDIN}, amtsangehoerige_gemeinde\\)`));
      t.match(dry.body, /neu &#60;kvdaten&#62;\.csv/, 'the file name escaped');
      t.notMatch(dry.body, /name="erlaubeDeaktivierung"/, 'one deactivation needs no permission');
      t.equal(await directoryHash(env), before, 'the directory is unchanged by the dry run');
      t.equal(await stages(env), 1, 'the checked file is kept on the server');
      const stageId = stageIdOf(dry.body);
      t.match(stageId, /^[0-9a-f-]{36}$/, 'the form carries only the id');

      const other = staffClient(env);
      await other.signedIn(await createApiToken(env.handle.db, { role: 'admin', ministry: null, label: 'zweite Admin' }).then((c) => c.token));
      const foreign = await other.post(`${PATH}/uebernehmen`, { _csrf: await other.csrf(PATH), pruefung: stageId });
      t.equal(foreign.statusCode, 404, 'another admin cannot apply it');
      t.match(foreign.body, /gibt es nicht \(mehr\)/);
      t.equal(await stages(env), 1);

      const applied = await admin.post(`${PATH}/uebernehmen`, { _csrf: csrf, pruefung: stageId });
      t.equal(applied.statusCode, 303, applied.body.slice(-1500));
      t.match(String(applied.headers.location), /^\/verwaltung\/verzeichnis\?importiert=\d+$/);
      const list = await admin.get(String(applied.headers.location));
      t.match(list.body, /Die Datei ist übernommen: Import Nr\. \d+/);
      t.match(list.body, /neu &#60;kvdaten&#62;\.csv/);
      t.not(await directoryHash(env), before, 'applying wrote');
      const breydin = (await env.app.inject({ url: `/api/v1/authorities/${BREYDIN}`, headers: bearer(env.adminToken) })).json();
      t.equal(breydin.active, false, 'deactivated');
      const biesenthal = (await env.app.inject({ url: `/api/v1/authorities/${BIESENTHAL}`, headers: bearer(env.adminToken) })).json();
      t.equal(biesenthal.name, 'Biesenthal <b>Stadt</b>');
      t.equal(await stages(env), 0, 'deleted after applying');
      const again = await admin.post(`${PATH}/uebernehmen`, { _csrf: csrf, pruefung: stageId });
      t.equal(again.statusCode, 404, 'applied once');
      t.equal((await admin.post(`${PATH}/uebernehmen`, { _csrf: csrf, pruefung: 'kein-uuid' })).statusCode, 404);
    });

    t.test('the deactivation limit: 409 with the checkbox, then applied with permission', async (t) => {
      const csrf = await admin.csrf(PATH);
      const content = changedFile((line) => line.includes('"amtsangehörige Gemeinde"') && !line.startsWith(`"${BIESENTHAL}"`));
      const dry = await postMultipart(env, admin, `${PATH}/probelauf`, { _csrf: csrf }, file(content));
      t.equal(dry.statusCode, 200);
      t.match(dry.body, /name="erlaubeDeaktivierung"/, 'the permission asked for');
      t.match(dry.body, /und \d+ weitere/, 'a long list is capped');
      const before = await directoryHash(env);
      const refused = await admin.post(`${PATH}/uebernehmen`, { _csrf: csrf, pruefung: stageIdOf(dry.body) });
      t.equal(refused.statusCode, 409);
      t.match(refused.body, /Nichts wurde geändert/);
      t.match(refused.body, /id="f-erlaubeDeaktivierung"/);
      t.equal(await directoryHash(env), before, 'nothing written');
      const allowed = await admin.post(`${PATH}/uebernehmen`, { _csrf: csrf, pruefung: stageIdOf(refused.body), erlaubeDeaktivierung: 'ja' });
      t.equal(allowed.statusCode, 303, 'the same checked file, now with permission');
      t.not(await directoryHash(env), before);
    });

    t.test('an expired stage: 410', async (t) => {
      const csrf = await admin.csrf(PATH);
      const dry = await postMultipart(env, admin, `${PATH}/probelauf`, { _csrf: csrf }, file(FIXTURE));
      t.equal(dry.statusCode, 200);
      const started = env.clock.now;
      env.clock.now = new Date(started.getTime() + 61 * 60_000);
      // the session has timed out by then as well: signed in anew
      await admin.signedIn(env.adminToken);
      const expired = await admin.post(`${PATH}/uebernehmen`, { _csrf: await admin.csrf(PATH), pruefung: stageIdOf(dry.body) });
      t.equal(expired.statusCode, 410);
      t.match(expired.body, /abgelaufen/);
      env.clock.now = started;
    });

    t.test('unusable files: 4xx naming the file field, nothing written', async (t) => {
      const csrf = await admin.csrf(PATH);
      const before = await directoryHash(env);
      const stagesBefore = await stages(env);
      const cut = FIXTURE.toString('utf8');
      const cases: [string, Buffer, string][] = [
        ['leer.csv', Buffer.alloc(0), 'ist leer'],
        ['nul.csv', Buffer.concat([FIXTURE.subarray(0, 300), Buffer.alloc(40), FIXTURE.subarray(300)]), 'nul.csv'],
        ['abgeschnitten.csv', Buffer.from(cut.slice(0, cut.indexOf('"Potsdam') + 4)), 'abgeschnitten.csv'],
        ['kaputt.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), FIXTURE.subarray(3, 400), Buffer.from([0xc3, 0x28]), FIXTURE.subarray(400)]), 'kaputt.csv'],
        ['mappe.xlsx', Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), 'Excel'],
      ];
      for (const [filename, content, named] of cases) {
        const response = await postMultipart(env, admin, `${PATH}/probelauf`, { _csrf: csrf }, file(content, filename));
        t.equal(response.statusCode, 422, filename);
        t.match(response.body, /href="#f-datei"/, `${filename}: the summary names the file field`);
        t.match(response.body, /id="f-datei"[^>]*aria-invalid="true"/);
        t.match(response.body, named);
      }
      const noFile = await postMultipart(env, admin, `${PATH}/probelauf`, { _csrf: csrf });
      t.equal(noFile.statusCode, 422, 'no file chosen');
      const land = await postMultipart(env, admin, `${PATH}/probelauf`, { _csrf: csrf, land: 'x\u0000' }, file(FIXTURE));
      t.equal(land.statusCode, 422);
      t.match(land.body, /href="#f-land"/);
      t.equal(await directoryHash(env), before, 'nothing written');
      t.equal(await stages(env), stagesBefore, 'nothing kept');
    });

    t.test('only the admin; CSRF and cross-site also for the upload', async (t) => {
      for (const token of [await env.ministryToken('MSGIV'), await env.roleToken('kaz'), await env.roleToken('landesredaktion')]) {
        const person = staffClient(env);
        await person.signedIn(token);
        t.equal((await person.get(PATH)).statusCode, 403);
        t.notMatch((await person.get('/verwaltung')).body, /Kommunalverzeichnis/, 'no navigation entry');
        const csrf = await person.csrf('/verwaltung');
        t.equal((await postMultipart(env, person, `${PATH}/probelauf`, { _csrf: csrf }, file(FIXTURE))).statusCode, 403);
        t.equal((await person.post(`${PATH}/uebernehmen`, { _csrf: csrf, pruefung: crypto.randomUUID() })).statusCode, 403);
      }
      const csrf = await admin.csrf(PATH);
      t.equal((await postMultipart(env, admin, `${PATH}/probelauf`, {}, file(FIXTURE))).statusCode, 403, 'without CSRF');
      t.equal((await postMultipart(env, admin, `${PATH}/probelauf`, { _csrf: csrf }, file(FIXTURE), { origin: 'https://evil.example' })).statusCode, 403, 'cross-site');
      t.equal((await admin.post(`${PATH}/uebernehmen`, { pruefung: crypto.randomUUID() })).statusCode, 403, 'apply without CSRF');
      // refused before the body is read: a cross-site body that no parser could read is not even tried
      for (const path of [`${PATH}/probelauf`, '/verwaltung/loesungen/00000000-0000-4000-8000-000000000000/bus-bb/abgleiche']) {
        const unreadable = await env.app.inject({
          method: 'POST',
          url: path,
          headers: { host: new URL(OWN_ORIGIN).host, cookie: `${SESSION_COOKIE}=${admin.cookie!}`, 'content-type': 'multipart/form-data; boundary=x', origin: 'https://evil.example' },
          payload: 'no multipart at all',
        });
        t.equal(unreadable.statusCode, 403, `${path}: cross-site, refused before its body is read`);
        t.match(unreadable.body, /Formular/);
      }
      const json = await postMultipart(env, admin, '/verwaltung/tokens', { _csrf: csrf, label: 'x', role: 'kaz' });
      t.equal(json.statusCode, 415, 'no other staff route takes multipart');
    });
  });

  t.test(`a file larger than BODY_LIMIT_BYTES: 413 on the page as in the API (${kind})`, async (t) => {
    const handle = await openTestDatabase(t, kind);
    const { app } = await composeTestService(t, handle, { http: { bodyLimitBytes: 64 * 1024 } });
    const env = { app, handle } as TestApp;
    const { token } = await createApiToken(handle.db, { role: 'admin', ministry: null, label: 'test-admin' });
    const admin = staffClient(env);
    await admin.signedIn(token);
    const big = Buffer.concat([FIXTURE, FIXTURE]);
    const api = await app.inject({ method: 'POST', url: '/api/v1/admin/directory/imports?probelauf=true', headers: { ...bearer(token), 'content-type': 'text/csv' }, payload: big });
    t.equal(api.statusCode, 413, 'the API refuses it');
    const page = await postMultipart(env, admin, `${PATH}/probelauf`, { _csrf: await admin.csrf(PATH) }, { name: 'datei', filename: 'gross.csv', content: big });
    t.equal(page.statusCode, 413);
    t.match(page.body, /href="#f-datei"/);
    t.match(page.body, /gross\.csv/);
    t.equal(await stages(env), 0);
  });
}
