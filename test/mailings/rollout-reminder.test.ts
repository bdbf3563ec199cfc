import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';
import { sendErstinformation } from '../helpers/rollout.ts';
import { berlinDate } from '../../src/time/berlin.clock.ts';

const POTSDAM = '120540000000';
const BARNIM = '120600000000';
const DAY = 24 * 60 * 60 * 1000;
const addressOf = (ars: string) => `poststelle.${ars}@kommunen.example`;

for (const kind of databaseKinds()) {
  t.test(`${kind}: a Rollout-Einladung, an answer by link, and the invitation's deadline reminding the others`, async (t) => {
    const sink = await startSmtpSink();
    t.teardown(() => sink.close());
    const env = await buildTestApp(t, kind, { smtpUrl: sink.url });
    const token = await env.ministryToken('MIK');
    const post = (url: string, payload: object) => env.app.inject({ method: 'POST', url, headers: bearer(token), payload });
    const solution = (
      await post('/api/v1/solutions', { title: 'Wohngeld', ozgId: '10227', leikaKeys: ['99107010000000'], responsibility: { level: 'kreis' } })
    ).json();
    const base = `/api/v1/solutions/${solution.id}`;
    t.equal((await post(`${base}/events`, { type: 'ERSTINFORMATION_STARTEN' })).statusCode, 200);
    await sendErstinformation(env, token, solution.id);
    sink.messages.length = 0;
    for (const event of [
      { type: 'PILOTPHASE_STARTEN' },
      { type: 'ROLLOUT_STARTEN', override: { reason: 'Lösung in anderen Ländern erprobt' } },
      { type: 'WELLE_STARTEN', label: 'Welle 1', authorities: [POTSDAM, BARNIM], fristTage: 2 },
    ]) {
      const response = await post(`${base}/events`, event);
      t.equal(response.statusCode, 200, `${event.type}: ${response.body}`);
    }
    await env.worker.drain();

    const contact = await env.app.inject({
      method: 'PUT',
      url: `${base}/mail-details`,
      headers: bearer(token),
      payload: { kontaktName: 'Referat 13', kontaktEmail: 'referat13@mik.example' },
    });
    t.equal(contact.statusCode, 200, contact.body);
    const mailing = await post(`${base}/mailings`, { kind: 'rollout-einladung' });
    t.equal(mailing.statusCode, 201, mailing.body);
    t.equal(mailing.json().messages, 2, 'addressed to the invited authorities (stage eingeladen)');
    await env.worker.drain();
    t.equal(sink.messages.length, 2);
    const potsdamMail = sink.messages.find((m) => m.envelopeTo.includes(addressOf(POTSDAM)))!;
    const links = [...potsdamMail.text.matchAll(/http:\/\/efa\.test(\/antwort\/[A-Za-z0-9_-]{43})/g)].map((m) => m[1]!);
    t.equal(new Set(links).size, 2, 'links for readiness and for the BUS-BB report');

    // Potsdam reports its BUS-BB linking straight away.
    let answered = false;
    for (const link of new Set(links)) {
      const form = await env.app.inject({ url: link });
      if (!form.body.includes('name="onlineDienstUrl"')) continue;
      const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)![1]!;
      const today = berlinDate(env.clock.now);
      const response = await env.app.inject({
        method: 'POST',
        url: link,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ csrf, onlineDienstUrl: 'https://wohngeld.potsdam.example', verknuepftAm: today }).toString(),
      });
      t.equal(response.statusCode, 200, response.body.slice(0, 300));
      answered = true;
    }
    t.ok(answered, 'the BUS-BB form was found');
    const potsdam = (await env.app.inject({ url: `${base}/participants/${POTSDAM}`, headers: bearer(token) })).json();
    t.equal(potsdam.stage, 'bus-bb-verknuepft');

    // The invitation's answer deadline (2 days) runs out: only Barnim is reminded, by mail.
    sink.messages.length = 0;
    env.clock.now = new Date(env.clock.now.getTime() + 2 * DAY + 60_000);
    await env.worker.drain();
    await env.worker.drain();
    t.equal(sink.messages.length, 1, 'one reminder');
    t.same(sink.messages[0]!.envelopeTo, [addressOf(BARNIM)]);
    t.match(sink.messages[0]!.subject, /Erinnerung/);
    const barnim = (await env.app.inject({ url: `${base}/participants/${BARNIM}`, headers: bearer(token) })).json();
    t.equal(barnim.context.erinnerungen, 1);
  });
}
