import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { DataDirLockedError } from '../../src/db/data-dir.lock.ts';
import { resolveLogFormat } from '../../src/logging/logger.ts';
import { renderAdminTokenBanner } from '../../src/logging/admin-token.banner.ts';
import { describeDatabaseUrl, describeStartFailure } from '../../src/logging/start-failure.ts';

t.test('logs are readable lines on a terminal and JSON everywhere else, unless LOG_FORMAT says so', async (t) => {
  t.equal(resolveLogFormat('auto', true), 'pretty');
  t.equal(resolveLogFormat('auto', false), 'json');
  t.equal(resolveLogFormat('json', true), 'json', 'e.g. `docker run -t` with a log collector');
  t.equal(resolveLogFormat('pretty', false), 'pretty');
  t.equal(loadConfig({}).logFormat, 'auto');
  t.equal(loadConfig({ LOG_FORMAT: 'JSON' }).logFormat, 'json');
});

t.test('the admin token stands in a frame with what to do with it', async (t) => {
  const token = 'efa_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const banner = renderAdminTokenBanner(token, 'http://127.0.0.1:3000');
  const lines = banner.split('\n').filter(Boolean);
  t.match(lines[0], /^┌─+┐$/);
  t.match(lines.at(-1), /^└─+┘$/);
  t.equal(new Set(lines.map((line) => line.length)).size, 1, 'every line of the frame has the same width');
  t.ok(lines.some((line) => new RegExp(`^│\\s+${token}\\s+│$`).test(line)), 'the token alone on its line, easy to copy');
  t.match(banner, /nur dieses eine Mal/);
  t.match(banner, /Authorization: Bearer/);
  t.match(banner, /POST \/api\/v1\/admin\/tokens/);
  t.match(banner, /http:\/\/127\.0\.0\.1:3000\/docs/);
  t.match(banner, /create-token --role admin/, 'what to do when it is lost');
});

t.test('a failed start is one German line that says what to do', async (t) => {
  type Target = { port: number; host: string; dataDir: string; databaseUrl: string | null };
  const pglite: Target = { port: 3000, host: '127.0.0.1', dataDir: '/srv/efa/data', databaseUrl: null };
  const postgres = { ...pglite, databaseUrl: 'postgres://efa:geheim@db.intern:5433/efa' };
  const systemError = (code: string, extra: object = {}) => Object.assign(new Error(`${code} whatever`), { code, ...extra });
  const cases: Array<[unknown, Target, RegExp]> = [
    [systemError('EADDRINUSE', { syscall: 'listen' }), pglite, /Port 3000 auf 127\.0\.0\.1 ist schon belegt.*PORT=/],
    [systemError('EACCES', { syscall: 'listen' }), pglite, /Keine Berechtigung für Port 3000/],
    [systemError('EADDRNOTAVAIL', { syscall: 'listen' }), pglite, /HOST=127\.0\.0\.1 ist keine Adresse/],
    [systemError('EACCES', { syscall: 'mkdir', path: '/srv/efa/data' }), pglite, /Keine Schreibberechtigung für \/srv\/efa\/data.*DATA_DIR/],
    [systemError('EROFS', { syscall: 'open' }), pglite, /schreibgeschützt.*DATA_DIR/],
    [systemError('ENOSPC'), pglite, /Kein Platz/],
    [new DataDirLockedError('/srv/efa/data', 4711), pglite, /Prozess 4711/],
    [new ConfigError('PORT', 'kaputt'), pglite, /PORT/],
    // The migrator wraps the driver's error; the cause chain is searched.
    [new Error('Migration ? fehlgeschlagen: connect ECONNREFUSED', { cause: systemError('ECONNREFUSED') }), postgres, /PostgreSQL db\.intern:5433\/efa .*nimmt keine Verbindung an/],
    [new AggregateError([systemError('ECONNREFUSED')]), postgres, /nimmt keine Verbindung an/],
    [systemError('ENOTFOUND', { syscall: 'getaddrinfo', hostname: 'db.intern' }), postgres, /Den Rechner aus DATABASE_URL/],
    [systemError('28P01'), postgres, /Anmeldung abgelehnt.*Passwort/],
    [systemError('3D000'), postgres, /gibt es nicht.*createdb/],
    [new Error('etwas Unerwartetes\nzweite Zeile'), pglite, /etwas Unerwartetes zweite Zeile.*LOG_LEVEL=debug/],
  ];
  for (const [error, config, expected] of cases) {
    const line = describeStartFailure(error, config);
    t.match(line, /^efa-rollout startet nicht: /);
    t.match(line, expected);
    t.notOk(line.includes('\n'), 'one line');
    t.notOk(line.includes('geheim'), 'never the password');
  }
  t.equal(describeDatabaseUrl('postgres://efa:geheim@db.intern/efa'), 'db.intern:5432/efa (Benutzer efa)');
});

t.test('timeouts, rate limits and trusted proxies are configured and checked at start', async (t) => {
  const defaults = loadConfig({});
  t.match(defaults, { requestTimeoutMs: 30_000, rateLimitApiPerMinute: 1200, rateLimitAnswerPagesPerMinute: 120, trustProxy: false });
  const set = loadConfig({ REQUEST_TIMEOUT_MS: '5000', RATE_LIMIT_API_PER_MINUTE: '0', RATE_LIMIT_ANSWER_PAGES_PER_MINUTE: '30', TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,loopback' });
  t.match(set, { requestTimeoutMs: 5000, rateLimitApiPerMinute: 0, rateLimitAnswerPagesPerMinute: 30 });
  t.same(set.trustProxy, ['10.0.0.0/8', '127.0.0.1', 'loopback']);
  for (const [variable, value] of [
    ['REQUEST_TIMEOUT_MS', '10'],
    ['RATE_LIMIT_API_PER_MINUTE', 'viele'],
    ['RATE_LIMIT_ANSWER_PAGES_PER_MINUTE', '-1'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '2'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['LOG_FORMAT', 'bunt'],
  ] as const) {
    let caught: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      caught = error;
    }
    t.ok(caught instanceof ConfigError && caught.variable === variable, `${variable}=${value} refused`);
  }
});
