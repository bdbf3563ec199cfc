import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { staffClient } from '../helpers/staff-client.ts';
import { enqueueJob } from '../../src/engine/job.queue.ts';

/**
 * The administration pages through inject, signed in for real: the admin issues a
 * ministry token (shown once, no-store, good for signing in), a ministry sees and issues
 * only its own (a forged POST for an admin token is refused), a revocation after its
 * confirmation step ends the person's session, 422 names a missing field, a form without
 * CSRF is refused, and the job overview is the admin's alone.
 */

const TOKEN_SHOWN = /id="neues-token" readonly value="(efa_[^"]+)"/;

for (const kind of databaseKinds()) {
  t.test(`the administration pages (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const admin = staffClient(env);
    await admin.signedIn(env.adminToken);
    const otherMinistry = await env.ministryToken('MIK');

    t.test('the admin issues a ministry token: shown once with no-store, and it signs in', async (t) => {
      const list = await admin.get('/verwaltung/tokens');
      t.equal(list.statusCode, 200);
      t.match(list.body, /href="\/verwaltung\/tokens" aria-current="page">Tokens</);
      t.match(list.body, /<option value="admin">/, 'the admin may issue every role');
      const csrf = await admin.csrf('/verwaltung/tokens');
      const issued = await admin.post('/verwaltung/tokens', { _csrf: csrf, label: 'Erika Muster', role: 'ministry', ministry: 'MSGIV' });
      t.equal(issued.statusCode, 201, issued.body);
      t.equal(issued.headers['cache-control'], 'no-store');
      t.match(issued.body, /nur jetzt angezeigt und nicht noch einmal/);
      t.match(issued.body, /persönlich weiter/);
      const token = TOKEN_SHOWN.exec(issued.body)?.[1];
      t.ok(token, 'the token is on the page');
      const again = await admin.get('/verwaltung/tokens');
      t.match(again.body, /Erika Muster/);
      t.notMatch(again.body, token!, 'the list never shows it again');
      const erika = staffClient(env);
      await erika.signedIn(token!);
      t.match((await erika.get('/verwaltung')).body, /Angemeldet: Erika Muster \(MSGIV\)/);
    });

    t.test('a ministry sees only its own tokens and cannot issue admin tokens', async (t) => {
      const msgiv = staffClient(env);
      await msgiv.signedIn(await env.ministryToken('MSGIV'));
      const list = await msgiv.get('/verwaltung/tokens');
      t.equal(list.statusCode, 200);
      t.match(list.body, /Erika Muster/);
      t.notMatch(list.body, /<th scope="row">test-admin</, 'not the admin token');
      t.match(list.body, /von admin:test-admin/, 'who issued it');
      t.notMatch(list.body, /<td>MIK|Ministerium des Innern/, 'not another ministry’s tokens');
      t.notMatch(list.body, /<option value="admin">/, 'the role select lacks admin');
      t.notMatch(list.body, /name="ministry"/, 'no ministry to choose');
      const csrf = await msgiv.csrf('/verwaltung/tokens');
      const forged = await msgiv.post('/verwaltung/tokens', { _csrf: csrf, label: 'Mallory', role: 'admin' });
      t.equal(forged.statusCode, 403);
      t.match(forged.body, /keine Tokens der Rolle „admin“/);
      const foreign = await msgiv.post('/verwaltung/tokens', { _csrf: csrf, label: 'Mallory', role: 'ministry', ministry: 'MIK' });
      t.equal(foreign.statusCode, 403);
      const own = await msgiv.post('/verwaltung/tokens', { _csrf: csrf, label: 'Max Referent', role: 'ministry' });
      t.equal(own.statusCode, 201, 'issued for its own ministry');
      t.notMatch((await admin.get('/verwaltung/tokens')).body, 'Mallory', 'nothing was issued by the refused forms');
      t.equal((await staffClient(env).signIn(otherMinistry)).statusCode, 303, 'the other ministry’s token still works');
    });

    t.test('missing label: 422 naming the field; without CSRF: 403', async (t) => {
      const csrf = await admin.csrf('/verwaltung/tokens');
      const missing = await admin.post('/verwaltung/tokens', { _csrf: csrf, label: ' ', role: 'kaz' });
      t.equal(missing.statusCode, 422);
      t.match(missing.body, /Bitte prüfen Sie Ihre Angaben/);
      t.match(missing.body, /href="#f-label">Bitte geben Sie den Namen der Person an/);
      t.match(missing.body, /id="f-label"[^>]*aria-invalid="true"/);
      const noCsrf = await admin.post('/verwaltung/tokens', { label: 'Ohne Schutz', role: 'kaz' });
      t.equal(noCsrf.statusCode, 403);
      t.match(noCsrf.body, /Formular konnte nicht angenommen werden/);
    });

    t.test('a revocation after confirmation ends the person’s session', async (t) => {
      const csrf = await admin.csrf('/verwaltung/tokens');
      const issued = await admin.post('/verwaltung/tokens', { _csrf: csrf, label: 'Paul Weg', role: 'kaz' });
      const token = TOKEN_SHOWN.exec(issued.body)![1]!;
      const paul = staffClient(env);
      await paul.signedIn(token);
      t.equal((await paul.get('/verwaltung/tickets')).statusCode, 200);
      const list = await admin.get('/verwaltung/tokens');
      const confirmPath = new RegExp(`href="(/verwaltung/tokens/[0-9a-f-]{36}/widerrufen)">Widerrufen<span class="unsichtbar">: Paul Weg`).exec(list.body)?.[1];
      t.ok(confirmPath, 'a revoke link per token');
      const confirm = await admin.get(confirmPath!);
      t.equal(confirm.statusCode, 200);
      t.match(confirm.body, /Token von Paul Weg widerrufen\?/);
      t.match(confirm.body, /alle Sitzungen dieser Person enden sofort/);
      const revoked = await admin.post(confirmPath!, { _csrf: await admin.csrf(confirmPath!) });
      t.equal(revoked.statusCode, 303);
      const after = await admin.get(revoked.headers.location as string);
      t.match(after.body, /Das Token von Paul Weg ist widerrufen/);
      t.match(after.body, /widerrufen am/);
      const signedOut = await paul.get('/verwaltung/tickets');
      t.equal(signedOut.statusCode, 303, 'Paul is signed out');
      t.match(signedOut.headers.location as string, /^\/anmelden/);
      const twice = await admin.post(confirmPath!, { _csrf: await admin.csrf('/verwaltung/tokens') });
      t.equal(twice.statusCode, 409);
      t.match(twice.body, /bereits widerrufen/);
      // a ministry cannot revoke another ministry's (or the admin's) token
      const msgiv = staffClient(env);
      await msgiv.signedIn(await env.ministryToken('MSGIV'));
      const foreignId = /\/verwaltung\/tokens\/([0-9a-f-]{36})\/widerrufen">Widerrufen<span class="unsichtbar">: test-admin/.exec(after.body)?.[1];
      t.ok(foreignId);
      const refused = await msgiv.post(`/verwaltung/tokens/${foreignId}/widerrufen`, { _csrf: await msgiv.csrf('/verwaltung/tokens') });
      t.equal(refused.statusCode, 409);
      t.equal((await admin.get('/verwaltung/tokens')).statusCode, 200, 'the admin is still signed in');
    });

    t.test('the job overview: the admin sees the jobs, a ministry a 403 page', async (t) => {
      await enqueueJob(env.handle.db, { kind: 'mail.send', payload: {}, idempotencyKey: 'admin-pages-test' });
      const page = await admin.get('/verwaltung/jobs');
      t.equal(page.statusCode, 200);
      t.match(page.body, /Hintergrundaufträge/);
      t.match(page.body, /<td>mail\.send<\/td><td>wartet auf seine Zeit<\/td><td>0 von/);
      const failed = await admin.get('/verwaltung/jobs?status=failed');
      t.match(failed.body, /Keine Aufträge für diese Auswahl/);
      t.match(failed.body, /value="failed" selected/);
      const msgiv = staffClient(env);
      await msgiv.signedIn(await env.ministryToken('MSGIV'));
      const refused = await msgiv.get('/verwaltung/jobs');
      t.equal(refused.statusCode, 403);
      t.match(refused.body, /Kein Zugriff/);
      t.notMatch((await msgiv.get('/verwaltung')).body, /href="\/verwaltung\/jobs"/, 'no navigation entry for a ministry');
    });
  });
}
