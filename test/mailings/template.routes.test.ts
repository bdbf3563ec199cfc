import t from 'tap';
import { NotFoundError } from '../../src/errors/domain.errors.ts';
import { DEFAULT_TEMPLATES } from '../../src/mailings/default-templates.ts';
import { renderForRecipient } from '../../src/mailings/template.service.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';

const POTSDAM = '120540000000';

const custom = {
  subject: 'Elterngeld digital für {{ behoerde.name }}',
  textBody: 'Guten Tag,\nKosten: {{kosten}}\nFrist: {{frist}}\nInteresse: {{link.interesse}}',
  htmlBody: '<p>Guten Tag, {{behoerde.name}}.</p><p><a href="{{link.interesse}}">Interesse bekunden</a></p>',
};

for (const kind of databaseKinds()) {
  t.test(`${kind}: a ministry edits the texts of its solution`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { app } = env;
    const db = env.handle.db;
    const msgiv = await env.ministryToken('MSGIV');
    const mik = await env.ministryToken('MIK');
    const admin = env.adminToken;

    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/solutions',
      headers: bearer(msgiv),
      payload: { title: 'Elterngeld digital', ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } },
    });
    t.equal(created.statusCode, 201, created.body);
    const id: string = created.json().id;
    const base = `/api/v1/solutions/${id}`;

    const initial = await app.inject({ url: `${base}/templates`, headers: bearer(msgiv) });
    t.equal(initial.statusCode, 200, initial.body);
    t.same(
      initial.json().items.map((item: { kind: string; custom: boolean }) => [item.kind, item.custom]),
      Object.keys(DEFAULT_TEMPLATES).map((k) => [k, false]),
      'every kind, all defaults',
    );
    t.ok(initial.json().placeholders.includes('link.busbb'));

    const saved = await app.inject({ method: 'PUT', url: `${base}/templates/erstinformation`, headers: bearer(msgiv), payload: custom });
    t.equal(saved.statusCode, 200, saved.body);
    t.match(saved.json(), { ...custom, kind: 'erstinformation', custom: true, updatedBy: /MSGIV/ });
    const one = await app.inject({ url: `${base}/templates/erstinformation`, headers: bearer(msgiv) });
    t.match(one.json(), { subject: custom.subject, custom: true, links: ['interesse', 'pilot'] });

    const unknown = await app.inject({
      method: 'PUT',
      url: `${base}/templates/erstinformation`,
      headers: bearer(msgiv),
      payload: { ...custom, subject: 'Neuer Betreff', textBody: 'Hallo {{behoerde.anschrift}}' },
    });
    t.equal(unknown.statusCode, 422);
    t.match(unknown.headers['content-type'], /application\/problem\+json/);
    t.equal(unknown.json().errors[0].field, '/body/textBody');
    t.match(unknown.json().errors[0].message, '{{behoerde.anschrift}}');
    const afterRefusal = await app.inject({ url: `${base}/templates/erstinformation`, headers: bearer(msgiv) });
    t.equal(afterRefusal.json().subject, custom.subject, 'nothing saved');

    const blank = await app.inject({ method: 'PUT', url: `${base}/templates/pilotaufruf`, headers: bearer(msgiv), payload: { ...custom, subject: ' ' } });
    t.equal(blank.statusCode, 422);
    t.equal(blank.json().errors[0].field, '/body/subject');
    t.equal((await app.inject({ url: `${base}/templates/pilotaufruf`, headers: bearer(msgiv) })).json().custom, false);
    const extra = await app.inject({ method: 'PUT', url: `${base}/templates/pilotaufruf`, headers: bearer(msgiv), payload: { ...custom, from: 'x' } });
    t.equal(extra.statusCode, 422);
    t.equal((await app.inject({ url: `${base}/templates/rundschreiben`, headers: bearer(msgiv) })).statusCode, 422, 'unknown kind');

    const details = { kontaktName: 'Erika Mustermann', kontaktEmail: 'erika@msgiv.example', kosten: '0,10 € je Antrag', sachstand: ' ' };
    const detailsSaved = await app.inject({ method: 'PUT', url: `${base}/mail-details`, headers: bearer(msgiv), payload: details });
    t.equal(detailsSaved.statusCode, 200, detailsSaved.body);
    const expectedDetails = { kontaktName: 'Erika Mustermann', kontaktEmail: 'erika@msgiv.example', kosten: '0,10 € je Antrag' };
    t.same(detailsSaved.json(), expectedDetails, 'blank values dropped');
    const row = await db.selectFrom('solution').select('mail_details').where('id', '=', id).executeTakeFirstOrThrow();
    t.same(row.mail_details, expectedDetails);
    t.same((await app.inject({ url: `${base}/mail-details`, headers: bearer(msgiv) })).json(), expectedDetails);
    const tooLong = await app.inject({ method: 'PUT', url: `${base}/mail-details`, headers: bearer(msgiv), payload: { kosten: 'x'.repeat(2001) } });
    t.equal(tooLong.statusCode, 422);
    t.equal(tooLong.json().errors[0].field, '/body/kosten');
    const unknownDetail = await app.inject({ method: 'PUT', url: `${base}/mail-details`, headers: bearer(msgiv), payload: { iban: 'DE00' } });
    t.equal(unknownDetail.statusCode, 422);

    const potsdam = await db.selectFrom('authority').select('name').where('ars', '=', POTSDAM).executeTakeFirstOrThrow();
    const mail = await renderForRecipient(db, {
      solutionId: id,
      kind: 'erstinformation',
      ars: POTSDAM,
      frist: '2027-01-15',
      links: { interesse: 'https://efa.example/r/1?a=1&b=2' },
    });
    t.equal(mail.subject, `Elterngeld digital für ${potsdam.name}`);
    t.equal(mail.text, 'Guten Tag,\nKosten: 0,10 € je Antrag\nFrist: 15. Januar 2027\nInteresse: https://efa.example/r/1?a=1&b=2');
    t.match(mail.html, '<a href="https://efa.example/r/1?a&#61;1&#38;b&#61;2">Interesse bekunden</a>');
    t.match(mail.html, /<html lang="de">/);
    const pilotaufruf = await renderForRecipient(db, { solutionId: id, kind: 'pilotaufruf', ars: POTSDAM, frist: null, links: {} });
    t.match(pilotaufruf.subject, 'Pilotbehörden gesucht', 'a kind without its own text uses the default');
    t.match(pilotaufruf.text, 'Voraussichtliche Kosten: 0,10 € je Antrag');
    t.match(pilotaufruf.text, 'Erika Mustermann');
    await t.rejects(
      renderForRecipient(db, { solutionId: id, kind: 'erstinformation', ars: '129999999999', frist: null, links: {} }),
      NotFoundError,
      'unknown authority',
    );

    for (const [method, url, payload] of [
      ['GET', `${base}/templates`, undefined],
      ['GET', `${base}/templates/erstinformation`, undefined],
      ['PUT', `${base}/templates/erstinformation`, custom],
      ['DELETE', `${base}/templates/erstinformation`, undefined],
      ['GET', `${base}/mail-details`, undefined],
      ['PUT', `${base}/mail-details`, { kosten: 'keine' }],
    ] as const) {
      const foreign = await app.inject({ method, url, headers: bearer(mik), ...(payload ? { payload } : {}) });
      t.equal(foreign.statusCode, 404, `another ministry: ${method} ${url.slice(base.length)}`);
    }
    t.equal((await app.inject({ url: `${base}/templates/erstinformation`, headers: bearer(admin) })).json().custom, true, 'the MIK changed nothing; admins see it');
    t.equal((await app.inject({ url: `/api/v1/solutions/${crypto.randomUUID()}/templates`, headers: bearer(admin) })).statusCode, 404);

    const reset = await app.inject({ method: 'DELETE', url: `${base}/templates/erstinformation`, headers: bearer(msgiv) });
    t.equal(reset.statusCode, 204);
    const afterReset = await app.inject({ url: `${base}/templates/erstinformation`, headers: bearer(msgiv) });
    t.match(afterReset.json(), { ...DEFAULT_TEMPLATES.erstinformation, custom: false, updatedBy: null });
    t.equal((await app.inject({ method: 'DELETE', url: `${base}/templates/erstinformation`, headers: bearer(msgiv) })).statusCode, 204, 'idempotent');
  });
}
