import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import type { AnyStateNode } from 'xstate';
import type { DatabaseKind } from '../../src/db/database.ts';
import { toJson } from '../../src/db/schema.ts';
import {
  PARTICIPANT_STAGES,
  PARTICIPANTS_MOVING_STAGES,
  participantMachine,
  SOLUTION_STAGES,
  solutionMachine,
  type ParticipantStage,
  type SolutionStage,
} from '../../workflows/index.ts';
import {
  describeStanding,
  PARTICIPANT_NEXT_STEPS,
  PARTICIPANT_STAGE_LABELS,
  SOLUTION_HALTED_WORDS,
  SOLUTION_STAGE_LABELS,
} from '../../src/responses/stage.words.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { createSolution, drainSettling, sendErstinformation, TEST_MAIL_DETAILS } from '../helpers/rollout.ts';
import { issueLinkPath } from '../helpers/links.ts';
import { completeChecklist } from '../helpers/pilots.ts';
import { POTSDAM, BARNIM } from '../helpers/tickets.ts';
import { csrfOf, postForm } from '../helpers/forms.ts';

/**
 * Every page behind an authority's link shows "Ihr Stand": its stage in words, the
 * rollout's phase and what comes next – or, while the rollout is paused or over, that
 * (issue 16, point 5). The words cover every stage of the machines; the pages are checked
 * through the real routes and links while a rollout is walked through its stages.
 */

const COTTBUS = '120520000000';
const DAHME_SPREEWALD = '120610000000';
const HAVELLAND = '120630000000';
const MAERKISCH_ODERLAND = '120640000000';
const OBERHAVEL = '120650000000';
const ODER_SPREE = '120670000000';
const DAY = 24 * 60 * 60 * 1000;

/** The leaf states of a machine: its stages (history pseudo-states are none). */
function leafStates(node: AnyStateNode): string[] {
  const children = Object.values(node.states);
  if (children.length === 0) return node.type === 'history' ? [] : [node.key];
  return children.flatMap(leafStates);
}

t.test('every stage of the machines has its words: a label, and what comes next or why nothing moves', async (t) => {
  const participantStages = leafStates(participantMachine.root);
  t.same([...participantStages].sort(), [...PARTICIPANT_STAGES].sort(), 'PARTICIPANT_STAGES is the machine’s list of states');
  for (const stage of participantStages as ParticipantStage[]) {
    t.ok(PARTICIPANT_STAGE_LABELS[stage]?.trim(), `label for participant stage ${stage}`);
    t.ok(PARTICIPANT_NEXT_STEPS[stage]?.trim(), `next step for participant stage ${stage}`);
    t.notMatch(PARTICIPANT_STAGE_LABELS[stage], stage.includes('-') ? stage : /^$/, `${stage}: words, not the machine key`);
  }
  const solutionStages = leafStates(solutionMachine.root);
  t.same([...solutionStages].sort(), [...SOLUTION_STAGES].sort(), 'SOLUTION_STAGES is the machine’s list of states');
  for (const stage of solutionStages as SolutionStage[]) {
    t.ok(SOLUTION_STAGE_LABELS[stage]?.trim(), `label for solution stage ${stage}`);
    const moving = PARTICIPANTS_MOVING_STAGES.includes(stage);
    if (!moving) t.ok(SOLUTION_HALTED_WORDS[stage as keyof typeof SOLUTION_HALTED_WORDS]?.trim(), `what a paused or ended rollout means, for ${stage}`);
    for (const participantStage of participantStages as ParticipantStage[]) {
      const words = describeStanding({ participantStage, solutionStage: stage, readiness: null });
      t.ok(words?.next.trim(), `${participantStage} in ${stage}: something is said`);
      if (!moving) t.equal(words?.next, SOLUTION_HALTED_WORDS[stage as keyof typeof SOLUTION_HALTED_WORDS], `${stage}: said instead of the next step`);
    }
  }
  t.equal(describeStanding({ participantStage: null, solutionStage: 'rollout', readiness: null }), null, 'no participant of a running rollout: nothing to say');
});

interface ExpectedStanding {
  stage: ParticipantStage;
  phase: SolutionStage;
  /** Default: the stage's next step (or, while nothing moves, the rollout's state); false: the page itself says it. */
  next?: string | RegExp | false;
}

const unescape = (text: string) =>
  text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&#x27;', "'").replaceAll('&amp;', '&');

/** The "Ihr Stand" block of a page as label → text; null when the page has none. */
function standingOn(body: string): Record<string, string> | null {
  const section = /<section class="kasten" aria-labelledby="stand-titel">\s*<h2 id="stand-titel">Ihr Stand<\/h2>([\s\S]*?)<\/section>/.exec(body)?.[1];
  if (!section) return null;
  return Object.fromEntries([...section.matchAll(/<dt>([^<]*)<\/dt><dd>([^<]*)<\/dd>/g)].map((m) => [m[1]!, unescape(m[2]!)]));
}

function expectStanding(t: Test, what: string, page: { statusCode: number; body: string }, status: number, expected: ExpectedStanding) {
  t.equal(page.statusCode, status, `${what}: ${status}`);
  const shown = standingOn(page.body);
  if (!shown) return t.fail(`${what}: no "Ihr Stand" block`, { body: page.body });
  t.equal(shown['Stand Ihrer Behörde'], PARTICIPANT_STAGE_LABELS[expected.stage], `${what}: stage ${expected.stage} in words`);
  t.equal(shown['Rollout der Lösung'], SOLUTION_STAGE_LABELS[expected.phase], `${what}: phase ${expected.phase}`);
  const halted = SOLUTION_HALTED_WORDS[expected.phase as keyof typeof SOLUTION_HALTED_WORDS];
  const next = expected.next ?? halted ?? PARTICIPANT_NEXT_STEPS[expected.stage];
  if (next === false) t.notOk('Wie es weitergeht' in shown, `${what}: the page's own text says what comes next`);
  else if (typeof next === 'string') t.equal(shown['Wie es weitergeht'], next, `${what}: what comes next`);
  else t.match(shown['Wie es weitergeht'], next, `${what}: what comes next`);
  for (const key of PARTICIPANT_STAGES.filter((stage) => stage.includes('-'))) t.notMatch(JSON.stringify(shown), key, `${what}: no machine key`);
}

/** Opens the page's form and posts it as a browser would. */
async function answer(env: TestApp, path: string, fields: Array<[string, string]>) {
  return postForm(env, path, [['csrf', await csrfOf(env, path)], ...fields]);
}

const get = (env: TestApp, path: string) => env.app.inject({ url: path });

for (const kind of databaseKinds()) {
  t.test(`${kind}: every page behind the links shows the authority's stage and what comes next, through a whole rollout`, async (t) => {
    const env = await buildTestApp(t, kind as DatabaseKind);
    const token = await env.ministryToken('MSGIV');
    const solutionId = await createSolution(env, token);
    const base = `/api/v1/solutions/${solutionId}`;
    const solutionEvent = async (event: Record<string, unknown>) => {
      const sent = await env.app.inject({ method: 'POST', url: `${base}/events`, headers: bearer(token), payload: event });
      t.equal(sent.statusCode, 200, `${String(event.type)}: ${sent.body}`);
    };
    const participantEvent = async (auth: string, ars: string, event: Record<string, unknown>) => {
      const sent = await env.app.inject({ method: 'POST', url: `${base}/participants/${ars}/events`, headers: bearer(auth), payload: event });
      t.equal(sent.statusCode, 200, `${ars} ${String(event.type)}: ${sent.body}`);
    };
    t.equal((await env.app.inject({ method: 'PUT', url: `${base}/mail-details`, headers: bearer(token), payload: TEST_MAIL_DETAILS })).statusCode, 200);
    await solutionEvent({ type: 'ERSTINFORMATION_STARTEN' });

    // vorgemerkt: the Erstinformation has not gone out yet
    // (a mailing of another kind: an unfinished Erstinformation mailing would hold up the pilot phase)
    const early = randomUUID();
    await env.handle.db
      .insertInto('mailing')
      .values({ id: early, solution_id: solutionId, kind: 'pilotaufruf', filter: toJson({}), recipients_total: 1, without_address: toJson([]), created_by: 'test' })
      .execute();
    const dahmeInterest = await issueLinkPath(env, { solutionId, mailingId: early, ars: DAHME_SPREEWALD, purpose: 'interesse' });
    expectStanding(t, 'interest form, not yet informed', await get(env, dahmeInterest), 200, { stage: 'vorgemerkt', phase: 'erstinformation' });

    // Step 1: the Erstinformation; the authorities answer through its links
    const { mailingId } = await sendErstinformation(env, token, solutionId);
    const link = (ars: string, purpose: Parameters<typeof issueLinkPath>[1]['purpose']) => issueLinkPath(env, { solutionId, mailingId, ars, purpose });
    const potsdamInterest = await link(POTSDAM, 'interesse');
    expectStanding(t, 'interest form', await get(env, potsdamInterest), 200, { stage: 'informiert', phase: 'erstinformation' });
    const interested = await answer(env, potsdamInterest, [['wahl', 'interesse']]);
    expectStanding(t, 'thanks after the interest', interested, 200, { stage: 'interessiert', phase: 'erstinformation' });
    t.match(interested.body, 'Zu dieser Anfrage müssen Sie nichts weiter tun');
    expectStanding(t, 'interest link, already answered', await get(env, potsdamInterest), 409, { stage: 'interessiert', phase: 'erstinformation' });

    const declined = await answer(env, await link(COTTBUS, 'interesse'), [['wahl', 'kein-interesse']]);
    expectStanding(t, 'thanks after declining', declined, 200, { stage: 'abgelehnt', phase: 'erstinformation' });
    const notResponsible = await answer(env, await link(OBERHAVEL, 'interesse'), [['wahl', 'nicht-zustaendig'], ['freitext', 'Zuständig ist der Landkreis.']]);
    expectStanding(t, 'thanks after "nicht zuständig"', notResponsible, 200, { stage: 'nicht-zustaendig', phase: 'erstinformation' });

    // the problem report and the ticket pages, from the answered link
    const problem = `${potsdamInterest}/problem`;
    expectStanding(t, 'problem form', await get(env, problem), 200, { stage: 'interessiert', phase: 'erstinformation' });
    const reported = await answer(env, problem, [['kategorie', 'transport'], ['betreff', 'OSCI'], ['beschreibung', 'keine Zustellung']]);
    expectStanding(t, 'problem reported', reported, 200, { stage: 'interessiert', phase: 'erstinformation' });
    const ticketHref = /href="([^"]+\/tickets\/\d+)"/.exec(reported.body)![1]!;
    const ticketPage = new URL(ticketHref, `http://efa.test${problem}`).pathname;
    const ticketList = ticketPage.replace(/\/tickets\/\d+$/, '');
    expectStanding(t, 'ticket list', await get(env, ticketList), 200, { stage: 'interessiert', phase: 'erstinformation' });
    expectStanding(t, 'ticket page', await get(env, ticketPage), 200, { stage: 'interessiert', phase: 'erstinformation' });

    // Step 2: Potsdam applies as pilot, confirms its readiness, ticks its checklist, goes live
    await solutionEvent({ type: 'PILOTPHASE_STARTEN' });
    expectStanding(t, 'ticket list in the pilot phase', await get(env, ticketList), 200, { stage: 'interessiert', phase: 'pilotphase' });
    const applied = await answer(env, await link(POTSDAM, 'pilot'), [['freitext', 'Fachverfahren: OK.VERFAHREN']]);
    expectStanding(t, 'thanks after the pilot application', applied, 200, { stage: 'pilot-kandidat', phase: 'pilotphase' });
    const potsdamReadiness = await link(POTSDAM, 'bereitschaft');
    expectStanding(t, 'readiness form of a candidate', await get(env, potsdamReadiness), 200, { stage: 'pilot-kandidat', phase: 'pilotphase' });
    const confirmed = await answer(env, potsdamReadiness, [['status', 'bereit']]);
    expectStanding(t, 'thanks after confirming as pilot', confirmed, 200, { stage: 'pilot-bestaetigt', phase: 'pilotphase' });
    const pilotPage = await link(POTSDAM, 'pilotbetrieb');
    expectStanding(t, 'pilot page', await get(env, pilotPage), 200, { stage: 'pilot-bestaetigt', phase: 'pilotphase' });
    await completeChecklist(env, token, solutionId, POTSDAM);
    const yesterday = new Date(env.clock.now.getTime() - DAY).toISOString().slice(0, 10);
    const live = await answer(env, pilotPage, [['aktion', 'live'], ['onlineDienstUrl', 'https://elterngeld.potsdam.example/antrag'], ['verknuepftAm', yesterday]]);
    expectStanding(t, 'thanks after the go-live', live, 200, { stage: 'pilot-live', phase: 'pilotphase' });
    expectStanding(t, 'ticket page of a pilot gone live', await get(env, ticketPage), 200, { stage: 'pilot-live', phase: 'pilotphase' });

    // Step 3: the rollout in waves
    await solutionEvent({ type: 'ROLLOUT_STARTEN', override: { reason: 'Pilot erfolgreich, Erfahrungen folgen' } });
    const lateInterest = await link(MAERKISCH_ODERLAND, 'interesse');
    expectStanding(t, 'interest form once the rollout runs', await get(env, lateInterest), 200, { stage: 'informiert', phase: 'rollout', next: /Welle/ });
    await solutionEvent({ type: 'WELLE_STARTEN', label: 'Welle 1', authorities: [BARNIM, HAVELLAND], fristTage: 14 });
    await drainSettling(env);

    const barnimReadiness = await link(BARNIM, 'bereitschaft');
    expectStanding(t, 'readiness form of an invited authority', await get(env, barnimReadiness), 200, { stage: 'eingeladen', phase: 'rollout' });
    const ready = await answer(env, barnimReadiness, [['status', 'bereit']]);
    expectStanding(t, 'thanks after "bereit"', ready, 200, { stage: 'onboarding', phase: 'rollout' });
    const notReady = await answer(env, await link(HAVELLAND, 'bereitschaft'), [['status', 'nicht-bereit'], ['gruende', 'personal']]);
    expectStanding(t, 'thanks after "noch nicht bereit"', notReady, 200, { stage: 'eingeladen', phase: 'rollout', next: /noch nicht bereit.*Kommunale Anwendungszentrum/ });

    const barnimBusBb = await link(BARNIM, 'bus-bb');
    expectStanding(t, 'BUS-BB form', await get(env, barnimBusBb), 200, { stage: 'onboarding', phase: 'rollout' });
    const linked = await answer(env, barnimBusBb, [['onlineDienstUrl', 'https://elterngeld.barnim.example/antrag'], ['verknuepftAm', yesterday]]);
    expectStanding(t, 'thanks after the linking', linked, 200, { stage: 'bus-bb-verknuepft', phase: 'rollout' });
    const redaktion = await env.roleToken('landesredaktion');
    for (const schritt of ['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar']) {
      await participantEvent(redaktion, BARNIM, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt });
    }
    await participantEvent(redaktion, BARNIM, { type: 'LIVE_BESTAETIGEN' });
    expectStanding(t, 'BUS-BB link after going live', await get(env, barnimBusBb), 409, { stage: 'live', phase: 'rollout' });
    expectStanding(t, 'problem form of an authority gone live', await get(env, `${barnimBusBb}/problem`), 200, { stage: 'live', phase: 'rollout' });

    // a question the authority moved past: its page says so, and what comes next
    await participantEvent(token, ODER_SPREE, { type: 'AUSSCHLIESSEN', reason: 'Eigenentwicklung im Landkreis' });
    expectStanding(t, 'interest link of an excluded authority', await get(env, await link(ODER_SPREE, 'interesse')), 409, { stage: 'ausgeschlossen', phase: 'rollout' });

    // paused: every page says so instead of a next step
    await solutionEvent({ type: 'PAUSIEREN', reason: 'Haushaltssperre' });
    expectStanding(t, 'ticket list, paused', await get(env, ticketList), 200, { stage: 'pilot-live', phase: 'pausiert' });
    expectStanding(t, 'problem form, paused', await get(env, `${barnimBusBb}/problem`), 200, { stage: 'live', phase: 'pausiert' });
    const resting = await get(env, lateInterest);
    expectStanding(t, 'interest link, paused', resting, 409, { stage: 'informiert', phase: 'pausiert', next: false });
    t.match(resting.body, 'vorübergehend angehalten', 'the page itself says the rollout rests');
    await solutionEvent({ type: 'FORTSETZEN' });
    expectStanding(t, 'interest form, resumed', await get(env, lateInterest), 200, { stage: 'informiert', phase: 'rollout', next: /Welle/ });

    // ended
    await solutionEvent({ type: 'ABBRECHEN', reason: 'Der Bund stellt die Lösung ein' });
    expectStanding(t, 'ticket page, rollout ended', await get(env, ticketPage), 200, { stage: 'pilot-live', phase: 'abgebrochen' });
    expectStanding(t, 'interest link, rollout ended', await get(env, lateInterest), 410, { stage: 'informiert', phase: 'abgebrochen', next: false });
    const noNewTicket = await answer(env, `${barnimBusBb}/problem`, [['kategorie', 'transport'], ['betreff', 'OSCI'], ['beschreibung', 'keine Zustellung']]);
    expectStanding(t, 'problem report after the end', noNewTicket, 409, { stage: 'live', phase: 'abgebrochen', next: false });
  });
}
