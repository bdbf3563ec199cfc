import t from 'tap';
import { simpleParser } from 'mailparser';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

/**
 * The Spitzenverbände and the Kaz get a copy of every first Erstinformation. It is
 * their own text – what the authorities were asked, by when, how many were written
 * to – and it carries no answer link: those belong to one authority each.
 */

const POTSDAM = '120540000000';
const COTTBUS = '120520000000';
const MULTIPLIERS = ['geschaeftsstelle@staedte-gemeindebund.example', 'kaz@zit-bb.example'];
const DEADLINE = '2099-01-15';

async function post(env: TestApp, token: string, url: string, payload: object) {
  return env.app.inject({ method: 'POST', url, headers: bearer(token), payload });
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: the multipliers' copy of the Erstinformation has its own wording and no links`, async (t) => {
    const sink = await startSmtpSink();
    t.teardown(() => sink.close());
    const env = await buildTestApp(t, kind, { smtpUrl: sink.url, multiplierEmails: MULTIPLIERS });
    const token = await env.ministryToken('MSGIV');
    // 18 Landkreise and kreisfreie Städte, one of them without an address: 17 are written to.
    await env.handle.db.updateTable('authority').set({ email: null }).where('ars', '=', COTTBUS).execute();
    const solution = (
      await post(env, token, '/api/v1/solutions', {
        title: 'Elterngeld digital',
        ozgId: '10310',
        leikaKeys: ['99036005000000'],
        responsibility: { level: 'kreis' },
      })
    ).json();
    const base = `/api/v1/solutions/${solution.id}`;
    const details = await env.app.inject({
      method: 'PUT',
      url: `${base}/mail-details`,
      headers: bearer(token),
      payload: { kontaktName: 'Referat 32', kontaktEmail: 'referat32@msgiv.example', sachstand: 'In Hessen produktiv.' },
    });
    t.equal(details.statusCode, 200, details.body);
    t.equal((await post(env, token, `${base}/events`, { type: 'ERSTINFORMATION_STARTEN' })).statusCode, 200);

    const preview = await post(env, token, `${base}/mailings/preview`, { kind: 'erstinformation', empfaenger: 'multiplikator', deadline: DEADLINE });
    t.equal(preview.statusCode, 200, preview.body);
    t.match(preview.json().subject, 'an 17 Behörden');
    t.equal(
      (await post(env, token, `${base}/mailings/preview`, { kind: 'pilotaufruf', empfaenger: 'multiplikator' })).json().errors?.[0]?.field,
      '/body/kind',
      'copies exist only of the Erstinformation',
    );
    t.equal((await post(env, token, `${base}/mailings/preview`, { kind: 'erstinformation' })).json().errors?.[0]?.field, '/body/ars');

    const created = await post(env, token, `${base}/mailings`, { kind: 'erstinformation', deadline: DEADLINE });
    t.equal(created.statusCode, 201, created.body);
    t.equal(created.json().messages, 17 + MULTIPLIERS.length);
    await env.worker.drain();
    t.equal(sink.messages.length, 17 + MULTIPLIERS.length);

    const copies = sink.messages.filter((m) => MULTIPLIERS.some((address) => m.envelopeTo.includes(address)));
    t.equal(copies.length, MULTIPLIERS.length, 'one copy per multiplier');
    for (const copy of copies) {
      const mail = await simpleParser(copy.raw);
      const text = mail.text ?? '';
      const html = typeof mail.html === 'string' ? mail.html : '';
      t.equal(mail.subject, 'Zur Kenntnis: Erstinformation zur EfA-Lösung „Elterngeld digital“ an 17 Behörden in Brandenburg');
      t.match(text, '17 zuständige Behörden (Landkreise und kreisfreie Städte)', 'how many authorities were written to, and which');
      t.match(text, /ob sie den Online-Dienst nachnutzen möchten/, 'what they were asked: interest …');
      t.match(text, /als Pilotbehörde zu bewerben/, '… and pilot applications');
      t.match(text, 'Rückmeldefrist: 15. Januar 2099', '… by when');
      t.match(text, /ermutigen Sie Ihre Mitglieder/, 'the request to the multipliers');
      t.match(text, 'In Hessen produktiv.');
      t.notMatch(text, /Die Links gelten nur/, 'no "only for your authority" sentence');
      t.notMatch(text, /Sie – – /, 'no authority name left as a dash');
      t.notMatch(text, /^–$/m, 'no link left as a dash');
      t.notMatch(text, /\/antwort\//, 'no answer link');
      t.notMatch(html, /href="–"/);
      t.notMatch(html, /<a\s/, 'no link at all in the HTML part');
      t.equal(text.trim(), preview.json().text.trim(), 'the preview showed exactly this text');
    }

    // The authorities' own mail is unchanged: links, and the sentence that they are personal.
    const potsdam = await simpleParser(sink.messages.find((m) => m.envelopeTo.includes(`poststelle.${POTSDAM}@kommunen.example`))!.raw);
    t.match(potsdam.text, /http:\/\/efa\.test\/antwort\//);
    t.match(potsdam.text, /Die Links gelten nur für Ihre Behörde/);
    const rows = await env.handle.db.selectFrom('mail_message').select(['kind', 'recipient_role']).where('recipient_role', '=', 'multiplikator').execute();
    t.same(rows.map((r) => r.kind), ['erstinformation', 'erstinformation'], 'the copies stay messages of the Erstinformation');
  });

  t.test(`${kind}: the multiplier copy is edited per solution like every other text`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const solution = (
      await post(env, token, '/api/v1/solutions', { title: 'Wohngeld', ozgId: '10227', leikaKeys: ['99107010000000'], responsibility: { level: 'gemeinde' } })
    ).json();
    const base = `/api/v1/solutions/${solution.id}`;
    const url = `${base}/templates/erstinformation-multiplikator`;
    const put = (kindUrl: string, payload: object) => env.app.inject({ method: 'PUT', url: kindUrl, headers: bearer(token), payload });

    const list = (await env.app.inject({ url: `${base}/templates`, headers: bearer(token) })).json();
    t.ok(list.items.some((item: { kind: string }) => item.kind === 'erstinformation-multiplikator'), 'listed with the other texts');
    const initial = await env.app.inject({ url, headers: bearer(token) });
    t.equal(initial.statusCode, 200, initial.body);
    t.match(initial.json(), { custom: false, links: [] });
    t.notOk(initial.json().placeholders.some((p: string) => p.startsWith('link.') || p.startsWith('behoerde.')), 'offers no link or authority placeholder');
    t.ok(initial.json().placeholders.includes('empfaenger.anzahl'));

    const custom = {
      subject: 'Kopie: {{loesung.titel}} an {{empfaenger.anzahl}} Behörden',
      textBody: 'Angeschrieben: {{empfaenger.anzahl}} ({{zustaendigkeit}}), Frist {{frist}}.',
      htmlBody: '<p>Angeschrieben: {{empfaenger.anzahl}} ({{zustaendigkeit}})</p>',
    };
    const withLink = await put(url, { ...custom, textBody: 'Bitte hier: {{link.interesse}}' });
    t.equal(withLink.statusCode, 422);
    t.match(withLink.headers['content-type'], /application\/problem\+json/);
    t.equal(withLink.json().errors[0].field, '/body/textBody');
    t.match(withLink.json().errors[0].message, /\{\{link\.interesse\}\}.*keine Antwort-Links/);
    const withAuthority = await put(url, { ...custom, subject: 'Kopie für {{behoerde.name}}' });
    t.equal(withAuthority.statusCode, 422);
    t.equal(withAuthority.json().errors[0].field, '/body/subject');
    const withList = await put(url, { ...custom, htmlBody: '{{link.liste}}' });
    t.equal(withList.json().errors?.[0]?.field, '/body/htmlBody', 'the link list neither');
    const countElsewhere = await put(`${base}/templates/erstinformation`, { ...custom, textBody: '{{empfaenger.anzahl}} {{link.interesse}}' });
    t.equal(countElsewhere.statusCode, 422, 'an authority does not learn the recipient count');
    t.equal((await env.app.inject({ url, headers: bearer(token) })).json().custom, false, 'nothing saved');

    const saved = await put(url, custom);
    t.equal(saved.statusCode, 200, saved.body);
    t.match(saved.json(), { ...custom, kind: 'erstinformation-multiplikator', custom: true });
    const preview = await post(env, token, `${base}/mailings/preview`, { kind: 'erstinformation', empfaenger: 'multiplikator' });
    t.equal(preview.statusCode, 200, preview.body);
    t.equal(preview.json().subject, 'Kopie: Wohngeld an 195 Behörden', 'the own text, with the count of addressed authorities');
    t.match(preview.json().text, '195 (Ämter, amtsfreie Gemeinden, Verbandsgemeinden und kreisfreie Städte), Frist ohne Frist.');
    const authorityPreview = await post(env, token, `${base}/mailings/preview`, { kind: 'erstinformation', ars: POTSDAM });
    t.match(authorityPreview.json().text, /Potsdam/, 'the authorities keep their text');

    t.equal((await env.app.inject({ method: 'DELETE', url, headers: bearer(token) })).statusCode, 204);
    const reset = await post(env, token, `${base}/mailings/preview`, { kind: 'erstinformation', empfaenger: 'multiplikator' });
    t.match(reset.json().subject, /^Zur Kenntnis: /, 'back to the default');
  });
}
