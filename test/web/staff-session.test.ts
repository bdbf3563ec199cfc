import t from 'tap';
import { gunzipSync } from 'node:zlib';
import { createApiToken, hashToken } from '../../src/auth/api-token.service.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { hashSessionId } from '../../src/auth/staff-session.store.ts';
import { localReturnPath, SESSION_COOKIE } from '../../src/web/staff.routes.ts';
import { bearer, buildTestApp, composeTestService, type TestApp } from '../helpers/app.ts';
import { databaseKinds, openTestDatabase } from '../helpers/databases.ts';
import { OWN_ORIGIN } from '../helpers/forms.ts';
import { createSolution, ELTERNGELD } from '../helpers/rollout.ts';
import { staffClient, sessionCookieOf } from '../helpers/staff-client.ts';

/**
 * The staff's sign-in as a browser meets it, through inject: the sign-in form, the
 * session cookie and its attributes, idle timeout and absolute lifetime by the service's
 * clock, a revoked token ending the session, sign-out, the CSRF and same-origin refusals,
 * and the return path after signing in. On PGlite and PostgreSQL.
 */

const HOST = new URL(OWN_ORIGIN).host;

t.test('SESSION_IDLE_MINUTES and ACCESSIBILITY_CONTACT_EMAIL are read and checked at start', async (t) => {
  t.equal(loadConfig({}).sessionIdleMinutes, 30);
  t.equal(loadConfig({ SESSION_IDLE_MINUTES: '90' }).sessionIdleMinutes, 90);
  t.equal(loadConfig({}).accessibilityContactEmail, 'barrierefreiheit@land-brandenburg.example');
  for (const [variable, value] of [
    ['SESSION_IDLE_MINUTES', '0'],
    ['SESSION_IDLE_MINUTES', 'dreißig'],
    ['SESSION_IDLE_MINUTES', '100000'],
    ['ACCESSIBILITY_CONTACT_EMAIL', 'keine Adresse'],
  ] as const) {
    let caught: unknown = null;
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      caught = error;
    }
    t.ok(caught instanceof ConfigError && caught.variable === variable, `${variable}=${value} stops the start`);
  }
});

t.test('the return path after signing in is a local path or nothing', async (t) => {
  t.equal(localReturnPath('/verwaltung'), '/verwaltung');
  t.equal(localReturnPath('/verwaltung?seite=2'), '/verwaltung?seite=2');
  for (const hostile of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'verwaltung', '/ver waltung', '/a\nb', '', '/anmelden', '/abmelden', 42, null]) {
    t.equal(localReturnPath(hostile), null, `refused: ${JSON.stringify(hostile)}`);
  }
});

for (const kind of databaseKinds()) {
  t.test(`staff session (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind);
    const ministryToken = await env.ministryToken('MSGIV');
    const browser = staffClient(env);

    t.test('a signed-out visitor of a staff page is sent to the sign-in with the way back', async (t) => {
      const response = await browser.get('/verwaltung?seite=1');
      t.equal(response.statusCode, 303);
      t.equal(response.headers.location, `/anmelden?zurueck=${encodeURIComponent('/verwaltung?seite=1')}`);
    });

    t.test('the sign-in form: German, with a CSRF value, and a session cookie with the right attributes', async (t) => {
      const response = await browser.get('/anmelden?zurueck=%2Fverwaltung');
      t.equal(response.statusCode, 200);
      t.match(response.headers['content-type'], /text\/html/);
      t.match(response.headers['content-security-policy'], /default-src 'none'/);
      t.match(response.body, /<html lang="de">/);
      t.match(response.body, /Persönliches Token/);
      t.match(response.body, /name="zurueck" value="\/verwaltung"/);
      const cookie = sessionCookieOf(response)!;
      t.ok(cookie, 'session cookie set');
      t.equal(cookie.httpOnly, true);
      t.equal(cookie.sameSite, 'Strict');
      t.equal(cookie.path, '/');
      t.notOk(cookie.secure, 'not Secure over plain HTTP');
      t.notOk(cookie.expires, 'no expiry: the cookie ends with the browser');
      const hostile = await browser.get('/anmelden?zurueck=%2F%2Fevil.example');
      t.notMatch(hostile.body, /name="zurueck"/, 'a foreign return path is dropped');
    });

    t.test('wrong, missing and revoked tokens are refused with the form again', async (t) => {
      const wrong = await browser.signIn('efa_nichtvorhanden');
      t.equal(wrong.statusCode, 422);
      t.match(wrong.body, /unbekannt oder widerrufen/);
      t.match(wrong.body, /aria-invalid="true"/);
      const empty = await browser.signIn('');
      t.equal(empty.statusCode, 422);
      const revoked = await createApiToken(env.handle.db, { role: 'kaz', ministry: null, label: 'Ehemalige Person' });
      await env.app.inject({ method: 'DELETE', url: `/api/v1/admin/tokens/${revoked.id}`, headers: bearer(env.adminToken) });
      const refused = await browser.signIn(revoked.token);
      t.equal(refused.statusCode, 422);
      t.match(refused.body, /unbekannt oder widerrufen/);
    });

    t.test('a form without or with a wrong CSRF value, or from another site, is refused as a German page', async (t) => {
      const missing = await browser.post('/anmelden', { token: ministryToken });
      t.equal(missing.statusCode, 403);
      t.match(missing.headers['content-type'], /text\/html/);
      t.match(missing.body, /Formular konnte nicht angenommen werden/);
      const forged = await browser.post('/anmelden', { token: ministryToken, _csrf: 'falsch' });
      t.equal(forged.statusCode, 403);
      t.match(forged.body, /Formular konnte nicht angenommen werden/);
      const csrf = await browser.csrf('/anmelden');
      const crossSite = await browser.post('/anmelden', { token: ministryToken, _csrf: csrf }, { origin: 'https://evil.example' });
      t.equal(crossSite.statusCode, 403);
      t.match(crossSite.body, /Formular konnte nicht angenommen werden/);
    });

    t.test('a valid token signs in: a new session id, stored only as its hash; the dashboard names the person', async (t) => {
      const before = browser.cookie;
      const response = await browser.signIn(ministryToken, '/verwaltung');
      t.equal(response.statusCode, 303);
      t.equal(response.headers.location, '/verwaltung');
      t.not(browser.cookie, before, 'the session id changes at sign-in');
      const sessionId = browser.cookie!.slice(0, browser.cookie!.lastIndexOf('.'));
      const rows = await env.handle.db.selectFrom('staff_session').select(['id_hash', 'token_id']).execute();
      t.ok(rows.some((row) => row.id_hash === hashSessionId(sessionId) && row.token_id !== null), 'the session is stored under its hash');
      t.notOk(rows.some((row) => row.id_hash === sessionId), 'never the session id itself');

      const empty = await browser.get('/verwaltung');
      t.equal(empty.statusCode, 200);
      t.match(empty.body, /Angemeldet: test-MSGIV \(MSGIV\)/);
      t.match(empty.body, /Ihr Ministerium hat noch keine EfA-Lösung angelegt/);
      t.match(empty.body, /<form method="post" action="\/abmelden">/);
      t.match(empty.body, /href="\/barrierefreiheit"/);

      await createSolution(env, ministryToken, { ...ELTERNGELD, title: 'Zulassung digital' });
      await createSolution(env, ministryToken, ELTERNGELD);
      await createSolution(env, await env.ministryToken('MIK'), { ...ELTERNGELD, title: 'Waffenschein digital' });
      const listed = await browser.get('/verwaltung');
      t.match(listed.body, /Elterngeld digital[\s\S]*Zulassung digital/, 'sorted by title');
      t.match(listed.body, /Entwurf/);
      t.notMatch(listed.body, /Waffenschein/, 'a ministry sees only its own solutions');

      const signedIn = await browser.get('/anmelden');
      t.equal(signedIn.statusCode, 303, 'the sign-in page sends a signed-in person on');
    });

    t.test('the Kaz sees every solution', async (t) => {
      const kaz = staffClient(env);
      await kaz.signIn(await env.roleToken('kaz'));
      const listed = await kaz.get('/verwaltung');
      t.match(listed.body, /Alle EfA-Lösungen/);
      t.match(listed.body, /Waffenschein digital/);
    });

    t.test('the session ends after the idle time and after twelve hours however busy', async (t) => {
      const person = staffClient(env);
      await person.signIn(ministryToken);
      env.clock.now = new Date(env.clock.now.getTime() + 29 * 60_000);
      t.equal((await person.get('/verwaltung')).statusCode, 200, 'within the idle time');
      env.clock.now = new Date(env.clock.now.getTime() + 29 * 60_000);
      t.equal((await person.get('/verwaltung')).statusCode, 200, 'each request moves the idle time');
      env.clock.now = new Date(env.clock.now.getTime() + 31 * 60_000);
      const idle = await person.get('/verwaltung');
      t.equal(idle.statusCode, 303, 'idle for 31 minutes: signed out');
      t.match(idle.headers.location, /^\/anmelden/);

      const busy = staffClient(env);
      await busy.signIn(ministryToken);
      for (let minutes = 0; minutes < 12 * 60 - 20; minutes += 20) {
        env.clock.now = new Date(env.clock.now.getTime() + 20 * 60_000);
        if ((await busy.get('/verwaltung')).statusCode !== 200) t.fail(`signed out after ${minutes} minutes`);
      }
      env.clock.now = new Date(env.clock.now.getTime() + 25 * 60_000);
      t.equal((await busy.get('/verwaltung')).statusCode, 303, 'after twelve hours: signed out');
    });

    t.test('a page view reads its session without writing it; the idle time moves at most once a minute', async (t) => {
      const person = staffClient(env);
      await person.signIn(ministryToken);
      const row = () => env.handle.db.selectFrom('staff_session').select(['data', 'expires_at']).where('id_hash', '=', hashSessionId(person.cookie!.slice(0, person.cookie!.lastIndexOf('.')))).executeTakeFirstOrThrow();
      // the first page after sign-in stores the session's CSRF secret: a change, so a write
      t.equal((await person.get('/verwaltung')).statusCode, 200);
      const before = await row();
      t.type(before.data._csrf, 'string');
      env.clock.now = new Date(env.clock.now.getTime() + 30_000);
      t.equal((await person.get('/verwaltung')).statusCode, 200);
      const within = await row();
      t.same(within, before, 'half a minute on: the row is unchanged');
      env.clock.now = new Date(env.clock.now.getTime() + 60_000);
      t.equal((await person.get('/verwaltung')).statusCode, 200);
      const after = await row();
      t.equal(after.expires_at.getTime(), env.clock.now.getTime() + 30 * 60_000, 'a minute and a half on: the idle time starts again');
      t.same(after.data, before.data, 'the values stay');
    });

    t.test('revoking the token ends its sessions at once', async (t) => {
      const person = await createApiToken(env.handle.db, { role: 'landesredaktion', ministry: null, label: 'Erika Muster' });
      const first = staffClient(env);
      const second = staffClient(env);
      await first.signIn(person.token);
      await second.signIn(person.token);
      t.match((await first.get('/verwaltung')).body, /Angemeldet: Erika Muster \(Landesredaktion\)/);
      const revoked = await env.app.inject({ method: 'DELETE', url: `/api/v1/admin/tokens/${person.id}`, headers: bearer(env.adminToken) });
      t.equal(revoked.statusCode, 204);
      const left = await env.handle.db.selectFrom('staff_session').select('id_hash').where('token_id', '=', person.id).execute();
      t.equal(left.length, 0, 'its sessions are deleted');
      t.equal((await first.get('/verwaltung')).statusCode, 303);
      t.equal((await second.get('/verwaltung')).statusCode, 303);

      // a token revoked behind the service's back (another tool, the database) is checked on every request too
      const other = await createApiToken(env.handle.db, { role: 'kaz', ministry: null, label: 'Max Muster' });
      const third = staffClient(env);
      await third.signIn(other.token);
      t.equal((await third.get('/verwaltung')).statusCode, 200);
      await env.handle.db.updateTable('api_token').set({ revoked_at: new Date() }).where('token_hash', '=', hashToken(other.token)).execute();
      t.equal((await third.get('/verwaltung')).statusCode, 303);
    });

    t.test('signing out ends the session; the old cookie opens nothing', async (t) => {
      const person = staffClient(env);
      await person.signIn(ministryToken);
      const cookie = person.cookie!;
      const out = await person.signOut();
      t.equal(out.statusCode, 303);
      t.equal(out.headers.location, '/anmelden?abgemeldet');
      t.equal(sessionCookieOf(out)?.value, '', 'the cookie is cleared');
      const replay = await env.app.inject({ url: '/verwaltung', headers: { host: HOST, cookie: `${SESSION_COOKIE}=${cookie}` } });
      t.equal(replay.statusCode, 303);
      t.match((await person.get('/anmelden?abgemeldet')).body, /Sie haben sich abgemeldet/);
      const noCsrf = staffClient(env);
      await noCsrf.signIn(ministryToken);
      t.equal((await noCsrf.post('/abmelden', {})).statusCode, 403, 'sign-out needs the CSRF value too');
    });

    t.test('the accessibility statement is public; pages are compressed', async (t) => {
      const statement = await env.app.inject({ url: '/barrierefreiheit', headers: { 'accept-encoding': 'gzip' } });
      t.equal(statement.statusCode, 200);
      t.equal(statement.headers['content-encoding'], 'gzip');
      const body = gunzipSync(statement.rawPayload).toString('utf8');
      t.match(body, /Erklärung zur Barrierefreiheit/);
      t.match(body, /teilweise barrierefrei/);
      t.match(body, /Schlichtungsstelle nach § 16 des Behindertengleichstellungsgesetzes/);
      t.match(body, /barrierefreiheit@land-brandenburg\.example/);
      const json = await env.app.inject({ url: '/openapi.json', headers: { 'accept-encoding': 'gzip' } });
      t.equal(json.headers['content-encoding'], 'gzip');
      t.notMatch(gunzipSync(json.rawPayload).toString('utf8'), /"\/anmelden"|"\/verwaltung"/, 'the HTML routes are not in the API document');
    });
  });
}

t.test('behind a trusted TLS proxy the cookie is Secure', async (t) => {
  const handle = await openTestDatabase(t, 'pglite');
  const { app } = await composeTestService(t, handle, { http: { trustProxy: ['127.0.0.1'] } });
  const response = await app.inject({ url: '/anmelden', headers: { 'x-forwarded-proto': 'https', host: HOST } });
  const cookie = sessionCookieOf(response)!;
  t.equal(cookie.secure, true);
  t.equal(cookie.sameSite, 'Strict');
  const untrusted = await app.inject({ url: '/anmelden', headers: { 'x-forwarded-proto': 'https', host: HOST }, remoteAddress: '10.1.2.3' });
  t.notOk(sessionCookieOf(untrusted)!.secure, 'an untrusted client cannot claim TLS');
});

t.test('sign-in attempts are limited per client', async (t) => {
  const handle = await openTestDatabase(t, 'pglite');
  const { app } = await composeTestService(t, handle, { http: { rateLimit: { apiPerMinute: 0, answerPagesPerMinute: 0 } } });
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    const response = await app.inject({ method: 'POST', url: '/anmelden', headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=x' });
    statuses.push(response.statusCode);
  }
  t.equal(statuses.filter((status) => status === 429).length, 2, 'the 11th and 12th attempt are refused');
  const last = await app.inject({ method: 'POST', url: '/anmelden', headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=x' });
  t.match(last.headers['content-type'], /text\/html/);
  t.match(last.body, /Bitte warten Sie einen Moment/);
});
