import t from 'tap';
import { readdir } from 'node:fs/promises';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { createSolution, drainSettling, ELTERNGELD } from '../helpers/rollout.ts';
import { staffClient } from '../helpers/staff-client.ts';

/**
 * The mailing pages as a ministry sends the Erstinformation without the API: the form,
 * the preview with the mail text and the recipient count, the confirmation, the send
 * (messages in the outbox; the same form twice sends once), the mailing's progress and
 * its messages. Wrong input is 422 naming the field, nothing sent; the Kaz and the
 * Landesredaktion read but may not send; another ministry finds nothing; CSRF and
 * cross-site posts are refused.
 */

const fieldsOf = (body: string) => {
  const fields: Record<string, string> = {};
  const form = /<form method="post" action="[^"]+\/mailings">([\s\S]*?)<\/form>/.exec(body)?.[1] ?? '';
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = m[2]!.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
  return fields;
};

for (const kind of databaseKinds()) {
  t.test(`the mailing pages (${kind})`, async (t) => {
    const env = await buildTestApp(t, kind, { multiplierEmails: ['landkreistag@example.org'] });
    const token = await env.ministryToken('MSGIV');
    const id = await createSolution(env, token, ELTERNGELD);
    const list = `/verwaltung/loesungen/${id}/mailings`;
    const ministry = staffClient(env);
    await ministry.signedIn(token);
    const mailings = async () => (await env.app.inject({ url: `/api/v1/solutions/${id}/mailings`, headers: bearer(token) })).json() as { id: string; messages: { total: number } }[];
    const outbox = async () => (await readdir(env.mail.routes.outboxDir!)).filter((f) => f.endsWith('.eml')).length;

    await t.test('in the draft no mailing can be sent; the page says so', async (t) => {
      const page = await ministry.get(list);
      t.equal(page.statusCode, 200);
      t.match(page.body, /href="\/verwaltung\/loesungen\/[^"]+\/mailings" aria-current="page">Mailings</);
      t.match(page.body, /noch kein Mailing versandt/);
      t.match(page.body, /Im Stadium „Entwurf“ kann kein Mailing versandt werden/);
    });

    await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${id}/events`, headers: bearer(token), payload: { type: 'ERSTINFORMATION_STARTEN' } });

    t.test('without a contact the form says where to add it; wrong fields are named', async (t) => {
      const { csrf, key } = await ministry.eventForm(list);
      t.match((await ministry.get(list)).body, /<option value="erstinformation">Erstinformation<\/option>/);
      const noContact = await ministry.post(list, { _csrf: csrf, schluessel: key, art: 'erstinformation', wiederholung: 'keine' });
      t.equal(noContact.statusCode, 422);
      t.match(noContact.body, /fehlt die Ansprechperson/);
      t.match(noContact.body, new RegExp(`href="/verwaltung/loesungen/${id}/bearbeiten">Angaben und Mailtexte`));
      const cases: [Record<string, string>, string, RegExp][] = [
        [{ art: 'werbung' }, 'art', /Art des Mailings: erlaubt: /],
        [{ frist: 'morgen' }, 'frist', /Antwortfrist: muss ein Kalenderdatum/],
        [{ frist: '2000-01-01' }, 'frist', /Antwortfrist: Datum ab heute/],
        [{ erinnerungen: '9', frist: '2999-01-01' }, 'erinnerungen', /Zahl der Erinnerungen: höchstens 5/],
        [{ abstand: 'oft' }, 'abstand', /Abstand der Erinnerungen in Tagen: muss eine ganze Zahl sein/],
        [{ kreis: '12\u00003' }, 'kreis', /Nur in diesem Landkreis \(ARS\): enthielt Zeichen/],
        [{ kreis: 'x'.repeat(100_000) }, 'kreis', /Nur in diesem Landkreis \(ARS\): /],
        [{ behoerden: '120640000000\n999' }, 'behoerden', /Nur diese Behörden \(ARS\): Eintrag 2: muss ein 12-stelliger/],
        [{ stadien: 'erfunden' }, 'stadien', /Nur Behörden in diesen Stadien: erlaubt/],
        [{ wiederholung: 'sofort' }, 'wiederholung', /An wen: unbekannte Angabe/],
      ];
      for (const [fields, field, message] of cases) {
        const response = await ministry.post(list, { _csrf: csrf, schluessel: key, art: 'erstinformation', wiederholung: 'keine', ...fields });
        t.equal(response.statusCode, 422, field);
        t.match(response.body, new RegExp(`<a href="#${field === 'stadien' || field === 'wiederholung' ? 'gruppe-' : 'f-'}${field}">`), `${field}: the summary jumps to it`);
        t.match(response.body, message, `${field}: named`);
      }
      t.same(await mailings(), [], 'nothing sent');
    });

    t.test('preview, confirmation, send: the Erstinformation without the API; the same form twice sends once', async (t) => {
      const settings = `/verwaltung/loesungen/${id}/bearbeiten`;
      await ministry.post(`${settings}/mail-angaben`, { _csrf: await ministry.csrf(settings), kontaktName: 'Frau Beispiel', kontaktEmail: 'ozg@msgiv.example' });
      const { csrf, key } = await ministry.eventForm(list);
      const preview = await ministry.post(list, { _csrf: csrf, schluessel: key, art: 'erstinformation', wiederholung: 'keine', frist: '', erinnerungen: '', abstand: '' });
      t.equal(preview.statusCode, 200, preview.body.slice(0, 300));
      t.match(preview.body, /<h1>Wirklich die Erstinformation versenden\?<\/h1>/);
      const n = Number(/Das Mailing geht an (\d+) Behörden und als Kopie an 1 Multiplikator/.exec(preview.body)?.[1]);
      t.ok(n > 0, 'names how many authorities get it, and the multiplier copy');
      t.match(preview.body, /<dt>Betreff<\/dt><dd>[^<]*Elterngeld digital/, 'the subject');
      t.match(preview.body, /<pre class="text">[\s\S]*http:\/\/efa\.test\/antwort\/[\w-]+/, 'the text part with the authority’s link');
      t.match(preview.body, /<dt>Antworten an<\/dt><dd>Frau Beispiel &lt;ozg@msgiv\.example&gt;<\/dd>/, 'answers go to the contact');
      t.match(preview.body, new RegExp(`<button type="submit">Ja, an ${n} Behörden senden</button>`));
      t.same(await mailings(), [], 'the preview sends nothing');

      const confirm = fieldsOf(preview.body);
      t.equal(confirm.bestaetigt, 'ja');
      t.equal(confirm.schluessel, key);
      const sent = await ministry.post(list, confirm);
      t.equal(sent.statusCode, 303);
      const mailingPath = sent.headers.location as string;
      t.match(mailingPath, new RegExp(`^${list}/[0-9a-f-]{36}\\?versandt$`));
      const again = await ministry.post(list, confirm);
      t.equal(again.statusCode, 303, 'the same form again');
      t.equal(again.headers.location, mailingPath, 'leads to the same mailing');
      const all = await mailings();
      t.equal(all.length, 1, 'sent once');
      const m = n + 1;
      t.equal(all[0]!.messages.total, m, 'one message per authority and the multiplier copy');

      const before = await ministry.get(mailingPath);
      t.equal(before.statusCode, 200);
      t.match(before.body, /Das Mailing ist angelegt/);
      t.match(before.body, new RegExp(`<progress id="versand" max="${m}" value="0">`));
      t.match(before.body, new RegExp(`0 von ${m} Mails sind verarbeitet, ${m} noch unterwegs`));
      t.match(before.body, /Stand: <time datetime="[^"]+">[^<]+<\/time> – <a href="[^"]+">Aktualisieren<\/a>/);
      t.match(before.body, '<script src="/verwaltung/assets/mailing-progress.js" defer></script>', 'the progress script while under way');
      t.match(before.headers['content-security-policy'], /; script-src 'self'; connect-src 'self'$/, 'admitted by this page’s policy alone');
      t.notMatch((await ministry.get(list)).headers['content-security-policy'], /script-src/, 'not by the list’s');
      t.notMatch(before.body, /<script>/, 'no inline script');
      const script = await ministry.get('/verwaltung/assets/mailing-progress.js');
      t.equal(script.statusCode, 200);
      t.match(script.headers['content-type'], /^text\/javascript/);
      t.match(script.body, /getElementById\('versandstand'\)/);
      await drainSettling(env);
      t.equal(await outbox(), m, 'the messages are in the outbox (with the multiplier copy)');
      const after = await ministry.get(mailingPath.replace('?versandt', ''));
      t.match(after.body, new RegExp(`${m} von ${m} Mails sind verarbeitet – der Versand ist abgeschlossen`));
      t.match(after.body, new RegExp(`<th scope="row">vom Mailserver angenommen</th><td>${m}</td>`));
      t.match(after.body, /Multiplikator<br>landkreistag@example\.org/);
      t.notMatch(after.body, /mailing-progress\.js/, 'finished: no script');
      t.match(after.body, /<div aria-live="polite"><div id="versandstand" data-fertig="ja">/);
      t.equal((await env.app.inject({ url: `/api/v1/solutions/${id}`, headers: bearer(token) })).json().stage, 'erstinformation');
      const listed = await ministry.get(list);
      t.match(listed.body, /<a href="[^"]+">Erstinformation<\/a>/);
      t.match(listed.body, /abgeschlossen/);
      t.match(listed.body, new RegExp(`vom Mailserver angenommen: ${m}`));

      const repeat = await ministry.post(list, { _csrf: csrf, schluessel: crypto.randomUUID(), art: 'erstinformation', wiederholung: 'keine' });
      t.equal(repeat.statusCode, 409, 'a second Erstinformation asks to whom');
      t.match(repeat.body, /ging bereits an/);
    });

    t.test('paging the messages', async (t) => {
      const [mailing] = await mailings();
      const path = `${list}/${mailing!.id}`;
      const page2 = await ministry.get(`${path}?seite=2`);
      t.equal(page2.statusCode, 200);
      t.match(page2.body, /Auf dieser Seite gibt es keine Nachrichten/);
      t.equal((await ministry.get(`${path}?seite=abc`)).statusCode, 200, 'a wrong page number shows the first');
      t.equal((await ministry.get(`${list}/keine-uuid`)).statusCode, 404);
    });

    t.test('the Kaz and the Landesredaktion read the mailings but may not send', async (t) => {
      const [mailing] = await mailings();
      for (const role of ['kaz', 'landesredaktion'] as const) {
        const reader = staffClient(env);
        await reader.signedIn(await env.roleToken(role));
        const page = await reader.get(list);
        t.equal(page.statusCode, 200, `${role} reads the list`);
        t.notMatch(page.body, /Neues Mailing/, `${role}: no form`);
        t.equal((await reader.get(`${list}/${mailing!.id}`)).statusCode, 200, `${role} reads the progress`);
        const refused = await reader.post(list, { _csrf: await reader.csrf('/verwaltung'), schluessel: crypto.randomUUID(), art: 'erstinformation', erneut: 'ja' });
        t.equal(refused.statusCode, 403, `${role} may not send`);
      }
      const other = staffClient(env);
      await other.signedIn(await env.ministryToken('MIL'));
      t.equal((await other.get(list)).statusCode, 404);
      t.equal((await other.get(`${list}/${mailing!.id}`)).statusCode, 404);
      t.equal((await other.post(list, { _csrf: await other.csrf('/verwaltung'), schluessel: crypto.randomUUID(), art: 'erstinformation', wiederholung: 'erneut' })).statusCode, 404);
    });

    t.test('without CSRF or from another site: 403, nothing sent', async (t) => {
      const { csrf, key } = await ministry.eventForm(list);
      const fields = { schluessel: key, art: 'erstinformation', wiederholung: 'erneut', bestaetigt: 'ja' };
      t.equal((await ministry.post(list, fields)).statusCode, 403);
      t.equal((await ministry.post(list, { _csrf: csrf, ...fields }, { origin: 'https://evil.example' })).statusCode, 403);
      t.equal((await mailings()).length, 1);
    });
  });
}
