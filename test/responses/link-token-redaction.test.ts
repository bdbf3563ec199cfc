/**
 * Issue 14, point 8: an answer link's token never reaches the log or an error body,
 * whatever a mail client, a person or an attacker makes of the link. A real app with the
 * service's own logger (src/logging/logger.ts) writing into a stream, real HTTP over a
 * socket (so that `..` and `//` reach the server as sent), every log line read.
 */
import t from 'tap';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/logging/logger.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { insertBareMailing } from '../helpers/rows.ts';
import { issueLinkPath } from '../helpers/links.ts';
import { createSolution } from '../helpers/rollout.ts';

const POTSDAM = '120540000000';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with the path exactly as given (no URL normalisation as fetch would do). */
function rawRequest(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Pieces of the token a partial leak would show (a third of it is still 14 characters of a credential). */
const piecesOf = (token: string) => [token, token.slice(0, 14), token.slice(14, 28), token.slice(-14)];

for (const kind of databaseKinds()) {
  t.test(`${kind}: no path under /antwort/ puts its token into a log line or an error body`, async (t) => {
    const lines: string[] = [];
    const logger = createLogger({ logLevel: 'trace', logFormat: 'json' }, { isTTY: false }, { write: (line: string) => void lines.push(line) });
    const env = await buildTestApp(t, kind, { logger });
    const ministry = await env.ministryToken('MSGIV');
    const solutionId = await createSolution(env, ministry);
    const started = await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${solutionId}/events`, headers: bearer(ministry), payload: { type: 'ERSTINFORMATION_STARTEN' } });
    t.equal(started.statusCode, 200, started.body);
    const mailingId = await insertBareMailing(env.handle.db, solutionId);
    const linkPath = await issueLinkPath(env, { solutionId, mailingId, ars: POTSDAM, purpose: 'interesse' });
    const token = linkPath.split('/').pop()!;
    t.match(token, /^[A-Za-z0-9_-]{43}$/);

    await env.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = env.app.server.address() as AddressInfo;
    const page = await rawRequest(port, 'GET', linkPath);
    t.equal(page.status, 200, 'the link itself opens its page');

    // Every form a link takes on its way: what a mail client appends, what a person
    // mistypes, what an attacker tries.
    const notFound: Array<[string, string, Record<string, string>?]> = [
      ['GET', `/antwort/${token}/x`],
      ['GET', `/antwort/${token}/problem/x`],
      ['GET', `/antwort/${token}/tickets/abc/`],
      ['GET', `/antwort/${token}//`],
      ['GET', `/antwort/../${token}`],
      ['GET', `/antwort/..%2F${token}`],
      ['GET', `/antwort%2F${token}`],
      ['GET', `/antwort%2f${token}/`],
      ['GET', `/%61ntwort/${token}/x`],
      ['GET', `//antwort/${token}/`],
      ['GET', `/antwort\\${token}`],
      ['GET', `/ANTWORT/${token}/`],
      ['GET', `/antwort/${token}/x?ref=${token}`],
      ['POST', `/antwort/${token}/`, { 'content-type': 'application/x-www-form-urlencoded' }],
      ['DELETE', `/antwort/${token}`],
    ];
    for (const [method, path, headers] of notFound) {
      const before = lines.length;
      const response = await rawRequest(port, method, path, headers);
      const label = `${method} ${path.replace(token, '<t>').replace(token, '<t>')}`;
      t.equal(response.status, 404, `${label}: 404`);
      t.match(response.headers['content-type'], /^text\/html; charset=utf-8/, `${label}: the German HTML page`);
      t.match(response.body, /<html lang="de"/, `${label}: German`);
      t.equal(response.headers['cache-control'], 'no-store', `${label}: no-store`);
      t.equal(response.headers['referrer-policy'], 'same-origin', `${label}: the pages' Referrer-Policy`);
      t.match(response.headers['content-security-policy'], /default-src 'none'/, `${label}: the pages' CSP`);
      for (const piece of piecesOf(token)) t.notOk(response.body.includes(piece), `${label}: no piece of the token in the body`);
      const logged = lines.slice(before);
      t.ok(logged.some((line) => JSON.parse(line).req?.url === '/antwort/[verborgen]'), `${label}: the request is logged, its URL redacted`);
    }

    // A trailing slash added by a mail client leads to the page, as does the slash after a sub-page.
    const redirects: Array<[string, string]> = [
      [`/antwort/${token}/`, `../${token}`],
      [`/antwort/${token}/problem/`, '../problem'],
      [`/antwort/${token}/tickets/7/`, '../7'],
    ];
    for (const [path, location] of redirects) {
      for (const method of ['GET', 'HEAD']) {
        const response = await rawRequest(port, method, path);
        const label = `${method} ${path.replace(token, '<t>')}`;
        t.equal(response.status, 301, `${label}: redirected`);
        t.equal(response.headers.location, location, `${label}: relative Location, as the pages' own links`);
        t.equal(response.headers['cache-control'], 'no-store');
        t.equal(response.headers['referrer-policy'], 'same-origin');
        t.equal(response.body, '');
        const target = new URL(location, `http://127.0.0.1:${port}${path}`).pathname;
        const followed = await rawRequest(port, method, target);
        if (path === `/antwort/${token}/`) {
          t.equal(followed.status, 200, `${label}: the link's page`);
          if (method === 'GET') t.equal(followed.body.replace(/value="[^"]*"/g, ''), page.body.replace(/value="[^"]*"/g, ''), 'the same page as the link without the slash');
        }
        if (path.endsWith('/problem/')) t.equal(followed.status, 200, `${label}: the problem form`);
        if (path.includes('/tickets/')) t.equal(followed.status, 404, `${label}: reaches the ticket route (this link has no tickets)`);
      }
    }

    // Undecodable escapes, a header too large for Node's parser: errors before any route.
    const badEscape = await rawRequest(port, 'GET', `/antwort/%E0%A4%A/${token}`);
    t.equal(badEscape.status, 400);
    t.match(badEscape.headers['content-type'], /^text\/html/);
    t.equal(badEscape.headers['referrer-policy'], 'same-origin');
    const overflow = await rawRequest(port, 'GET', `/antwort/${token}/x`, { 'x-padding': 'p'.repeat(20_000) });
    t.equal(overflow.status, 431);
    t.match(overflow.headers['content-type'], /^text\/html/);
    for (const response of [badEscape, overflow]) for (const piece of piecesOf(token)) t.notOk(response.body.includes(piece));

    // The API's problems name no path either (no `instance`, no path in `detail`).
    const apiProbe = `/api/v1/unbekannt/${token}`;
    const api404 = await rawRequest(port, 'GET', apiProbe);
    t.equal(api404.status, 404);
    t.match(api404.headers['content-type'], /^application\/problem\+json/);
    const problem = JSON.parse(api404.body);
    t.notOk('instance' in problem, 'no instance member');
    t.notOk(api404.body.includes('unbekannt'), `the path is not echoed: ${problem.detail}`);
    const unknownSolution = await rawRequest(port, 'GET', `/api/v1/solutions/${token}`, bearer(ministry));
    t.ok(unknownSolution.status >= 400 && unknownSolution.status < 500, String(unknownSolution.status));
    t.notOk(unknownSolution.body.includes(token), 'an id that is no solution is not echoed');

    await env.app.close();
    t.ok(lines.length > 40, `log lines were captured (${lines.length})`);
    const log = lines.join('');
    for (const piece of piecesOf(token)) t.notOk(log.includes(piece), `no piece of the token in any log line (${piece.length} characters)`);
    t.match(log, /"url":"\/antwort\/\[verborgen\]"/);
  });
}
