import t, { type Test } from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import type { DatabaseKind } from '../../src/db/database.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

/**
 * A second Erstinformation must not reach 198 inboxes by accident: a mailing of a kind
 * that already went to the selected authorities is sent again only when the request
 * says to whom – those without an answer, those it did not reach, or everybody again.
 * And no mailing leaves without the contact it signs with.
 */

const POTSDAM = '120540000000';
const BRANDENBURG = '120510000000';
const COTTBUS = '120520000000';
const FRANKFURT = '120530000000';
const BARNIM = '120600000000';
const MULTIPLIERS = ['geschaeftsstelle@staedte-gemeindebund.example', 'kaz@zit-bb.example'];
const CONTACT = { kontaktName: 'Referat 32', kontaktEmail: 'referat32@msgiv.example' };
const addressOf = (ars: string) => `poststelle.${ars}@kommunen.example`;

async function setUp(t: Test, kind: DatabaseKind, options: { rejectBarnim?: boolean } = {}) {
  const sink = await startSmtpSink(options.rejectBarnim ? { rejectRecipients: (address) => address === addressOf(BARNIM) } : {});
  t.teardown(() => sink.close());
  const env = await buildTestApp(t, kind, { smtpUrl: sink.url, multiplierEmails: MULTIPLIERS });
  const token = await env.ministryToken('MSGIV');
  const solution = (
    await env.app.inject({
      method: 'POST',
      url: '/api/v1/solutions',
      headers: bearer(token),
      payload: { title: 'Elterngeld digital', ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } },
    })
  ).json();
  const base = `/api/v1/solutions/${solution.id}`;
  const send = (payload: object) => env.app.inject({ method: 'POST', url: `${base}/mailings`, headers: bearer(token), payload });
  const putDetails = (payload: object) => env.app.inject({ method: 'PUT', url: `${base}/mail-details`, headers: bearer(token), payload });
  const started = await env.app.inject({ method: 'POST', url: `${base}/events`, headers: bearer(token), payload: { type: 'ERSTINFORMATION_STARTEN' } });
  t.equal(started.statusCode, 200, started.body);
  return { sink, env, token, base, send, putDetails };
}

/** The authorities (ARS) and multiplier addresses a mailing wrote to. */
async function recipientsOf(env: TestApp, mailingId: string) {
  const rows = await env.handle.db
    .selectFrom('mail_message')
    .select(['ars', 'recipient_email', 'recipient_role'])
    .where('mailing_id', '=', mailingId)
    .execute();
  return {
    authorities: rows.flatMap((r) => (r.recipient_role === 'behoerde' && r.ars ? [r.ars] : [])).sort(),
    multipliers: rows.filter((r) => r.recipient_role === 'multiplikator').map((r) => r.recipient_email).sort(),
  };
}

async function answerInterest(t: Test, env: TestApp, mailText: string) {
  const link = /http:\/\/efa\.test(\/antwort\/[A-Za-z0-9_-]{43})/.exec(mailText)?.[1];
  if (!link) throw new Error('no answer link in the mail');
  const form = await env.app.inject({ url: link });
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)?.[1];
  if (!csrf) throw new Error(`no answer form: ${form.statusCode} ${form.body.slice(0, 300)}`);
  const answer = await env.app.inject({
    method: 'POST',
    url: link,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf, wahl: 'interesse' }).toString(),
  });
  t.equal(answer.statusCode, 200, 'the answer was accepted');
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: no mailing without the contact it signs with`, async (t) => {
    const { env, send, putDetails } = await setUp(t, kind);
    const none = await send({ kind: 'erstinformation' });
    t.equal(none.statusCode, 422);
    t.match(none.headers['content-type'], /application\/problem\+json/);
    t.same(
      none.json().errors.map((e: { field: string }) => e.field),
      ['/mailDetails/kontaktName', '/mailDetails/kontaktEmail'],
    );
    t.match(none.json().detail, /Ansprechperson/);
    t.equal((await putDetails({ kontaktName: 'Referat 32', kosten: 'keine' })).statusCode, 200);
    const halfway = await send({ kind: 'erstinformation' });
    t.equal(halfway.statusCode, 422);
    t.same(
      halfway.json().errors.map((e: { field: string }) => e.field),
      ['/mailDetails/kontaktEmail'],
      'names only what is missing',
    );
    const typo = await putDetails({ ...CONTACT, kontaktEmail: 'referat32 at msgiv.example' });
    t.equal(typo.statusCode, 422, 'an address that would make a broken Reply-To is refused');
    t.equal(typo.json().errors[0].field, '/body/kontaktEmail');
    t.equal((await env.handle.db.selectFrom('mailing').select('id').execute()).length, 0, 'nothing was created');
    t.equal((await putDetails(CONTACT)).statusCode, 200);
    t.equal((await send({ kind: 'erstinformation' })).statusCode, 201);
  });

  t.test(`${kind}: a second Erstinformation only says whom it is for`, async (t) => {
    const { sink, env, base, token, send, putDetails } = await setUp(t, kind, { rejectBarnim: true });
    t.equal((await putDetails(CONTACT)).statusCode, 200);

    const first = await send({ kind: 'erstinformation' });
    t.equal(first.statusCode, 201, first.body);
    t.equal(first.json().messages, 18 + MULTIPLIERS.length);
    await env.worker.drain();
    // The Erstinformation counts as sent once all its messages went to delivery.
    env.clock.now = new Date(env.clock.now.getTime() + 5000);
    await env.worker.drain();
    await env.worker.drain();
    const barnim = await env.handle.db.selectFrom('mail_message').select('status').where('ars', '=', BARNIM).executeTakeFirstOrThrow();
    t.equal(barnim.status, 'fehlgeschlagen', "Barnim's server refused the mail");
    const potsdamMail = sink.messages.find((m) => m.envelopeTo.includes(addressOf(POTSDAM)))!;
    await answerInterest(t, env, potsdamMail.text);
    sink.messages.length = 0;

    const again = await send({ kind: 'erstinformation' });
    t.equal(again.statusCode, 409, 'a plain repeat is refused');
    t.match(again.headers['content-type'], /application\/problem\+json/);
    t.match(again.json(), { kind: 'erstinformation', selected: 18, alreadySent: 18, options: ['nurOhneAntwort', 'nurNichtErreicht', 'erneut'] });
    for (const option of ['nurOhneAntwort', 'nurNichtErreicht', 'erneut']) t.match(again.json().detail, option, `the detail explains ${option}`);
    const both = await send({ kind: 'erstinformation', nurOhneAntwort: true, erneut: true });
    t.equal(both.statusCode, 422, 'two answers to "whom" contradict each other');
    t.equal(both.json().errors[0].field, '/body/erneut');
    t.equal((await env.handle.db.selectFrom('mailing').select('id').execute()).length, 1, 'refused repeats leave nothing behind');

    const unreached = await send({ kind: 'erstinformation', nurNichtErreicht: true });
    t.equal(unreached.statusCode, 201, unreached.body);
    t.same(await recipientsOf(env, unreached.json().mailingId), { authorities: [BARNIM], multipliers: [] }, 'only the authority it did not reach');

    const unanswered = await send({ kind: 'erstinformation', nurOhneAntwort: true });
    t.equal(unanswered.statusCode, 201, unanswered.body);
    const unansweredTo = await recipientsOf(env, unanswered.json().mailingId);
    t.equal(unansweredTo.authorities.length, 17, 'everyone but Potsdam, which answered');
    t.notOk(unansweredTo.authorities.includes(POTSDAM));
    t.same(unansweredTo.multipliers, [], 'no second copy to the multipliers');
    const progress = (await env.app.inject({ url: `${base}/mailings/${unanswered.json().mailingId}`, headers: bearer(token) })).json();
    t.match(progress, { recipientsTotal: 17, filter: { nurOhneAntwort: true } }, 'the mailing records whom it was for');

    const everybody = await send({ kind: 'erstinformation', erneut: true });
    t.equal(everybody.statusCode, 201, everybody.body);
    t.same(await recipientsOf(env, everybody.json().mailingId), {
      authorities: (await recipientsOf(env, first.json().mailingId)).authorities,
      multipliers: [...MULTIPLIERS].sort(),
    }, 'erneut: every authority again, and the multipliers');

    await env.worker.drain();
    // Barnim's server refuses all three: none of 1, 17 − 1, 18 − 1 + the copies.
    t.equal(sink.messages.length, 0 + 16 + 17 + MULTIPLIERS.length, 'the repeats as requested');
    const handedOver = await env.handle.db.selectFrom('job').select('id').where('kind', '=', 'mailing.handedOver').execute();
    t.equal(handedOver.length, 1, 'only the first Erstinformation marks the step as sent');

    const onlyPotsdam = await send({ kind: 'erstinformation', filter: { authorities: [POTSDAM] }, nurOhneAntwort: true });
    t.equal(onlyPotsdam.statusCode, 409, 'an option that leaves nobody sends nothing');
    t.match(onlyPotsdam.json().detail, /nichts versandt/);
    const reachedPotsdam = await send({ kind: 'erstinformation', filter: { authorities: [POTSDAM] }, nurNichtErreicht: true });
    t.equal(reachedPotsdam.statusCode, 409);
    t.match(reachedPotsdam.json().detail, /nichts versandt/);
  });

  t.test(`${kind}: other authorities are no repeat; multipliers hear of the Erstinformation once`, async (t) => {
    const { sink, env, send, putDetails } = await setUp(t, kind);
    t.equal((await putDetails(CONTACT)).statusCode, 200);

    const first = await send({ kind: 'erstinformation', filter: { authorities: [POTSDAM] } });
    t.equal(first.statusCode, 201, first.body);
    t.same(await recipientsOf(env, first.json().mailingId), { authorities: [POTSDAM], multipliers: [...MULTIPLIERS].sort() });

    const others = await send({ kind: 'erstinformation', filter: { authorities: [COTTBUS, FRANKFURT] } });
    t.equal(others.statusCode, 201, `different recipients need no option: ${others.body}`);
    t.same(await recipientsOf(env, others.json().mailingId), { authorities: [COTTBUS, FRANKFURT], multipliers: [] }, 'no second copy to the multipliers');

    const overlap = await send({ kind: 'erstinformation', filter: { authorities: [POTSDAM, BRANDENBURG] } });
    t.equal(overlap.statusCode, 409, 'one of them already has it');
    t.match(overlap.json(), { selected: 2, alreadySent: 1 });
    const newOnes = await send({ kind: 'erstinformation', filter: { authorities: [POTSDAM, BRANDENBURG] }, nurNichtErreicht: true });
    t.equal(newOnes.statusCode, 201, newOnes.body);
    t.same(await recipientsOf(env, newOnes.json().mailingId), { authorities: [BRANDENBURG], multipliers: [] }, 'never written to counts as not reached');

    await env.worker.drain();
    t.equal(sink.messages.filter((m) => MULTIPLIERS.some((address) => m.envelopeTo.includes(address))).length, MULTIPLIERS.length, 'one copy each');
    t.equal(sink.messages.length, 1 + 2 + 1 + MULTIPLIERS.length);
  });
}
