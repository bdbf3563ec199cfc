/**
 * A small browser over real HTTP for flows across two servers (the service and an
 * OpenID provider): fetch without following redirects, a cookie jar per host with paths
 * and expiry as a browser keeps them (SameSite is the real browser's concern: see the
 * Chromium test), and `follow` to walk redirects until a stop condition.
 */

interface StoredCookie {
  value: string;
  path: string;
  expires: number | null;
}

export interface Page {
  url: URL;
  status: number;
  headers: Headers;
  body: string;
}

export class CookieBrowser {
  private readonly jar = new Map<string, Map<string, StoredCookie>>();

  /** The cookie as the jar holds it for this URL's host (any path). */
  cookie(url: string | URL, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name)?.value;
  }

  forget(url: string | URL, name: string): void {
    this.jar.get(new URL(url).host)?.delete(name);
  }

  private cookieHeader(url: URL): string {
    const cookies = this.jar.get(url.host);
    if (!cookies) return '';
    const now = Date.now();
    const pairs: string[] = [];
    for (const [name, cookie] of cookies) {
      if (cookie.expires !== null && cookie.expires <= now) {
        cookies.delete(name);
        continue;
      }
      if (url.pathname === cookie.path || url.pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`)) pairs.push(`${name}=${cookie.value}`);
    }
    return pairs.join('; ');
  }

  private store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      let path = '/';
      let expires: number | null = null;
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=');
        const text = rest.join('=');
        if (key.toLowerCase() === 'path') path = text || '/';
        if (key.toLowerCase() === 'max-age') expires = Date.now() + Number(text) * 1000;
        if (key.toLowerCase() === 'expires' && expires === null) expires = Date.parse(text);
      }
      const cookies = this.jar.get(url.host) ?? new Map<string, StoredCookie>();
      this.jar.set(url.host, cookies);
      if (expires !== null && expires <= Date.now()) cookies.delete(name);
      else cookies.set(name, { value, path, expires });
    }
  }

  async request(url: string | URL, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Page> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const response = await fetch(target, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, redirect: 'manual', ...(body !== undefined ? { body } : {}) });
    this.store(target, response.headers);
    return { url: target, status: response.status, headers: response.headers, body: await response.text() };
  }

  /** Follows redirects from `page` until `stop(url)` says so (that URL is not requested) or a page is no redirect. */
  async follow(page: Page, stop: (url: URL) => boolean = () => false, limit = 20): Promise<{ page: Page; stoppedAt: URL | null }> {
    let current = page;
    for (let hop = 0; hop < limit; hop++) {
      const location = current.headers.get('location');
      if (current.status < 300 || current.status >= 400 || !location) return { page: current, stoppedAt: null };
      const next = new URL(location, current.url);
      if (stop(next)) return { page: current, stoppedAt: next };
      current = await this.request(next);
    }
    throw new Error(`more than ${limit} redirects from ${page.url.href}`);
  }
}

/** The form on a page (its action, resolved, and its hidden and given fields), by a part of its action. */
export function formOf(page: Page, actionContains = ''): { action: URL; fields: Record<string, string> } {
  const forms = [...page.body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
  for (const [, attributes = '', inner = ''] of forms) {
    const action = /action="([^"]*)"/.exec(attributes)?.[1] ?? '';
    if (!action.includes(actionContains)) continue;
    const fields: Record<string, string> = {};
    for (const [, input = ''] of inner.matchAll(/<input\b([^>]*)>/g)) {
      const name = /name="([^"]*)"/.exec(input)?.[1];
      const value = /value="([^"]*)"/.exec(input)?.[1] ?? '';
      if (name) fields[name] = value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
    }
    return { action: new URL(action.replace(/&amp;/g, '&'), page.url), fields };
  }
  throw new Error(`no form with action containing "${actionContains}" on ${page.url.href}:\n${page.body.slice(0, 500)}`);
}
