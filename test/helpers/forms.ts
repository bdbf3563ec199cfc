import type { TestApp } from './app.ts';

/** The Host the tests' requests carry: a POST from this origin is same-origin. */
export const OWN_ORIGIN = 'http://efa.internal:3000';

/** A form post as a browser sends it from the page itself (same Origin); `headers` replaces the Origin. */
export function postForm(env: TestApp, path: string, fields: Array<[string, string]>, headers: Record<string, string> = { origin: OWN_ORIGIN }) {
  return env.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded', host: new URL(OWN_ORIGIN).host, ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

/** The CSRF token of the form on a page; fails when the page has no form. */
export async function csrfOf(env: TestApp, path: string): Promise<string> {
  const page = await env.app.inject({ url: path });
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error(`no form on ${path}: ${page.statusCode} ${page.body}`);
  return csrf;
}
