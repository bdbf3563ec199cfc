import type { LightMyRequestResponse } from 'fastify';
import { SESSION_COOKIE } from '../../src/web/staff.routes.ts';
import type { TestApp } from './app.ts';
import { OWN_ORIGIN } from './forms.ts';

const HOST = new URL(OWN_ORIGIN).host;

export function sessionCookieOf(response: LightMyRequestResponse) {
  return response.cookies.find((cookie) => cookie.name === SESSION_COOKIE);
}

/** One browser for the staff pages: keeps the session cookie between requests, posts forms from the page's own origin. */
export function staffClient(env: TestApp) {
  let cookie: string | null = null;
  const remember = (response: LightMyRequestResponse) => {
    const set = sessionCookieOf(response);
    if (set) cookie = set.value === '' ? null : set.value;
    return response;
  };
  const headers = (): Record<string, string> => ({ host: HOST, ...(cookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {}) });
  return {
    get cookie() {
      return cookie;
    },
    async get(url: string) {
      return remember(await env.app.inject({ url, headers: headers() }));
    },
    async post(url: string, fields: Record<string, string>, extra: Record<string, string> = { origin: OWN_ORIGIN }) {
      return remember(
        await env.app.inject({
          method: 'POST',
          url,
          headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded', ...extra },
          payload: new URLSearchParams(fields).toString(),
        }),
      );
    },
    /** The CSRF value of the first form on a page. */
    async csrf(url: string) {
      return (await this.eventForm(url)).csrf;
    },
    /** The CSRF value and idempotency key (`schluessel`, '' without one) of the page's first form. */
    async eventForm(url: string) {
      const page = await this.get(url);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
      const key = /name="schluessel" value="([^"]+)"/.exec(page.body)?.[1];
      if (!csrf) throw new Error(`no form on ${url}: ${page.statusCode} ${page.body}`);
      return { csrf, key: key ?? '' };
    },
    async signIn(token: string, returnPath?: string) {
      const csrf = await this.csrf('/anmelden');
      return this.post('/anmelden', { _csrf: csrf, token, ...(returnPath ? { zurueck: returnPath } : {}) });
    },
    /** Signs in and fails unless the sign-in was taken (303 onwards). */
    async signedIn(token: string) {
      const response = await this.signIn(token);
      if (response.statusCode !== 303) throw new Error(`sign-in: ${response.statusCode}`);
      return response;
    },
    async signOut() {
      return this.post('/abmelden', { _csrf: await this.csrf('/verwaltung') });
    },
  };
}
