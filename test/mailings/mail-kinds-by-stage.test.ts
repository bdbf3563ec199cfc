import t, { type Test } from 'tap';
import type { MailingLinkPurpose, TemplateKind } from '../../src/db/schema.ts';
import { recipientStages, SENDABLE_KINDS, type SendableKind } from '../../src/mailings/mailing.service.ts';
import { linkPurposesFor, TEMPLATE_KINDS } from '../../src/mailings/template.render.ts';
import { ANSWER_OPTIONS, stagesAskedBy, type AnswerOption } from '../../src/links/link-answers.ts';
import { hashLinkToken } from '../../src/links/link.service.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { drainSettling, TEST_MAIL_DETAILS } from '../helpers/rollout.ts';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../helpers/smtp-sink.ts';

/**
 * Every mail kind × every participant stage in which it can be sent (as the code says:
 * recipientStages), through the real path: the mail is sent to an authority in that stage,
 * received by an SMTP server, its links taken from the text, and each link answered with
 * each answer its page offers – through the page as a browser fills it in. Then the pages
 * of links whose question a later change made moot, or that an ended rollout closed.
 */

const DAY = 24 * 60 * 60 * 1000;
const MULTIPLIER = 'sgb@staedte-gemeindebund.example';
const LINK = /http:\/\/efa\.test\/antwort\/([A-Za-z0-9_-]{43})/g;

type Stage = string;
/** What was walked: kind → stage at sending → answers given. */
const walked = new Map<TemplateKind, Map<Stage, Set<string>>>();
function record(kind: TemplateKind, stage: Stage, answer: string) {
  const stages = walked.get(kind) ?? new Map<Stage, Set<string>>();
  walked.set(kind, stages);
  const answers = stages.get(stage) ?? new Set<string>();
  stages.set(stage, answers);
  answers.add(answer);
}

/** The kinds a mailing of which may carry reminders (POST …/mailings with reminders), as the code says. */
const REMINDED_KINDS = (Object.keys(SENDABLE_KINDS) as SendableKind[]).filter((kind) => SENDABLE_KINDS[kind].remindable);

/**
 * The stages a reminder of a mailing of this kind reaches an authority in, labelled
 * `kind:stage`: the stages the mailing is sent in whose authorities can still give every
 * answer its links offer (mail-relevance.ts) – but for 'vorgemerkt' of the Erstinformation,
 * whose own delivery informs the authority before any reminder.
 */
function reminderStages(reminded: SendableKind): Stage[] {
  const asked: readonly string[] = stagesAskedBy(linkPurposesFor(reminded));
  return [...recipientStages({ kind: reminded })]
    .filter((stage) => asked.includes(stage) && !(reminded === 'erstinformation' && stage === 'vorgemerkt'))
    .map((stage) => `${reminded}:${stage}`);
}

/**
 * The cases, one per kind of the code's list (a new kind without a case fails to compile,
 * and the check at the end fails): the stages a mail of the kind can reach an authority in.
 * A reminder reaches the recipients of the mail it reminds of, in the stage that mail's
 * answers are taken; the multiplier copy and the escalation go to no authority.
 */
const EXPECTED_STAGES: Record<TemplateKind, () => Stage[]> = {
  erstinformation: () => [...recipientStages({ kind: 'erstinformation' })],
  'erstinformation-multiplikator': () => [],
  pilotaufruf: () => [...recipientStages({ kind: 'pilotaufruf' })],
  'pilot-einladung': () => [...recipientStages({ kind: 'pilot-einladung' })],
  // sent by a ministry to invited authorities, and by a wave's start to the members it invites
  'rollout-einladung': () => [...new Set([...recipientStages({ kind: 'rollout-einladung' }), ...recipientStages({ kind: 'rollout-einladung', mitWellenstart: true })])],
  erinnerung: () => REMINDED_KINDS.flatMap(reminderStages),
  eskalation: () => [],
};

interface Env {
  env: TestApp;
  sink: SmtpSink;
  token: string;
  id: string;
  base: string;
  pool: string[];
}

async function api(e: Env, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
  return e.env.app.inject({ method, url: `${e.base}${url}`, headers: bearer(e.token), ...(payload ? { payload } : {}) });
}

async function ok(t: Test, response: { statusCode: number; body: string }, status: number, what: string) {
  t.equal(response.statusCode, status, `${what}: ${response.statusCode === status ? 'ok' : response.body.slice(0, 400)}`);
  if (response.statusCode !== status) throw new Error(`${what}: ${response.statusCode}`);
}

async function participantEvent(t: Test, e: Env, ars: string, event: Record<string, unknown>) {
  await ok(t, await api(e, 'POST', `/participants/${ars}/events`, event), 200, `${String(event.type)} ${ars}`);
}

async function stageOf(e: Env, ars: string): Promise<string> {
  return (await api(e, 'GET', `/participants/${ars}`)).json().stage;
}

const take = (e: Env, n: number) => e.pool.splice(0, n);

/** The mails the sink received for an authority since `from`, newest last. */
async function mailsOf(e: Env, ars: string, from = 0): Promise<ReceivedMail[]> {
  const authority = await e.env.handle.db.selectFrom('authority').select('email').where('ars', '=', ars).executeTakeFirstOrThrow();
  return e.sink.messages.slice(from).filter((mail) => mail.envelopeTo.includes(authority.email!));
}

/** The answer links of a mail by purpose (read from the database by the token's hash, as the service does). */
async function linksIn(e: Env, mail: ReceivedMail): Promise<Map<MailingLinkPurpose, string>> {
  const links = new Map<MailingLinkPurpose, string>();
  for (const [, token] of mail.text.matchAll(LINK)) {
    const row = await e.env.handle.db.selectFrom('response_link').select('purpose').where('token_hash', '=', hashLinkToken(token!)).executeTakeFirstOrThrow();
    links.set(row.purpose as MailingLinkPurpose, `/antwort/${token}`);
  }
  return links;
}

function formFieldsOf(body: string): { csrf: string; radios: Set<string> } {
  const csrf = /name="csrf" value="([^"]+)"/.exec(body)?.[1];
  if (!csrf) throw new Error(`no form on the page: ${body.replace(/<style>[\s\S]*<\/style>/, '').slice(0, 600)}`);
  return { csrf, radios: new Set([...body.matchAll(/type="(?:radio|checkbox)" id="[^"]+" name="[^"]+" value="([^"]+)"/g)].map((m) => m[1]!)) };
}

async function post(e: Env, path: string, fields: Array<[string, string]>) {
  return e.env.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });
}

const isoDate = (e: Env, days: number) => new Date(e.env.clock.now.getTime() + days * DAY).toISOString().slice(0, 10);

/** The form fields a person fills in for one answer of a purpose's page. */
function fieldsFor(e: Env, purpose: MailingLinkPurpose, option: AnswerOption): Array<[string, string]> {
  switch (purpose) {
    case 'interesse':
      return [['wahl', option], ...(option === 'nicht-zustaendig' ? [['freitext', 'Zuständig ist das Amt nebenan'] as [string, string]] : [])];
    case 'pilot':
      return [['freitext', 'Fachverfahren: Beispiel']];
    case 'bereitschaft':
      if (option === 'bereit-ab') return [['status', option], ['ab', isoDate(e, 30)]];
      if (option === 'nicht-bereit') return [['status', option], ['gruende', 'avv']];
      return [['status', option]];
    case 'bus-bb':
      return option === 'schritte'
        ? [['schritte', 'online-dienst-angelegt']]
        : [['schritte', 'online-dienst-angelegt'], ['schritte', 'zustaendigkeit-zugeordnet'], ['onlineDienstUrl', 'https://dienst.example/antrag'], ['verknuepftAm', isoDate(e, -1)]];
    case 'pilotbetrieb':
      return [];
  }
}

/**
 * Answers a link through its page with one answer: GET the page (it must offer the answer),
 * POST the form as the page builds it, expect it taken.
 */
async function answerThroughPage(t: Test, e: Env, path: string, purpose: MailingLinkPurpose, option: AnswerOption, label: string) {
  const page = await e.env.app.inject({ url: path });
  await ok(t, page, 200, `${label}: page`);
  const { csrf, radios } = formFieldsOf(page.body);
  if (purpose === 'pilotbetrieb') {
    const items = [...new Set([...page.body.matchAll(/name="status-([a-z0-9-]+)"/g)].map((m) => m[1]!))];
    t.ok(items.length > 0 && page.body.includes('value="live"'), `${label}: the page offers the checklist and the go-live`);
    const saved = await post(e, path, [['csrf', csrf], ['aktion', 'checkliste'], ...items.map((key): [string, string] => [`status-${key}`, 'erledigt'])]);
    await ok(t, saved, 200, `${label}: checklist saved`);
    if (option === 'live') {
      const live = await post(e, path, [['csrf', csrf], ['aktion', 'live'], ['onlineDienstUrl', 'https://dienst.example/pilot'], ['verknuepftAm', isoDate(e, -1)]]);
      await ok(t, live, 200, `${label}: go-live`);
      t.match(live.body, 'Vielen Dank');
    }
    return;
  }
  if (purpose === 'interesse' || purpose === 'bereitschaft') t.ok(radios.has(option), `${label}: the page offers „${option}“`);
  const answered = await post(e, path, [['csrf', csrf], ...fieldsFor(e, purpose, option)]);
  await ok(t, answered, 200, `${label}: answer taken`);
  t.match(answered.body, 'Vielen Dank');
}

/**
 * Each authority (one per answer the mail's links offer) answers one link of its own mail
 * with one answer; `sendStages` says in which stage each one was when the mail was sent.
 */
async function answerEach(t: Test, e: Env, kind: TemplateKind, purposes: readonly MailingLinkPurpose[], mails: Map<string, ReceivedMail>, sendStages: Map<string, Stage>) {
  const answers = purposes.flatMap((purpose) => ANSWER_OPTIONS[purpose].map((option) => ({ purpose, option: option as AnswerOption })));
  const authorities = [...mails.keys()];
  t.equal(authorities.length % answers.length, 0, `${kind}: one authority per answer and stage`);
  for (const [index, ars] of authorities.entries()) {
    const { purpose, option } = answers[index % answers.length]!;
    const links = await linksIn(e, mails.get(ars)!);
    t.same([...links.keys()].sort(), [...purposes].sort(), `${kind} to ${ars}: the links the mail asks with`);
    const stage = sendStages.get(ars)!;
    await answerThroughPage(t, e, links.get(purpose)!, purpose, option, `${kind}@${stage} ${ars} ${purpose}=${option}`);
    record(kind, stage, `${purpose}=${option}`);
  }
}

/** Sends jobs and returns each authority's newest mail of those received since `from`. */
async function newestMails(t: Test, e: Env, authorities: string[], from: number, subject: RegExp): Promise<Map<string, ReceivedMail>> {
  await drainSettling(e.env);
  const mails = new Map<string, ReceivedMail>();
  for (const ars of authorities) {
    const mail = (await mailsOf(e, ars, from)).filter((m) => subject.test(m.subject)).at(-1);
    t.ok(mail, `${ars} received a mail ${subject}`);
    if (mail) mails.set(ars, mail);
  }
  return mails;
}

/**
 * A mailing of `reminded` with a deadline and one reminder to `group`, whose last authority
 * moves on by `moveOn` before the deadline: the clock passes the deadline, every other one
 * gets the reminder and answers one of its links through the page, the one that moved on
 * gets none.
 */
async function remindedWalk(t: Test, e: Env, reminded: SendableKind, group: string[], moveOn: Record<string, unknown>) {
  const askedOnes = group.slice(0, -1);
  const movedOn = group.at(-1)!;
  const deadline = isoDate(e, 3);
  const sent = await api(e, 'POST', '/mailings', { kind: reminded, filter: { authorities: group }, deadline, reminders: { count: 1, intervalDays: 3 } });
  await ok(t, sent, 201, `${reminded} with a reminder`);
  await drainSettling(e.env);
  await participantEvent(t, e, movedOn, moveOn);
  const stages = new Map<string, Stage>();
  for (const ars of askedOnes) stages.set(ars, `${reminded}:${await stageOf(e, ars)}`);
  const from = e.sink.messages.length;
  e.env.clock.now = new Date(new Date(`${deadline}T12:00:00Z`).getTime() + DAY);
  const reminders = await newestMails(t, e, askedOnes, from, /Erinnerung/);
  t.same(
    (await mailsOf(e, movedOn, from)).map((mail) => mail.subject),
    [],
    `${reminded}: no reminder to ${movedOn}, moved on to ${await stageOf(e, movedOn)} where it cannot answer`,
  );
  await answerEach(t, e, 'erinnerung', linkPurposesFor(reminded), reminders, stages);
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: every mail kind in every stage it is sent in asks only for answers its links take`, async (t) => {
    walked.clear();
    const sink = await startSmtpSink();
    t.teardown(() => sink.close());
    const env = await buildTestApp(t, kind, { smtpUrl: sink.url, multiplierEmails: [MULTIPLIER] });
    const token = await env.ministryToken('MSGIV');
    const created = await env.app.inject({
      method: 'POST',
      url: '/api/v1/solutions',
      headers: bearer(token),
      payload: { title: 'Meldebescheinigung online', ozgId: '10131', leikaKeys: ['99102013000000'], responsibility: { level: 'gemeinde' } },
    });
    await ok(t, created, 201, 'solution');
    const id: string = created.json().id;
    const withAddress = await env.handle.db
      .selectFrom('participant as p')
      .innerJoin('authority as a', 'a.ars', 'p.ars')
      .select('p.ars')
      .where('p.solution_id', '=', id)
      .where('a.email', 'is not', null)
      .orderBy('p.ars')
      .execute();
    const e: Env = { env, sink, token, id, base: `/api/v1/solutions/${id}`, pool: withAddress.map((row) => row.ars) };
    const solutionEvent = async (event: Record<string, unknown>) => ok(t, await api(e, 'POST', '/events', event), 200, String(event.type));
    await ok(t, await api(e, 'PUT', '/mail-details', TEST_MAIL_DETAILS), 200, 'mail details');
    await solutionEvent({ type: 'ERSTINFORMATION_STARTEN' });

    const answersOf = (kind: TemplateKind) => linkPurposesFor(kind).reduce((n, purpose) => n + ANSWER_OPTIONS[purpose].length, 0);
    const erstAnswers = answersOf('erstinformation');

    // --- Step 1: the Erstinformation (to authorities not yet informed), with a reminder
    const firstGroup = take(e, erstAnswers);
    const repeatGroup = take(e, erstAnswers);
    const reminderGroup = take(e, erstAnswers);
    const pilotaufrufInformed = take(e, 2);
    const pilot = take(e, answersOf('pilot-einladung'));
    const later = take(e, 3); // moot questions at the end
    const informedForWaves = take(e, 3 * answersOf('rollout-einladung'));
    // for the Pilotaufruf's reminder: per stage after 'vorgemerkt' one per answer, and one that moves on
    const aufrufStages = reminderStages('pilotaufruf').map((label) => label.split(':')[1]!);
    const informedForAufruf = take(e, aufrufStages.filter((stage) => stage !== 'vorgemerkt').length * answersOf('pilotaufruf') + 1);
    const firstMailing = [...firstGroup, ...repeatGroup, ...reminderGroup, ...pilotaufrufInformed, ...pilot, ...later, ...informedForWaves, ...informedForAufruf];

    // pilotaufruf to authorities not yet informed (the Erstinformation has not reached them)
    const pilotaufrufVorgemerkt = take(e, answersOf('pilotaufruf'));
    let from = sink.messages.length;
    await ok(t, await api(e, 'POST', '/mailings', { kind: 'pilotaufruf', filter: { authorities: pilotaufrufVorgemerkt } }), 201, 'pilotaufruf to vorgemerkt');
    const aufrufMails = await newestMails(t, e, pilotaufrufVorgemerkt, from, /Pilotbehörden gesucht/);
    await answerEach(t, e, 'pilotaufruf', linkPurposesFor('pilotaufruf'), aufrufMails, new Map(pilotaufrufVorgemerkt.map((ars) => [ars, 'vorgemerkt'])));

    from = sink.messages.length;
    const deadline = isoDate(e, 10);
    const first = await api(e, 'POST', '/mailings', { kind: 'erstinformation', filter: { authorities: firstMailing }, deadline, reminders: { count: 1, intervalDays: 3 } });
    await ok(t, first, 201, 'Erstinformation');
    const firstMails = await newestMails(t, e, firstMailing, from, /^Erstinformation/);
    // the multipliers' copy: no answer links, it asks nothing of them
    const copy = sink.messages.slice(from).find((mail) => mail.envelopeTo.includes(MULTIPLIER));
    t.ok(copy, 'the multipliers got their copy');
    t.notMatch(copy!.text, /\/antwort\//, 'the copy carries no answer link');
    walked.set('erstinformation-multiplikator', new Map());
    const sentWhile = (group: string[], stage: Stage) => new Map(group.map((ars) => [ars, stage]));
    await answerEach(t, e, 'erstinformation', linkPurposesFor('erstinformation'), new Map(firstGroup.map((ars) => [ars, firstMails.get(ars)!])), sentWhile(firstGroup, 'vorgemerkt'));

    // the same Erstinformation again, to authorities it informed
    for (const ars of repeatGroup) t.equal(await stageOf(e, ars), 'informiert');
    from = sink.messages.length;
    await ok(t, await api(e, 'POST', '/mailings', { kind: 'erstinformation', filter: { authorities: repeatGroup }, erneut: true }), 201, 'Erstinformation again');
    await answerEach(t, e, 'erstinformation', linkPurposesFor('erstinformation'), await newestMails(t, e, repeatGroup, from, /^Erstinformation/), sentWhile(repeatGroup, 'informiert'));

    // the pilot call to informed and interested authorities
    await participantEvent(t, e, pilotaufrufInformed[1]!, { type: 'INTERESSE_BEKUNDEN' });
    // interest on record by the ministry's hand: the Erstinformation would ask for it again – refused by name;
    // interest given through the link: the mail's page shows that answer, the pilot link is still open – sent
    const askedAgain = await api(e, 'POST', '/mailings', { kind: 'erstinformation', filter: { authorities: [pilotaufrufInformed[1]!] }, erneut: true });
    await ok(t, askedAgain, 422, 'Erstinformation to an authority whose interest the ministry recorded');
    t.match(askedAgain.json().errors, [{ field: '/body/filter/authorities/0', message: /interessiert/ }]);
    t.equal(await stageOf(e, firstGroup[0]!), 'interessiert');
    await ok(t, await api(e, 'POST', '/mailings', { kind: 'erstinformation', filter: { authorities: [firstGroup[0]!] }, erneut: true }), 201, 'Erstinformation again after an answer through it');
    from = sink.messages.length;
    await ok(t, await api(e, 'POST', '/mailings', { kind: 'pilotaufruf', filter: { authorities: pilotaufrufInformed } }), 201, 'pilotaufruf to informiert/interessiert');
    await answerEach(
      t,
      e,
      'pilotaufruf',
      linkPurposesFor('pilotaufruf'),
      await newestMails(t, e, pilotaufrufInformed, from, /Pilotbehörden gesucht/),
      new Map([
        [pilotaufrufInformed[0]!, 'informiert'],
        [pilotaufrufInformed[1]!, 'interessiert'],
      ]),
    );

    // the deadline passes: the reminder carries the Erstinformation's links
    from = sink.messages.length;
    env.clock.now = new Date(new Date(`${deadline}T12:00:00Z`).getTime() + DAY);
    const reminders = await newestMails(t, e, reminderGroup, from, /Erinnerung/);
    t.notOk(
      (await mailsOf(e, firstGroup[0]!, from)).length + (await mailsOf(e, pilotaufrufInformed[1]!, from)).length,
      'no reminder to an authority that answered, nor to one the pilot call moved on',
    );
    await answerEach(t, e, 'erinnerung', linkPurposesFor('erstinformation'), reminders, sentWhile(reminderGroup, 'erstinformation:informiert'));

    // the ministry's escalation names the silent ones and asks nothing through a link
    from = sink.messages.length;
    env.clock.now = new Date(env.clock.now.getTime() + 4 * DAY);
    await drainSettling(env);
    const escalation = sink.messages.slice(from).find((mail) => mail.envelopeTo.includes(TEST_MAIL_DETAILS.kontaktEmail));
    t.ok(escalation, 'the escalation reached the ministry');
    t.notMatch(escalation!.text, /\/antwort\//, 'the escalation carries no answer link');
    walked.set('eskalation', new Map());

    // --- Step 2: a pilot confirmed by the ministry gets its page, and no question it cannot answer
    await solutionEvent({ type: 'PILOTPHASE_STARTEN' });

    // a Pilotaufruf with a deadline and a reminder, in every stage it is reminded of in; one proposed as pilot meanwhile
    const aufrufReminded: string[] = [];
    for (const stage of aufrufStages) {
      const group = stage === 'vorgemerkt' ? take(e, answersOf('pilotaufruf')) : informedForAufruf.splice(0, answersOf('pilotaufruf'));
      for (const ars of group) {
        if (stage === 'interessiert') await participantEvent(t, e, ars, { type: 'INTERESSE_BEKUNDEN' });
        t.equal(await stageOf(e, ars), stage, `${ars} brought to ${stage}`);
      }
      aufrufReminded.push(...group);
    }
    t.equal(informedForAufruf.length, 1);
    await remindedWalk(t, e, 'pilotaufruf', [...aufrufReminded, ...informedForAufruf], { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium' });
    from = sink.messages.length;
    for (const ars of pilot) {
      await participantEvent(t, e, ars, { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium' });
      await participantEvent(t, e, ars, { type: 'PILOT_BESTAETIGEN' });
    }
    const pilotMails = await newestMails(t, e, pilot, from, /Pilotbehörde/);
    // the pilot's page asks nothing with a deadline: a pilot invitation carries no reminders
    const mailingsBefore = await env.handle.db.selectFrom('mailing').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const remindPilot = await api(e, 'POST', '/mailings', { kind: 'pilot-einladung', filter: { authorities: [pilot[0]!] }, erneut: true, deadline: isoDate(e, 3), reminders: { count: 1, intervalDays: 3 } });
    await ok(t, remindPilot, 422, 'a pilot invitation with reminders');
    t.match(remindPilot.json().errors, [{ field: '/body/reminders/count' }]);
    const mailingsAfter = await env.handle.db.selectFrom('mailing').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    t.equal(Number(mailingsAfter.n), Number(mailingsBefore.n), 'nothing written');
    for (const mail of pilotMails.values()) t.notMatch(mail.text, /Bereitschaft/, 'a confirmed pilot is not asked to confirm its readiness');
    // its page takes both of its answers: the checklist (again and again), and the go-live
    await answerEach(t, e, 'pilot-einladung', linkPurposesFor('pilot-einladung'), pilotMails, sentWhile(pilot, 'pilot-bestaetigt'));
    t.equal(await stageOf(e, pilot.at(-1)!), 'pilot-live');

    // --- Step 3: waves invite in every stage a wave reaches; a manual invitation goes to the invited
    await solutionEvent({ type: 'ROLLOUT_STARTEN', override: { reason: 'Lessons Learned folgen' } });
    const rolloutAnswers = answersOf('rollout-einladung');
    const waveStages = recipientStages({ kind: 'rollout-einladung', mitWellenstart: true });
    const members: string[] = [];
    const memberStage = new Map<string, Stage>();
    for (const stage of waveStages) {
      const group = stage === 'vorgemerkt' ? take(e, rolloutAnswers) : informedForWaves.splice(0, rolloutAnswers);
      for (const ars of group) {
        if (stage === 'interessiert') await participantEvent(t, e, ars, { type: 'INTERESSE_BEKUNDEN' });
        if (stage === 'abgelehnt') await participantEvent(t, e, ars, { type: 'ABLEHNEN', reason: 'derzeit nicht' });
        t.equal(await stageOf(e, ars), stage);
        memberStage.set(ars, stage);
      }
      members.push(...group);
    }
    // (c) an excluded authority cannot be planned into a wave: its invitation would ask what it cannot answer
    const excluded = later[0]!;
    await participantEvent(t, e, excluded, { type: 'AUSSCHLIESSEN', reason: 'eigene Lösung' });
    const refused = await api(e, 'POST', '/waves', { name: 'Welle mit Ausgeschlossener', authorities: [members[0]!, excluded] });
    await ok(t, refused, 422, 'an excluded authority in the list');
    t.match(refused.json().errors, [{ field: '/body/authorities/1', message: /ausgeschlossen/ }]);
    // one planned member is excluded before the start: neither invited nor mailed
    const wave = await api(e, 'POST', '/waves', { name: 'Welle 1', authorities: [...members, later[1]!] });
    await ok(t, wave, 201, 'wave');
    await participantEvent(t, e, later[1]!, { type: 'AUSSCHLIESSEN', reason: 'eigene Lösung' });
    from = sink.messages.length;
    const started = await api(e, 'POST', `/waves/${wave.json().id}/start`, {});
    await ok(t, started, 200, 'wave start');
    t.same(started.json().notInvited, [{ ars: later[1]!, stage: 'ausgeschlossen' }]);
    t.equal(started.json().mailing.messages, members.length);
    const invitations = await newestMails(t, e, members, from, /Bereitschaft melden/);
    t.same(await mailsOf(e, later[1]!, from), [], 'no invitation to the member excluded after planning');
    for (const ars of members) t.equal(await stageOf(e, ars), 'eingeladen');
    await answerEach(t, e, 'rollout-einladung', linkPurposesFor('rollout-einladung'), invitations, memberStage);

    // invited in a wave without a mail; the ministry sends the invitation itself, then the machine's own reminder
    const silent = take(e, 2 * rolloutAnswers);
    const silentWave = await api(e, 'POST', '/waves', { name: 'Welle 2', authorities: silent });
    await ok(t, silentWave, 201, 'wave 2');
    await ok(t, await api(e, 'POST', `/waves/${silentWave.json().id}/start`, { einladungMailen: false, fristTage: 14 }), 200, 'wave 2 start');
    await drainSettling(env);
    const manual = silent.slice(0, rolloutAnswers);
    from = sink.messages.length;
    await ok(t, await api(e, 'POST', '/mailings', { kind: 'rollout-einladung', filter: { authorities: manual } }), 201, 'manual invitation');
    await answerEach(t, e, 'rollout-einladung', linkPurposesFor('rollout-einladung'), await newestMails(t, e, manual, from, /Bereitschaft melden/), sentWhile(manual, 'eingeladen'));
    const reminded = silent.slice(rolloutAnswers);
    from = sink.messages.length;
    await ok(t, await api(e, 'POST', '/mailings', { kind: 'rollout-einladung', filter: { authorities: reminded } }), 201, 'invitation to be reminded of');
    await drainSettling(env);
    from = sink.messages.length;
    env.clock.now = new Date(env.clock.now.getTime() + 15 * DAY);
    await answerEach(t, e, 'erinnerung', linkPurposesFor('rollout-einladung'), await newestMails(t, e, reminded, from, /Erinnerung/), sentWhile(reminded, 'rollout-einladung:eingeladen'));

    // a Rollout-Einladung mailing with a deadline and a reminder, to members of a wave started without a mail
    const invitedWithReminder = take(e, rolloutAnswers + 1);
    const invitedWave = await api(e, 'POST', '/waves', { name: 'Welle 3', authorities: invitedWithReminder });
    await ok(t, invitedWave, 201, 'wave 3');
    await ok(t, await api(e, 'POST', `/waves/${invitedWave.json().id}/start`, { einladungMailen: false, fristTage: 30 }), 200, 'wave 3 start');
    await drainSettling(env);
    for (const ars of invitedWithReminder) t.equal(await stageOf(e, ars), 'eingeladen');
    await remindedWalk(t, e, 'rollout-einladung', invitedWithReminder, { type: 'ONBOARDING_STARTEN' });

    // --- Every kind of the code's list was walked in every stage it is sent in, with every answer
    t.same([...walked.keys()].sort(), [...TEMPLATE_KINDS].sort(), 'every mail kind has its case');
    for (const mailKind of TEMPLATE_KINDS) {
      const stages = walked.get(mailKind) ?? new Map();
      t.same([...stages.keys()].sort(), EXPECTED_STAGES[mailKind]().sort(), `${mailKind}: every stage it is sent in`);
      const offered = (purposes: readonly MailingLinkPurpose[]) => purposes.flatMap((purpose) => ANSWER_OPTIONS[purpose].map((option) => `${purpose}=${option}`));
      for (const [stage, answers] of stages) {
        // a reminder carries the links of the mailing it reminds of
        const expected = offered(linkPurposesFor(mailKind === 'erinnerung' ? (stage.split(':')[0] as TemplateKind) : mailKind));
        t.same([...answers].sort(), [...expected].sort(), `${mailKind}@${stage}: every answer its links offer was taken`);
      }
    }

    // --- A later change makes a question moot: the page says so before any form
    const interestedLater = later[2]!;
    const laterMail = firstMails.get(interestedLater)!;
    const laterLinks = await linksIn(e, laterMail);
    await participantEvent(t, e, interestedLater, { type: 'INTERESSE_BEKUNDEN' });
    const partly = await env.app.inject({ url: laterLinks.get('interesse')! });
    await ok(t, partly, 200, 'interest on record: the page offers what is left');
    t.notMatch(partly.body, 'value="interesse"', 'interest is not asked for again');
    t.match(partly.body, 'value="kein-interesse"');
    t.match(partly.body, 'Interesse bekundet');
    const { csrf: partlyCsrf } = formFieldsOf(partly.body);
    const stale = await post(e, laterLinks.get('interesse')!, [['csrf', partlyCsrf], ['wahl', 'interesse']]);
    t.equal(stale.statusCode, 422, 'an older form’s answer that is no longer possible is named, not taken');
    t.match(stale.body, 'zum jetzigen Stand nicht mehr möglich');
    const target = /<div class="zusammenfassung"[\s\S]*?href="#([^"]+)"/.exec(stale.body)?.[1];
    t.ok(target && stale.body.includes(`id="${target}"`), 'the error summary leads to an answer the form offers');
    t.equal(await stageOf(e, interestedLater), 'interessiert');
    const excludedLinks = await linksIn(e, firstMails.get(excluded)!);
    for (const [purpose, path] of excludedLinks) {
      const moot = await env.app.inject({ url: path });
      t.equal(moot.statusCode, 409, `${purpose} of an excluded authority`);
      t.match(moot.body, 'Diese Anfrage hat sich erledigt');
      t.match(moot.body, 'von der Nachnutzung ausgenommen');
      t.notMatch(moot.body, '<form', 'no form');
    }

    // --- The rollout ends: no form on any link that can no longer be answered
    await solutionEvent({ type: 'ABBRECHEN', reason: 'Lösung wird eingestellt' });
    const stillOpen = await linksIn(e, firstMails.get(interestedLater)!);
    const unansweredInvitation = await linksIn(e, (await mailsOf(e, reminded[0]!)).find((mail) => /Bereitschaft melden/.test(mail.subject))!);
    for (const path of [stillOpen.get('pilot')!, unansweredInvitation.get('bus-bb')!]) {
      const closed = await env.app.inject({ url: path });
      t.equal(closed.statusCode, 410);
      t.match(closed.body, 'Keine Antwort mehr möglich');
      t.match(closed.body, 'Das Ministerium hat den Rollout dieser EfA-Lösung beendet');
      t.notMatch(closed.body, '<form', 'the ended rollout shows no form');
    }
  });
}
