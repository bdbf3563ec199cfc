import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

const POTSDAM = '120540000000';
const COTTBUS = '120520000000';
const DAY = 24 * 60 * 60 * 1000;
const MULTIPLIERS = ['sgb@staedte-gemeindebund.example', 'kaz@zit-bb.example'];

function linkIn(text: string, path = 'antwort'): string {
  const match = new RegExp(`http://efa\\.test/${path}/([A-Za-z0-9_-]{43})`).exec(text);
  if (!match) throw new Error(`no ${path} link in mail`);
  return `/${path}/${match[1]}`;
}

async function post(env: TestApp, token: string, url: string, payload: object) {
  return env.app.inject({ method: 'POST', url, headers: bearer(token), payload });
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: Erstinformation by mail, an answer through the link, reminders and escalation`, async (t) => {
    const sink = await startSmtpSink();
    t.teardown(() => sink.close());
    const env = await buildTestApp(t, kind, { smtpUrl: sink.url, multiplierEmails: MULTIPLIERS });
    const token = await env.ministryToken('MSGIV');
    // One Landkreis without an e-mail address must be reported, not skipped silently.
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
      payload: { kontaktName: 'Referat 32', kontaktEmail: 'referat32@msgiv.example', kosten: 'rund 1.200 € jährlich', termine: 'Start 1. März 2027' },
    });
    t.equal(details.statusCode, 200, details.body);
    t.equal((await post(env, token, `${base}/events`, { type: 'ERSTINFORMATION_STARTEN' })).statusCode, 200);

    const preview = await post(env, token, `${base}/mailings/preview`, { kind: 'erstinformation', ars: POTSDAM, deadline: '2027-01-15' });
    t.equal(preview.statusCode, 200, preview.body);
    t.match(preview.json().text, /Potsdam/);
    t.match(preview.json().text, /1\.200 €/);
    const previewLink = linkIn(preview.json().text);

    const deadline = new Date(env.clock.now.getTime() + 10 * DAY).toISOString().slice(0, 10);
    const created = await post(env, token, `${base}/mailings`, { kind: 'erstinformation', deadline, reminders: { count: 2, intervalDays: 3 } });
    t.equal(created.statusCode, 201, created.body);
    t.same(created.json().withoutAddress, [COTTBUS], 'the authority without address is reported');
    t.equal(created.json().messages, 17 + MULTIPLIERS.length);
    const mailingUrl = `${base}/mailings/${created.json().mailingId}`;
    const before = (await env.app.inject({ url: mailingUrl, headers: bearer(token) })).json();
    t.equal(before.messages.byStatus.ausstehend, 19, 'progress is visible before delivery');

    await env.worker.drain();
    const failedJobs = await env.handle.db.selectFrom('job').select(['kind', 'status', 'last_error']).where('status', '!=', 'done').where('kind', '=', 'mail.send').execute();
    t.same(failedJobs, [], 'all sends done');
    const progress = (await env.app.inject({ url: mailingUrl, headers: bearer(token) })).json();
    t.same(progress.messages.byStatus, { angenommen: 19 });
    t.equal(progress.messages.done, true);

    const received = sink.messages;
    t.equal(received.length, 19);
    const perRecipient = new Map<string, number>();
    for (const mail of received) for (const to of mail.envelopeTo) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    t.ok([...perRecipient.values()].every((n) => n === 1), 'one mail per recipient');
    for (const multiplier of MULTIPLIERS) t.equal(perRecipient.get(multiplier), 1, `copy to ${multiplier}`);
    const potsdamMail = received.find((m) => m.envelopeTo.includes(`poststelle.${POTSDAM}@kommunen.example`));
    t.ok(potsdamMail, 'Potsdam got its mail');
    t.equal(linkIn(potsdamMail!.text), previewLink, 'the preview showed exactly the link that was sent');
    t.match(potsdamMail!.html, /<a [^>]*href="http:\/\/efa\.test\/antwort\//);

    // The step is coupled through a job that waits until every message went to delivery.
    env.clock.now = new Date(env.clock.now.getTime() + 5000);
    await env.worker.drain();
    await env.worker.drain();
    const solutionNow = (await env.app.inject({ url: base, headers: bearer(token) })).json();
    t.ok(solutionNow.context.erstinformationVersandtAm, 'the Erstinformation step counts as sent');
    t.equal(solutionNow.participantsByStage.informiert, 17, 'every authority whose mail was accepted is informiert');
    t.equal(solutionNow.participantsByStage.vorgemerkt, 1, 'the one without address was not informed and stays vorgemerkt');

    // Potsdam answers through its link.
    const form = await env.app.inject({ url: previewLink });
    t.equal(form.statusCode, 200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const answer = await env.app.inject({
      method: 'POST',
      url: previewLink,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ csrf, wahl: 'interesse' }).toString(),
    });
    t.equal(answer.statusCode, 200, answer.body.slice(0, 500));
    const potsdam = (await env.app.inject({ url: `${base}/participants/${POTSDAM}`, headers: bearer(token) })).json();
    t.equal(potsdam.stage, 'interessiert', 'the answer moved the participant machine');

    // The deadline passes: reminders go to the 16 authorities that have not answered.
    sink.messages.length = 0;
    env.clock.now = new Date(new Date(`${deadline}T12:00:00Z`).getTime() + DAY);
    await env.worker.drain();
    await env.worker.drain();
    t.equal(sink.messages.length, 16, 'first reminder to everyone without an answer');
    t.notOk(sink.messages.some((m) => m.envelopeTo.includes(`poststelle.${POTSDAM}@kommunen.example`)), 'not to Potsdam, which answered');
    t.match(sink.messages[0]!.subject, /Erinnerung/);
    t.match(sink.messages[0]!.text, /http:\/\/efa\.test\/antwort\//, 'the reminder carries the links');

    env.clock.now = new Date(env.clock.now.getTime() + 3 * DAY);
    await env.worker.drain();
    await env.worker.drain();
    t.equal(sink.messages.length, 32, 'second reminder');

    env.clock.now = new Date(env.clock.now.getTime() + 3 * DAY);
    await env.worker.drain();
    await env.worker.drain();
    const escalation = sink.messages.slice(32);
    t.equal(escalation.length, 1, 'after the last reminder the ministry is told once');
    t.same(escalation[0]!.envelopeTo, ['referat32@msgiv.example']);
    t.match(escalation[0]!.text, /Barnim/);
    t.notMatch(escalation[0]!.text, /\(120540000000\)/, 'Potsdam answered');
    t.match(escalation[0]!.text, /Erinnerungen: 2/);

    const messages = (await env.app.inject({ url: `${mailingUrl}/messages?limit=1000`, headers: bearer(token) })).json();
    t.equal(messages.total, 19 + 32 + 1);
    t.ok(messages.items.every((m: { status: string; messageId: string }) => m.status === 'angenommen' && m.messageId.endsWith('@msgiv.example>')));
  });
}
