import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { OIDC_CALLBACK_PATH } from '../../src/auth/oidc.settings.ts';
import { identityFromClaims, OidcRoleRefusedError } from '../../src/auth/oidc-identity.ts';
import { createApiToken } from '../../src/auth/api-token.service.ts';
import type { OidcSettings } from '../../src/auth/oidc.settings.ts';
import type { DatabaseKind } from '../../src/db/database.ts';
import { composeTestService, buildTestApp } from '../helpers/app.ts';
import { databaseKinds, openTestDatabase } from '../helpers/databases.ts';
import { freeLoopbackPort } from '../helpers/net.ts';
import { CookieBrowser, formOf, type Page } from '../helpers/cookie-browser.ts';
import { startTestProvider, type TestAccount } from '../helpers/oidc-provider.ts';
import { chromiumMissing, launchChromium } from '../helpers/browser.ts';
import { serializeRequestForLog } from '../../src/logging/link-redaction.ts';
import { MATRIX, OIDC_SIGN_IN_ROUTES, PUBLIC_ROUTES, STAFF_SESSION_ROUTES } from '../api/authorisation.matrix.ts';

/**
 * Staff sign in through the Land's identity provider: a real OpenID provider on loopback
 * (oidc-provider, test/helpers/oidc-provider.ts), the service listening on loopback, and a
 * browser over real HTTP with its cookies – from the sign-in page through the provider's
 * login and consent back to the staff pages. Refused cleanly: a wrong state, a replayed
 * answer or code, an error from the provider, an account without a known role, a revoked
 * one, and a provider that cannot be reached. On PGlite and PostgreSQL.
 */

const ACCOUNTS: Record<string, TestAccount> = {
  'erika.betrieb': { name: 'Erika Betrieb', roles: ['efa-betrieb'] },
  'max.ministerium': { name: 'Max Ministerium', roles: ['efa-ministerium', 'andere-anwendung'], ministerium: 'MSGIV' },
  'kim.kaz': { name: 'Kim Kaz', roles: ['efa-kaz'] },
  'paula.praktikum': { name: 'Paula Praktikum', roles: ['praktikum'] },
  'ohne.ministerium': { name: 'Ohne Kürzel', roles: ['efa-ministerium'] },
};

const ROLE_MAP = 'efa-betrieb=admin,efa-ministerium=ministry,efa-kaz=kaz,efa-redaktion=landesredaktion';

/** An attribute's text as the browser reads it (the pages escape & < > " ' =). */
const decode = (text: string) =>
  text.replace(/&#(\d+);/g, (_entity, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');

t.test('OIDC_* are read and checked at start; without OIDC_ISSUER nothing changes', async (t) => {
  t.equal(loadConfig({}).oidc, null, 'no OIDC_ISSUER: no sign-in through a provider');
  t.equal(loadConfig({ OIDC_PROVIDER_OF_ANOTHER_APP: 'x' }).oidc, null, 'another program\'s OIDC_* variable is not ours');
  const config = loadConfig({ OIDC_ISSUER: 'https://login.land.example/realms/verwaltung', OIDC_CLIENT_ID: 'efa', PUBLIC_BASE_URL: 'https://efa.land.example' });
  t.equal(config.oidc?.redirectUrl, `https://efa.land.example${OIDC_CALLBACK_PATH}`, 'the return address follows PUBLIC_BASE_URL');
  t.equal(config.oidc?.scopes, 'openid profile');
  t.same({ ...config.oidc?.roleMap }, { admin: 'admin', ministry: 'ministry', kaz: 'kaz', landesredaktion: 'landesredaktion' });
  const mapped = loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:8080', OIDC_CLIENT_ID: 'efa', OIDC_ROLE_MAP: ROLE_MAP, OIDC_ROLE_CLAIM: 'realm_access.roles' });
  t.equal(mapped.oidc?.roleMap['efa-kaz'], 'kaz');
  t.equal(mapped.oidc?.roleClaim, 'realm_access.roles');
  const base = { OIDC_ISSUER: 'https://login.land.example', OIDC_CLIENT_ID: 'efa' };
  for (const [env, variable] of [
    [{ OIDC_CLIENT_ID: 'efa' }, 'OIDC_CLIENT_ID'],
    [{ OIDC_ISSUER: 'https://login.land.example' }, 'OIDC_CLIENT_ID'],
    [{ ...base, OIDC_ISSUER: 'http://login.land.example' }, 'OIDC_ISSUER'],
    [{ ...base, OIDC_ISSUER: 'kein url' }, 'OIDC_ISSUER'],
    [{ ...base, OIDC_REDIRECT_URL: 'https://efa.land.example/anderswo' }, 'OIDC_REDIRECT_URL'],
    [{ ...base, OIDC_SCOPES: 'profile email' }, 'OIDC_SCOPES'],
    [{ ...base, OIDC_ROLE_MAP: 'efa-chef=chef' }, 'OIDC_ROLE_MAP'],
    [{ ...base, OIDC_ROLE_MAP: 'efa-kaz=kaz,efa-kaz=admin' }, 'OIDC_ROLE_MAP'],
    [{ ...base, OIDC_ROLE_MAP: '=admin' }, 'OIDC_ROLE_MAP'],
    [{ ...base, OIDC_ROLE_CLAIM: 'rollen liste' }, 'OIDC_ROLE_CLAIM'],
  ] as const) {
    let caught: unknown = null;
    try {
      loadConfig(env);
    } catch (error) {
      caught = error;
    }
    t.ok(caught instanceof ConfigError && caught.variable === variable && /[äöüß]|nicht|fehlt|muss|kein/.test(caught.message), `${JSON.stringify(env)} stops the start naming ${variable}: ${String(caught)}`);
  }
});

t.test('the claims give exactly one role, a ministry its Kürzel, a name of one line', async (t) => {
  const settings = { roleClaim: 'realm_access.roles', roleMap: { 'efa-kaz': 'kaz', 'efa-min': 'ministry', 'efa-admin': 'admin' } as const, ministryClaim: 'ministerium', nameClaim: 'name' };
  t.same(identityFromClaims({ sub: 'a', name: 'Anna\nKaz', realm_access: { roles: ['x', 'efa-kaz'] } }, settings), { subject: 'a', role: 'kaz', ministry: null, label: 'Anna Kaz' });
  t.same(identityFromClaims({ sub: 'b', preferred_username: 'bmin', realm_access: { roles: 'efa-min' }, ministerium: 'MIK' }, settings), { subject: 'b', role: 'ministry', ministry: 'MIK', label: 'bmin' });
  for (const claims of [
    { sub: 'c', realm_access: { roles: ['x'] } },
    { sub: 'c' },
    { sub: 'c', realm_access: { roles: ['efa-kaz', 'efa-admin'] } },
    { sub: 'c', realm_access: { roles: ['efa-min'] }, ministerium: '<script>' },
    { realm_access: { roles: ['efa-kaz'] } },
    { sub: 'c', realm_access: { roles: ['__proto__', 'constructor'] } },
  ]) {
    t.throws(() => identityFromClaims(claims, settings), OidcRoleRefusedError, JSON.stringify(claims));
  }
});

t.test('the provider\'s answer (code, state) stays out of the request log', async (t) => {
  t.equal(serializeRequestForLog({ method: 'GET', url: `${OIDC_CALLBACK_PATH}?code=geheim-123&state=abc&iss=x` }).url, `${OIDC_CALLBACK_PATH}?[verborgen]`);
  t.equal(serializeRequestForLog({ method: 'GET', url: '/anmelden/landeskonto?zurueck=%2Fverwaltung' }).url, '/anmelden/landeskonto?zurueck=%2Fverwaltung', 'the start keeps its query');
  t.equal(serializeRequestForLog({ method: 'GET', url: OIDC_CALLBACK_PATH }).url, OIDC_CALLBACK_PATH);
});

t.test('without OIDC_ISSUER the sign-in page offers no Landeskonto and its routes do not exist', async (t) => {
  const env = await buildTestApp(t, databaseKinds()[0]!, { withDirectory: false });
  const page = await env.app.inject({ method: 'GET', url: '/anmelden' });
  t.equal(page.statusCode, 200);
  t.notMatch(page.body, /Landeskonto/);
  t.equal((await env.app.inject({ method: 'GET', url: '/anmelden/landeskonto' })).statusCode, 404);
});

/** The service on loopback, signing in through `issuer`. */
async function startService(t: { teardown(fn: () => unknown): void }, kind: DatabaseKind, appPort: number, oidc: { issuer: string; clientId: string; clientSecret: string }) {
  const handle = await openTestDatabase(t, kind);
  const settings: OidcSettings = {
    issuer: oidc.issuer,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret,
    redirectUrl: `http://127.0.0.1:${appPort}${OIDC_CALLBACK_PATH}`,
    postLogoutRedirectUrl: `http://127.0.0.1:${appPort}/anmelden?abgemeldet`,
    scopes: 'openid profile efa',
    roleClaim: 'roles',
    roleMap: loadConfig({ OIDC_ISSUER: 'https://x.example', OIDC_CLIENT_ID: 'x', OIDC_ROLE_MAP: ROLE_MAP }).oidc!.roleMap,
    ministryClaim: 'ministerium',
    nameClaim: 'name',
  };
  const service = await composeTestService(t, handle, { http: { staff: { oidc: settings } } });
  await service.app.listen({ port: appPort, host: '127.0.0.1' });
  return { handle, service, origin: `http://127.0.0.1:${appPort}` };
}

for (const kind of databaseKinds()) {
  t.test(`sign-in through a local OpenID provider (${kind})`, async (t) => {
    const appPort = await freeLoopbackPort();
    const origin = `http://127.0.0.1:${appPort}`;
    // the provider reads its accounts at each sign-in: a test may change a person's roles
    const accounts: Record<string, TestAccount> = { ...structuredClone(ACCOUNTS), 'wechsel.person': { name: 'Wera Wechsel', roles: ['efa-kaz'] } };
    const provider = await startTestProvider(t, {
      redirectUri: `${origin}${OIDC_CALLBACK_PATH}`,
      postLogoutRedirectUri: `${origin}/anmelden?abgemeldet`,
      accounts,
    });
    const { handle, service } = await startService(t, kind, appPort, provider);
    const known = new Set([...Object.keys(MATRIX), ...PUBLIC_ROUTES, ...STAFF_SESSION_ROUTES]);
    t.same(
      service.app.routeTable.map((route) => `${route.method} ${route.url}`).filter((route) => !known.has(route)).sort(),
      [...OIDC_SIGN_IN_ROUTES].sort(),
      'with OIDC_ISSUER the app has the matrix\'s routes and the sign-in\'s two (authorisation.matrix.ts)',
    );
    const isCallback = (url: URL) => url.origin === origin && url.pathname === OIDC_CALLBACK_PATH;

    /** From the sign-in page's button through the provider's login (and consent) up to the way back; that URL is returned unvisited. */
    async function throughProvider(browser: CookieBrowser, account: string, options: { returnPath?: string; abort?: boolean } = {}): Promise<URL> {
      const signIn = await browser.request(`${origin}/anmelden${options.returnPath ? `?zurueck=${encodeURIComponent(options.returnPath)}` : ''}`);
      const button = /<a class="knopf" href="([^"]+)">Mit dem Landeskonto anmelden<\/a>/.exec(signIn.body);
      if (!button) throw new Error(`no Landeskonto button:\n${signIn.body}`);
      let { page, stoppedAt } = await browser.follow(await browser.request(new URL(decode(button[1]!), origin)), isCallback);
      for (let step = 0; !stoppedAt && step < 4; step++) {
        if (options.abort) {
          const abort = /href="([^"]*\/abort)"/.exec(page.body)?.[1];
          if (!abort) throw new Error(`no abort link:\n${page.body}`);
          ({ page, stoppedAt } = await browser.follow(await browser.request(new URL(abort, page.url)), isCallback));
          continue;
        }
        const form = formOf(page, '/interaction/');
        const fields = form.fields.prompt === 'login' ? { ...form.fields, login: account, password: 'beliebig' } : form.fields;
        ({ page, stoppedAt } = await browser.follow(await browser.request(form.action, { form: fields }), isCallback));
      }
      if (!stoppedAt) throw new Error(`the provider did not send the browser back: ${page.status} ${page.url.href}\n${page.body.slice(0, 800)}`);
      return stoppedAt;
    }

    /** Back at the service: the page it answers, and the page its Refresh leads to. */
    async function comeBack(browser: CookieBrowser, callback: URL): Promise<{ back: Page; landed: Page | null }> {
      const back = await browser.request(callback);
      const refresh = back.headers.get('refresh');
      if (back.status !== 200 || !refresh) return { back, landed: null };
      const target = /url=(.+)$/.exec(refresh)?.[1] ?? '';
      return { back, landed: await browser.request(new URL(target, origin)) };
    }

    const sessionsOf = async () => (await handle.db.selectFrom('staff_session').select(['token_id']).where('token_id', 'is not', null).execute()).length;

    t.test('an admin signs in through the provider, lands where they wanted, and pages of the role open', async (t) => {
      const browser = new CookieBrowser();
      const callback = await throughProvider(browser, 'erika.betrieb', { returnPath: '/verwaltung/lagebild' });
      t.ok(callback.searchParams.get('code'), 'the provider answers with a code');
      const { back, landed } = await comeBack(browser, callback);
      t.equal(back.status, 200);
      t.match(back.body, /Sie sind angemeldet/);
      t.ok(browser.cookie(origin, 'efa_sitzung'), 'the session cookie is set');
      t.match(back.headers.getSetCookie().find((line) => line.startsWith('efa_sitzung=')) ?? '', /HttpOnly.*SameSite=Strict|SameSite=Strict.*HttpOnly/i, 'the same session cookie as the token sign-in');
      t.equal(landed?.status, 200, 'the way back opens');
      t.match(landed?.body, /Lagebild/);
      t.match(landed?.body, /Angemeldet: Erika Betrieb \(Betrieb\)/, 'the header names the person from the provider');
      const jobs = await browser.request(`${origin}/verwaltung/jobs`);
      t.equal(jobs.status, 200, 'an admin-only page opens');
      const row = await handle.db.selectFrom('api_token').selectAll().where('label', '=', 'Erika Betrieb').executeTakeFirstOrThrow();
      t.equal(row.role, 'admin');
      t.match(row.token_hash, /^oidc:[0-9a-f]{64}$/, 'a row no bearer token can match');
      t.equal(row.created_by, 'Landeskonto (OpenID Connect)');

      t.test('a second sign-in reuses the person and the replayed answer is refused', async (t) => {
        const again = new CookieBrowser();
        const second = await throughProvider(again, 'erika.betrieb');
        const { landed: home } = await comeBack(again, second);
        t.equal(home?.status, 200);
        t.equal((await handle.db.selectFrom('api_token').select('id').where('label', '=', 'Erika Betrieb').execute()).length, 1, 'one row per person');
        const sessions = await sessionsOf();
        // the same answer once more, in the same browser (its transaction is used up) and in a fresh one
        for (const replayer of [again, new CookieBrowser()]) {
          const replay = await replayer.request(second);
          t.equal(replay.status, 400, 'replayed: refused');
          t.match(replay.body, /abgelaufen, wurde schon verwendet/);
        }
        t.equal(await sessionsOf(), sessions, 'no session from a replay');
      });

      t.test('a used code with a fresh sign-in\'s state is refused by the provider', async (t) => {
        const attacker = new CookieBrowser();
        const start = await attacker.request(`${origin}/anmelden/landeskonto`);
        t.equal(start.status, 303);
        const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
        const forged = new URL(callback);
        forged.searchParams.set('state', state);
        const refused = await attacker.request(forged);
        t.equal(refused.status, 400);
        t.match(refused.body, /Anmeldung fehlgeschlagen/);
        t.match(refused.body, /invalid_grant/, 'the provider refused the code once used');
        t.equal((await attacker.request(`${origin}/verwaltung`)).status, 303, 'not signed in');
      });

      t.test('signing out ends the session here and offers the provider\'s end-session', async (t) => {
        const page = await browser.request(`${origin}/verwaltung`);
        const form = formOf(page, '/abmelden');
        const out = await browser.request(new URL('/abmelden', origin), { form: form.fields, headers: { origin } });
        t.equal(out.status, 303);
        t.equal(out.headers.get('location'), '/anmelden?abgemeldet=landeskonto');
        const signedOut = await browser.request(new URL(out.headers.get('location')!, origin));
        t.match(signedOut.body, /Sie haben sich abgemeldet/);
        const link = /href="([^"]+)">Auch beim Landeskonto abmelden/.exec(signedOut.body)?.[1];
        t.ok(link, 'the provider\'s end-session is offered');
        const endSession = new URL(decode(link!));
        t.equal(endSession.origin, provider.issuer);
        t.equal(endSession.searchParams.get('post_logout_redirect_uri'), `${origin}/anmelden?abgemeldet`);
        const providerPage = await browser.request(endSession);
        t.equal(providerPage.status, 200, `the provider takes it (its confirmation page): ${providerPage.body.slice(0, 300)}`);
        const after = await browser.request(`${origin}/verwaltung`);
        t.equal(after.status, 303, 'signed out here');
      });
    });

    t.test('a ministry person gets their ministry; a Kaz person is refused an admin page', async (t) => {
      const ministry = new CookieBrowser();
      const { landed } = await comeBack(ministry, await throughProvider(ministry, 'max.ministerium'));
      t.match(landed?.body, /Angemeldet: Max Ministerium \(MSGIV\)/);
      t.equal((await ministry.request(`${origin}/verwaltung/tokens`)).status, 200, 'a ministry manages its tokens');
      const kaz = new CookieBrowser();
      const { landed: kazHome } = await comeBack(kaz, await throughProvider(kaz, 'kim.kaz'));
      t.equal(kazHome?.status, 200);
      t.equal((await kaz.request(`${origin}/verwaltung/jobs`)).status, 403, 'not the admin\'s page');
    });

    t.test('a wrong state is refused and uses the sign-in up', async (t) => {
      const browser = new CookieBrowser();
      const callback = await throughProvider(browser, 'kim.kaz');
      const forged = new URL(callback);
      forged.searchParams.set('state', 'vom-angreifer');
      const refused = await browser.request(forged);
      t.equal(refused.status, 400);
      t.match(refused.body, /nicht bestätigt|ließ sich nicht prüfen/);
      t.equal((await browser.request(`${origin}/verwaltung`)).status, 303, 'not signed in');
      const genuine = await browser.request(callback);
      t.equal(genuine.status, 400, 'the genuine answer afterwards finds its sign-in used up');
    });

    t.test('an account without a known role, or a ministry without its Kürzel: 403, no session, no row', async (t) => {
      for (const [account, words] of [
        ['paula.praktikum', /keine Rolle, die efa-rollout kennt/],
        ['ohne.ministerium', /kein gültiges Ministeriumskürzel/],
      ] as const) {
        const browser = new CookieBrowser();
        const sessions = await sessionsOf();
        const { back, landed } = await comeBack(browser, await throughProvider(browser, account));
        t.equal(back.status, 403, account);
        t.match(back.body, /Kein Zugang/);
        t.match(back.body, words);
        t.equal(landed, null);
        t.equal(await sessionsOf(), sessions, 'no session');
        t.equal((await handle.db.selectFrom('api_token').select('id').where('label', '=', ACCOUNTS[account]!.name).execute()).length, 0, 'no row');
      }
    });

    t.test("the person's access revoked in efa-rollout: their sessions end and the provider's sign-in is refused", async (t) => {
      const browser = new CookieBrowser();
      await comeBack(browser, await throughProvider(browser, 'kim.kaz'));
      const row = await handle.db.selectFrom('api_token').select('id').where('label', '=', 'Kim Kaz').executeTakeFirstOrThrow();
      const { token: admin } = await createApiToken(handle.db, { role: 'admin', ministry: null, label: 'widerrufer' });
      const revoked = await fetch(`${origin}/api/v1/admin/tokens/${row.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
      t.equal(revoked.status, 204);
      t.equal((await browser.request(`${origin}/verwaltung`)).status, 303, 'signed out at once');
      const again = new CookieBrowser();
      const { back } = await comeBack(again, await throughProvider(again, 'kim.kaz'));
      t.equal(back.status, 403);
      t.match(back.body, /widerrufen/);
    });

    t.test('a role changed at the provider counts at the next sign-in; a role withdrawn ends the person\'s sessions', async (t) => {
      const first = new CookieBrowser();
      const { landed } = await comeBack(first, await throughProvider(first, 'wechsel.person'));
      t.match(landed?.body, /Angemeldet: Wera Wechsel \(Kaz \/ ZIT-BB\)/);
      accounts['wechsel.person'] = { name: 'Wera Wechsel', roles: ['efa-betrieb'] };
      const second = new CookieBrowser();
      const { landed: promoted } = await comeBack(second, await throughProvider(second, 'wechsel.person'));
      t.match(promoted?.body, /Angemeldet: Wera Wechsel \(Betrieb\)/, 'the new role');
      t.equal((await first.request(`${origin}/verwaltung/jobs`)).status, 200, 'the same person on the other device: the new role too');
      accounts['wechsel.person'] = { name: 'Wera Wechsel', roles: [] };
      const third = new CookieBrowser();
      const { back } = await comeBack(third, await throughProvider(third, 'wechsel.person'));
      t.equal(back.status, 403);
      t.match(back.body, /keine Rolle für efa-rollout/);
      for (const browser of [first, second]) t.equal((await browser.request(`${origin}/verwaltung`)).status, 303, 'signed out everywhere');
    });

    t.test('the provider reports an error (the person aborted): a German page, no session', async (t) => {
      const browser = new CookieBrowser();
      const callback = await throughProvider(browser, 'erika.betrieb', { abort: true });
      t.equal(callback.searchParams.get('error'), 'access_denied');
      const { back } = await comeBack(browser, callback);
      t.equal(back.status, 400);
      t.match(back.body, /Anmeldung fehlgeschlagen/);
      t.match(back.body, /access_denied/);
      t.equal((await browser.request(`${origin}/verwaltung`)).status, 303, 'not signed in');
    });

    t.test('a way back without a started sign-in (no cookie) is refused', async (t) => {
      const refused = await new CookieBrowser().request(`${origin}${OIDC_CALLBACK_PATH}?code=abc&state=def`);
      t.equal(refused.status, 400);
      t.match(refused.body, /Anmeldung fehlgeschlagen/);
    });
  });
}

t.test('an unreachable provider: 503 as a German page, the token sign-in still works', async (t) => {
  const deadPort = await freeLoopbackPort();
  const appPort = await freeLoopbackPort();
  const { origin, handle } = await startService(t, databaseKinds()[0]!, appPort, { issuer: `http://127.0.0.1:${deadPort}`, clientId: 'efa', clientSecret: 'x' });
  const browser = new CookieBrowser();
  for (let attempt = 0; attempt < 2; attempt++) {
    const start = await browser.request(`${origin}/anmelden/landeskonto`);
    t.equal(start.status, 503, `attempt ${attempt + 1}: discovery is tried again, not cached as failed`);
    t.match(start.body, /Identitätsanbieter nicht erreichbar/);
    t.match(start.headers.get('content-type') ?? '', /text\/html/);
    t.equal(start.headers.get('retry-after'), '60');
  }
  const { token } = await createApiToken(handle.db, { role: 'kaz', ministry: null, label: 'Token-Person' });
  const signIn = await browser.request(`${origin}/anmelden`);
  t.match(signIn.body, /Mit dem Landeskonto anmelden/);
  const form = formOf(signIn, '/anmelden');
  const signedIn = await browser.request(new URL('/anmelden', origin), { form: { ...form.fields, token }, headers: { origin } });
  t.equal(signedIn.status, 303);
  t.equal((await browser.request(`${origin}/verwaltung`)).status, 200, 'signed in with the token');
});

t.test('in Chromium: from the button through the provider on another site back to the page asked for', { skip: chromiumMissing() ?? false }, async (t) => {
  const appPort = await freeLoopbackPort();
  const origin = `http://127.0.0.1:${appPort}`;
  // localhost and 127.0.0.1 are different sites: the session cookie's SameSite=Strict meets the real case
  const provider = await startTestProvider(t, {
    redirectUri: `${origin}${OIDC_CALLBACK_PATH}`,
    postLogoutRedirectUri: `${origin}/anmelden?abgemeldet`,
    accounts: ACCOUNTS,
    hostName: 'localhost',
  });
  await startService(t, databaseKinds()[0]!, appPort, provider);
  const context = await (await launchChromium(t)).newContext({ locale: 'de-DE' });
  context.setDefaultTimeout(10_000);
  // the provider's development pages import a web font: nothing leaves the machine
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
  });
  const page = await context.newPage();
  await page.goto(`${origin}/verwaltung/lagebild`);
  t.match(page.url(), /\/anmelden\?zurueck=/, 'signed out: sent to the sign-in');
  await page.getByRole('link', { name: 'Mit dem Landeskonto anmelden' }).click();
  await page.waitForURL(/localhost:\d+\/interaction\//);
  await page.locator('input[name=login]').fill('erika.betrieb');
  await page.locator('input[name=password]').fill('beliebig');
  await page.locator('button[type=submit]').click();
  await page.waitForURL(/localhost:\d+\/interaction\//);
  await page.locator('button[type=submit]').click();
  await page.waitForURL(`${origin}/verwaltung/lagebild`, { waitUntil: 'domcontentloaded' });
  t.match(await page.locator('h1').first().innerText(), /Lagebild/);
  t.match(await page.locator('header').innerText(), /Angemeldet: Erika Betrieb \(Betrieb\)/, 'the session cookie came along after the way back');
  await page.goto(`${origin}/verwaltung/jobs`);
  t.equal(new URL(page.url()).pathname, '/verwaltung/jobs', 'an admin page opens');
});
