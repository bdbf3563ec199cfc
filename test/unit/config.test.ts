import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

t.test('defaults', async (t) => {
  const config = loadConfig({});
  t.match(config, { port: 3000, host: '127.0.0.1', databaseUrl: null, logLevel: 'info', adminToken: null, loadFixtureDirectory: true });
  t.ok(config.dataDir.endsWith('/data'));
  t.ok(Object.isFrozen(config));
});

t.test('an invalid value names its variable', async (t) => {
  const cases: [Record<string, string>, string][] = [
    [{ PORT: 'dreitausend' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ EFA_ADMIN_TOKEN: 'short' }, 'EFA_ADMIN_TOKEN'],
    [{ LOAD_FIXTURE_DIRECTORY: 'vielleicht' }, 'LOAD_FIXTURE_DIRECTORY'],
    [{ JOB_CONCURRENCY: '0' }, 'JOB_CONCURRENCY'],
    [{ MAIL_MESSAGE_ID_DOMAIN: 'efa-rollout' }, 'MAIL_MESSAGE_ID_DOMAIN'],
    [{ MAIL_FROM: 'EfA <efa-rollout@localhost>' }, 'MAIL_FROM'],
    [{ MAIL_FROM: 'EfA-Rollout ohne Adresse' }, 'MAIL_FROM'],
    [{ MULTIPLIER_EMAILS: 'kaz@zit-bb.example\nBcc: alle@example.org' }, 'MULTIPLIER_EMAILS'],
    [{ MULTIPLIER_EMAILS: 'kaz@zit-bb.example; lkt@landkreistag.example' }, 'MULTIPLIER_EMAILS'],
    [{ MULTIPLIER_EMAILS: 'Kaz <kaz@zit-bb.example>' }, 'MULTIPLIER_EMAILS'],
    [{ SLA_OFFICE_HOURS: 'Montag bis Freitag' }, 'SLA_OFFICE_HOURS'],
    [{ SLA_OFFICE_HOURS: 'Mo-Fr 16:00-08:00' }, 'SLA_OFFICE_HOURS'],
    [{ TICKET_REOPEN_DAYS: '0' }, 'TICKET_REOPEN_DAYS'],
    [{ KAZ_QUEUE_EMAIL: 'kaz@zit-bb.example, chef@zit-bb.example' }, 'KAZ_QUEUE_EMAIL'],
    [{ KAZ_QUEUE_EMAIL: 'kaz@zit-bb.example\r\nBcc: x@y.example' }, 'KAZ_QUEUE_EMAIL'],
  ];
  for (const [env, variable] of cases) {
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      caught = error;
    }
    t.ok(caught instanceof ConfigError, `${variable} is refused`);
    t.equal((caught as ConfigError).variable, variable);
    t.match((caught as ConfigError).message, variable);
  }
});

t.test('values are read', async (t) => {
  const config = loadConfig({ PORT: '8080', HOST: '0.0.0.0', DATABASE_URL: 'postgres://u@h/db', LOG_LEVEL: 'DEBUG', LOAD_FIXTURE_DIRECTORY: 'false' });
  t.match(config, { port: 8080, host: '0.0.0.0', databaseUrl: 'postgres://u@h/db', logLevel: 'debug', loadFixtureDirectory: false });
});

t.test('the Message-ID domain: configured, else the sender address domain', async (t) => {
  t.equal(loadConfig({}).messageIdDomain, 'land-brandenburg.example');
  t.equal(loadConfig({ MAIL_FROM: 'MSGIV <OZG@MSGIV.Brandenburg.de>' }).messageIdDomain, 'msgiv.brandenburg.de');
  t.equal(loadConfig({ MAIL_FROM: 'ozg@msgiv.example' }).messageIdDomain, 'msgiv.example');
  t.equal(
    loadConfig({ MAIL_FROM: 'EfA <efa-rollout@localhost>', MAIL_MESSAGE_ID_DOMAIN: 'mail.land.example' }).messageIdDomain,
    'mail.land.example',
    'a configured domain makes an unqualified sender domain acceptable',
  );
});

t.test('ticket SLA office hours and reopen period', async (t) => {
  const defaults = loadConfig({});
  t.same(defaults.slaOfficeHours.weekdays, [1, 2, 3, 4, 5]);
  t.match(defaults.slaOfficeHours, { start: '08:00', end: '16:00' });
  t.equal(defaults.ticketReopenDays, 14);
  const custom = loadConfig({ SLA_OFFICE_HOURS: 'Mo-Do 07:30-15:30', TICKET_REOPEN_DAYS: '30' });
  t.same(custom.slaOfficeHours.weekdays, [1, 2, 3, 4]);
  t.equal(custom.ticketReopenDays, 30);
  t.equal(defaults.kazQueueEmail, 'kaz@zit-bb.example', 'a reserved example domain: nothing real by default');
  t.equal(loadConfig({ KAZ_QUEUE_EMAIL: ' tickets@zit-brandenburg.de ' }).kazQueueEmail, 'tickets@zit-brandenburg.de');
});

t.test('ticket notices: gathering window and replies per day (issue 14, point 11)', async (t) => {
  const defaults = loadConfig({});
  t.equal(defaults.ticketNoticeGatherMinutes, 5);
  t.equal(defaults.ticketRepliesPerDay, 20);
  const custom = loadConfig({ TICKET_NOTICE_GATHER_MINUTES: '0', TICKET_REPLIES_PER_DAY: '3' });
  t.equal(custom.ticketNoticeGatherMinutes, 0, 'zero: one mail per reply');
  t.equal(custom.ticketRepliesPerDay, 3);
  t.throws(() => loadConfig({ TICKET_NOTICE_GATHER_MINUTES: '61' }), /TICKET_NOTICE_GATHER_MINUTES/);
  t.throws(() => loadConfig({ TICKET_REPLIES_PER_DAY: '0' }), /TICKET_REPLIES_PER_DAY/);
});

t.test('the ministries table: defaults, the operator file laid over them, a broken file stops the start', async (t) => {
  const defaults = loadConfig({}).ministryNames;
  t.equal(defaults.MGS, 'Ministerium für Gesundheit und Soziales', 'the 2024 cabinet');
  t.equal(defaults.MSGIV, 'Ministerium für Soziales, Gesundheit, Integration und Verbraucherschutz', 'the older codes solutions still carry');
  t.equal(defaults.MWAE, 'Ministerium für Wirtschaft, Arbeit und Energie');
  t.equal(defaults.MLUK, 'Ministerium für Landwirtschaft, Umwelt und Klimaschutz');
  t.equal(defaults.MdJ, 'Ministerium der Justiz');
  t.equal(defaults.MdJD, 'Ministerium der Justiz und für Digitalisierung');

  const dir = mkdtempSync(join(tmpdir(), 'efa-ministries-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const own = loadConfig({ MINISTRIES_FILE: file('ok.json', JSON.stringify({ MSGIV: ' Ministerium für Test ', MNEU: 'Ministerium für Neues' })) }).ministryNames;
  t.equal(own.MSGIV, 'Ministerium für Test', 'an entry corrects a name (trimmed)');
  t.equal(own.MNEU, 'Ministerium für Neues', 'and adds a code');
  t.equal(own.MGS, defaults.MGS, 'the rest stays');
  t.ok(Object.isFrozen(own));

  for (const [name, content, says] of [
    ['broken.json', '{"MGS": ', /kein gültiges JSON/],
    ['list.json', '["MGS"]', /JSON-Objekt/],
    ['code.json', '{"M G S": "Ministerium"}', /„M G S“ ist kein Kürzel/],
    ['empty.json', '{"MGS": "  "}', /Name zu „MGS“/],
    ['lines.json', '{"MGS": "Ministerium\\nfür Gesundheit"}', /Name zu „MGS“/],
    ['number.json', '{"MGS": 42}', /Name zu „MGS“/],
  ] as const) {
    t.throws(() => loadConfig({ MINISTRIES_FILE: file(name, content) }), { name: 'ConfigError', variable: 'MINISTRIES_FILE', message: says }, name);
  }
  t.throws(() => loadConfig({ MINISTRIES_FILE: join(dir, 'fehlt.json') }), { variable: 'MINISTRIES_FILE', message: /lässt sich nicht lesen \(ENOENT\)/ });
});
