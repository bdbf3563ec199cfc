import t, { type Test } from 'tap';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ServiceSettings } from '../../src/composition.ts';
import { createApiToken } from '../../src/auth/api-token.service.ts';
import { databaseKinds, openTestDatabase } from '../helpers/databases.ts';
import { composeTestService } from '../helpers/app.ts';
import type { DatabaseKind } from '../../src/db/database.ts';

/** One database per kind for the whole file (opening PGlite is the slow part); an app per test. */
async function appFactory(t: Test, kind: DatabaseKind) {
  const handle = await openTestDatabase(t, kind);
  return async (t: Test, http: ServiceSettings['http'] = {}) => {
    const { app } = await composeTestService(t, handle, { http });
    return { app, handle };
  };
}

/**
 * Sends the head of a POST and only part of its body, then nothing: what a stalled or
 * deliberately slow client does. Resolves with the raw answer and how long it took.
 */
function stallBody(port: number, path: string, headers: Record<string, string>): Promise<{ raw: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    socket.on('data', (chunk) => (raw += chunk.toString('utf8')));
    socket.on('close', () => resolve({ raw, ms: Date.now() - started }));
    socket.on('error', (error) => (raw ? undefined : reject(error)));
    const head = Object.entries({ host: `127.0.0.1:${port}`, 'content-length': '1000', ...headers })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n{"title":`);
    setTimeout(() => socket.destroy(), 15_000).unref();
  });
}

function parseRaw(raw: string) {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

for (const kind of databaseKinds()) t.test(kind, async (t) => {
  const appOn = await appFactory(t, kind);

  t.test(`${kind}: a request whose body does not arrive in time gets 408 instead of holding the connection`, async (t) => {
    const { app, handle } = await appOn(t, { requestTimeoutMs: 1000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const { token } = await createApiToken(handle.db, { role: 'admin', ministry: null, label: 'slow' });

    const [api, page] = await Promise.all([
      stallBody(port, '/api/v1/solutions', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }),
      stallBody(port, '/antwort/irgendein-token', { 'content-type': 'application/x-www-form-urlencoded' }),
    ]);
    const apiAnswer = parseRaw(api.raw);
    t.equal(apiAnswer.status, 408);
    t.equal(apiAnswer.headers['content-type'], 'application/problem+json');
    t.equal(Number(apiAnswer.headers['content-length']), Buffer.byteLength(apiAnswer.body), 'length in bytes (umlauts)');
    const problem = JSON.parse(apiAnswer.body);
    t.match(problem, { status: 408, title: 'Zeitüberschreitung' });
    t.notOk('instance' in problem, 'no error body names the path (issue 14, point 8)');
    // The socket gives up after 15 s: an answer at all is the 408 of REQUEST_TIMEOUT_MS (1 s here), not a held connection.
    t.comment(`answered after ${api.ms} ms`);

    const pageAnswer = parseRaw(page.raw);
    t.equal(pageAnswer.status, 408);
    t.match(pageAnswer.headers['content-type'], /^text\/html/);
    t.match(pageAnswer.body, /Die Übertragung hat zu lange gedauert/);
    t.notMatch(pageAnswer.body, /irgendein-token/, 'the link token is not echoed');
    t.match(pageAnswer.headers['content-security-policy'], /default-src 'none'/, 'the page keeps the security headers of the answer pages');
    t.equal(pageAnswer.headers['referrer-policy'], 'same-origin');
    t.equal(pageAnswer.headers['cache-control'], 'no-store');
    t.notOk(apiAnswer.headers['content-security-policy'], 'problem+json without the pages’ headers');

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    t.equal(health.status, 200, 'the service is unaffected');
  });

  t.test(`${kind}: API and answer pages are rate limited per client, each with its own count`, async (t) => {
    const { app } = await appOn(t, { rateLimit: { apiPerMinute: 3, answerPagesPerMinute: 2 } });

    const api = async (remoteAddress = '127.0.0.1', headers: Record<string, string> = {}) =>
      app.inject({ method: 'GET', url: '/api/v1/solutions', remoteAddress, headers });
    for (let i = 0; i < 3; i++) t.equal((await api()).statusCode, 401, 'within the limit: the usual answer');
    const limited = await api();
    t.equal(limited.statusCode, 429);
    t.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
    const retryAfter = Number(limited.headers['retry-after']);
    t.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    t.match(limited.json(), { status: 429, title: 'Zu viele Anfragen', retryAfterSeconds: retryAfter, requestId: String });
    t.equal((await api('192.0.2.7')).statusCode, 401, 'another client has its own count');

    const page = () => app.inject({ method: 'GET', url: '/antwort/unbekannter-link' });
    t.equal((await page()).statusCode, 404, 'the answer pages count apart from the API');
    t.equal((await page()).statusCode, 404);
    const tooMany = await page();
    t.equal(tooMany.statusCode, 429);
    t.match(tooMany.headers['content-type'], /^text\/html/);
    t.ok(Number(tooMany.headers['retry-after']) > 0, 'Retry-After');
    t.match(tooMany.body, /<html lang="de">/);
    t.match(tooMany.body, /Bitte warten Sie einen Moment/);
    t.match(tooMany.body, /in \d+ Sekunden erneut/);
    t.match(tooMany.headers['content-security-policy'], /default-src 'none'/, 'the pages keep their security headers');

    for (let i = 0; i < 10; i++) t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'readiness probes are not limited');
  });

  t.test(`${kind}: behind a named proxy the client is the one in X-Forwarded-For`, async (t) => {
    const { app } = await appOn(t, { rateLimit: { apiPerMinute: 1, answerPagesPerMinute: 1 }, trustProxy: ['127.0.0.1'] });
    const via = (client: string) => app.inject({ method: 'GET', url: '/api/v1/solutions', headers: { 'x-forwarded-for': client } });
    t.equal((await via('203.0.113.5')).statusCode, 401);
    t.equal((await via('203.0.113.6')).statusCode, 401, 'a second client behind the same proxy');
    t.equal((await via('203.0.113.5')).statusCode, 429);
    // From a client that is not a trusted proxy, X-Forwarded-For is not believed.
    const direct = (client: string) =>
      app.inject({ method: 'GET', url: '/api/v1/solutions', remoteAddress: '198.51.100.1', headers: { 'x-forwarded-for': client } });
    t.equal((await direct('203.0.113.7')).statusCode, 401);
    t.equal((await direct('203.0.113.8')).statusCode, 429, 'a forged header does not buy a new count');
  });


  t.test(`${kind}: without rate-limit settings (tests, benchmarks building the app) nothing is limited`, async (t) => {
    const { app } = await appOn(t);
    const answers = await Promise.all(Array.from({ length: 200 }, () => app.inject({ method: 'GET', url: '/api/v1/solutions' })));
    t.same(new Set(answers.map((answer) => answer.statusCode)), new Set([401]));
  });
});
