import type { LightMyRequestResponse } from 'fastify';
import { SESSION_COOKIE } from '../../src/web/staff.routes.ts';
import type { TestApp } from './app.ts';
import { OWN_ORIGIN } from './forms.ts';

/** A staff form with repeated fields (checkboxes), sent with the client's session cookie from the page's own origin. */
export function postPairs(env: TestApp, client: { cookie: string | null }, url: string, pairs: Array<[string, string]>): Promise<LightMyRequestResponse> {
  return env.app.inject({
    method: 'POST',
    url,
    headers: {
      host: new URL(OWN_ORIGIN).host,
      origin: OWN_ORIGIN,
      'content-type': 'application/x-www-form-urlencoded',
      ...(client.cookie ? { cookie: `${SESSION_COOKIE}=${client.cookie}` } : {}),
    },
    payload: new URLSearchParams(pairs).toString(),
  });
}

/** The CSRF value and idempotency key of a page's first form that has both. */
export function formValues(body: string): { csrf: string; key: string } {
  const csrf = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
  const key = /name="schluessel" value="([^"]+)"/.exec(body)?.[1];
  if (!csrf || !key) throw new Error(`no form: ${body.slice(0, 500)}`);
  return { csrf, key };
}
