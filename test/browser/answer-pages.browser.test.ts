import t, { type Test } from 'tap';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page, Request, Response } from 'playwright-core';
import type { LinkPurpose } from '../../src/db/schema.ts';
import type { WorkflowEvent } from '../../src/engine/workflow.engine.ts';
import { sendParticipantEvent } from '../../src/solutions/participant.target.ts';
import { sendSolutionEvent } from '../../src/solutions/solution.target.ts';
import { berlinDate } from '../../src/responses/response.service.ts';
import { getLinkSecret, issueResponseLinks } from '../../src/links/link.service.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { chromiumMissing, horizontalOverflow, launchChromium, NARROW_VIEWPORT } from '../helpers/browser.ts';
import { databaseKinds, wideProbeKinds } from '../helpers/databases.ts';
import { insertBareMailing } from '../helpers/rows.ts';
import { completeChecklist } from '../helpers/pilots.ts';
import type { LinkContext, RecordedAnswer } from '../../src/responses/response.service.ts';
import type { ChecklistEntry } from '../../src/pilots/go-live.gate.ts';
import type { AuthorityTicketView } from '../../src/tickets/authority-tickets.service.ts';
import type { Html } from '../../src/markup/html.ts';
import { renderAnswerForm, renderThanksPage } from '../../src/web/answer.pages.ts';
import { renderErrorPage, renderFormRejectedPage, renderInvalidInputPage } from '../../src/web/error.pages.ts';
import {
  renderAlreadyAnsweredPage,
  renderClosedQuestionPage,
  renderExpiredLinkPage,
  renderSupersededLinkPage,
  renderUnfittingAnswerPage,
  renderUnknownLinkPage,
} from '../../src/web/link-problem.pages.ts';
import { renderNotAPilotPage, renderPilotPage } from '../../src/web/pilot.page.ts';
import {
  renderProblemForm,
  renderProblemReportedPage,
  renderRolloutEndedPage,
  renderTicketListPage,
  renderTicketPage,
  renderTooManyReportsPage,
} from '../../src/web/ticket.pages.ts';

/**
 * The answer pages as an authority meets them: a real Chromium opens the link from
 * the mail, a person clicks the labels and types, and presses the button. Nothing
 * here sets Origin, Referer or Sec-Fetch-* by hand – that is the point: the
 * inject tests did, and missed that every real submit was refused.
 */

const BRANDENBURG_HAVEL = '120510000000';
const COTTBUS = '120520000000';
const FRANKFURT_ODER = '120530000000';
const POTSDAM = '120540000000';
const BARNIM = '120600000000';
const DAHME_SPREEWALD = '120610000000';
const ELBE_ELSTER = '120620000000';
const HAVELLAND = '120630000000';
const MAERKISCH_ODERLAND = '120640000000';
const OBERHAVEL = '120650000000';
const OBERSPREEWALD_LAUSITZ = '120660000000';
const ODER_SPREE = '120670000000';
const POTSDAM_MITTELMARK = '120690000000';
const PRIGNITZ = '120700000000';
const SPREE_NEISSE = '120710000000';
const TELTOW_FLAEMING = '120720000000';

type StartStage = 'informiert' | 'pilot-kandidat' | 'pilot-bestaetigt' | 'eingeladen' | 'onboarding';

/** Where each authority stands before it answers in the browser. */
const START: Record<string, StartStage> = {
  [POTSDAM]: 'informiert',
  [COTTBUS]: 'informiert',
  [BRANDENBURG_HAVEL]: 'informiert',
  [BARNIM]: 'informiert',
  [FRANKFURT_ODER]: 'informiert',
  [PRIGNITZ]: 'informiert',
  [SPREE_NEISSE]: 'informiert',
  [DAHME_SPREEWALD]: 'pilot-kandidat',
  [ELBE_ELSTER]: 'eingeladen',
  [HAVELLAND]: 'eingeladen',
  [MAERKISCH_ODERLAND]: 'eingeladen',
  [OBERSPREEWALD_LAUSITZ]: 'eingeladen',
  [OBERHAVEL]: 'onboarding',
  [POTSDAM_MITTELMARK]: 'onboarding',
  [ODER_SPREE]: 'pilot-bestaetigt',
  [TELTOW_FLAEMING]: 'pilot-bestaetigt',
};

/**
 * The rollout up to the point where the authorities answer: a Kreis-level solution
 * in its Erstinformation step, and the participants of START moved where they start.
 * The only place in this file that talks to the engine directly – the events here
 * stand for what the mailing, the ministry and the waves do, which is not under
 * test.
 */
async function setUpRollout(t: Test, env: TestApp): Promise<{ solutionId: string; ministry: string }> {
  const ministry = await env.ministryToken('MSGIV');
  const created = await env.app.inject({
    method: 'POST',
    url: '/api/v1/solutions',
    headers: bearer(ministry),
    payload: { title: 'Elterngeld digital', ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } },
  });
  t.equal(created.statusCode, 201, created.body);
  const solutionId: string = created.json().id;
  const details = await env.app.inject({
    method: 'PUT',
    url: `/api/v1/solutions/${solutionId}/mail-details`,
    headers: bearer(ministry),
    payload: { kontaktName: 'Referat 32, Frau Beispiel', kontaktEmail: 'ozg@msgiv.example' },
  });
  t.equal(details.statusCode, 200, details.body);

  // These events stand for what the mailing and the waves do, so they are sent as the
  // system sends them.
  const sender = { actor: 'system:test-setup', origin: 'system' as const };
  await sendSolutionEvent(env.engine, { solutionId, event: { type: 'ERSTINFORMATION_STARTEN' }, ...sender });

  // Each authority is informed by its own event (what the delivered Erstinformation
  // does), not through the mailing's effects: the mailing is not under test here.
  const inform: WorkflowEvent = { type: 'INFORMIEREN' };
  const invite: WorkflowEvent = { type: 'EINLADEN', wave: 'Welle 1', fristTage: 14 };
  const steps: Record<StartStage, WorkflowEvent[]> = {
    informiert: [inform],
    'pilot-kandidat': [inform, { type: 'ALS_PILOT_BEWERBEN' }],
    'pilot-bestaetigt': [inform, { type: 'ALS_PILOT_BEWERBEN' }, { type: 'PILOT_BESTAETIGEN' }],
    eingeladen: [inform, invite],
    onboarding: [inform, invite, { type: 'ONBOARDING_STARTEN' }],
  };
  for (const [ars, stage] of Object.entries(START)) {
    for (const event of steps[stage]) await sendParticipantEvent(env.engine, { solutionId, ars, event, ...sender });
  }
  // Checked through the API: the engine reports a refused event as an outcome, so a
  // refused set-up step would otherwise pass unnoticed.
  for (const [ars, stage] of Object.entries(START)) {
    const shown = await env.app.inject({ url: `/api/v1/solutions/${solutionId}/participants/${ars}`, headers: bearer(ministry) });
    t.equal(shown.json().stage, stage, `set-up: ${ars} starts ${stage}`);
  }
  // the confirmed pilot has settled its checklist: its go-live is not held up by the gate
  await completeChecklist(env, ministry, solutionId, ODER_SPREE);
  return { solutionId, ministry };
}

/** A page of its own per case, with every request the browser sent. */
async function openPage(t: Test, context: BrowserContext): Promise<{ page: Page; sent: Request[] }> {
  const page = await context.newPage();
  t.teardown(() => page.close());
  const sent: Request[] = [];
  page.on('request', (request) => sent.push(request));
  return { page, sent };
}

/** Presses the form's button and waits for the page that answers the POST. */
async function submit(page: Page, button: string): Promise<Response> {
  const main = page.mainFrame();
  const navigated = page.waitForEvent('framenavigated', { predicate: (frame) => frame === main });
  const answered = page.waitForResponse((response) => response.request().method() === 'POST' && response.request().isNavigationRequest());
  await page.getByRole('button', { name: button, exact: true }).click();
  const response = await answered;
  await navigated;
  await page.waitForLoadState('domcontentloaded');
  return response;
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 }).innerText();

/** A person clicks the words of an option, not the tiny box. */
async function choose(t: Test, page: Page, label: string) {
  await page.locator('label').getByText(label, { exact: true }).click();
  t.ok(await page.getByLabel(label, { exact: true }).isChecked(), `„${label}“ is chosen`);
}

async function type(page: Page, label: string, text: string) {
  await page.getByLabel(label, { exact: true }).pressSequentially(text);
}

/**
 * Date fields: Chromium's date control takes its segment order from the browser's
 * own locale, not from the page, so typed digits land in different segments on
 * different machines. `fill` sets the value the way the date picker does.
 */
async function pickDate(page: Page, label: string, isoDate: string) {
  await page.getByLabel(label, { exact: true }).fill(isoDate);
}

const THANKS = 'Vielen Dank, Ihre Antwort ist eingegangen';
const DAY = 24 * 60 * 60 * 1000;

for (const kind of wideProbeKinds()) {
  t.test(`${kind}: authorities answer every kind of page in Chromium`, { skip: chromiumMissing() ?? false }, async (t) => {
    const env = await buildTestApp(t, kind);
    await env.app.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
    const { solutionId, ministry } = await setUpRollout(t, env);
    // One context for all cases: no case leaves cookies or storage behind (the pages
    // use none), and a context costs more than the page itself.
    const context = await (await launchChromium(t)).newContext({ locale: 'de-DE', timezoneId: 'Europe/Berlin' });
    context.setDefaultTimeout(10_000);

    const secret = await getLinkSecret(env.handle.db);
    const mailingId = await insertBareMailing(env.handle.db, solutionId);
    /** The link from the mail, pointing at the server under test. */
    const linkFor = async (ars: string, purpose: LinkPurpose) => {
      const expiresAt = new Date(env.clock.now.getTime() + 30 * DAY);
      const urls = await issueResponseLinks(env.handle.db, {
        secret,
        solutionId,
        ars,
        mailingId,
        purposes: [purpose],
        expiresAt,
        baseUrl: env.mail.routes.publicBaseUrl,
      });
      return `${origin}${new URL(urls[purpose]!).pathname}`;
    };
    const participant = async (ars: string) =>
      (await env.app.inject({ url: `/api/v1/solutions/${solutionId}/participants/${ars}`, headers: bearer(ministry) })).json();

    /** Opens the link as if clicked in the mail. */
    async function open(t: Test, ars: string, purpose: LinkPurpose) {
      const url = await linkFor(ars, purpose);
      const { page, sent } = await openPage(t, context);
      const shown = await page.goto(url);
      t.equal(shown?.status(), 200, 'the form opens');
      return { page, sent, url };
    }

    /** What the browser really sent: the POST is same-origin, and no Referer went anywhere else. */
    async function checkSent(t: Test, sent: Request[], url: string) {
      const posts = sent.filter((request) => request.method() === 'POST');
      t.ok(posts.length > 0, 'the browser posted the form');
      for (const request of sent) {
        const headers = await request.allHeaders();
        t.ok(request.url().startsWith(`${origin}/`), `only the service was asked (${request.method()})`);
        if (headers.referer !== undefined) t.ok(headers.referer.startsWith(`${origin}/`), 'a Referer only to the own origin');
      }
      for (const request of posts) {
        const headers = await request.allHeaders();
        t.equal(headers.origin, origin, 'the POST names the real origin');
        t.equal(headers['sec-fetch-site'], 'same-origin');
        t.equal(request.url(), url, 'the form posts to its own link');
      }
    }

    /** Submits and checks the thanks page and the participant's stage through the API. */
    async function expectThanks(t: Test, page: Page, button: string, ars: string, stage: string) {
      const response = await submit(page, button);
      t.equal(response.status(), 200, await heading(page));
      t.equal(await heading(page), THANKS);
      const shown = await participant(ars);
      t.equal(shown.stage, stage, `the authority is ${stage} now`);
      return shown;
    }

    const yesterday = berlinDate(new Date(env.clock.now.getTime() - DAY));
    const inSixtyDays = berlinDate(new Date(env.clock.now.getTime() + 60 * DAY));
    const germanDate = (iso: string) => iso.split('-').reverse().join('.');

    t.test('interesse: interest', async (t) => {
      const { page, sent, url } = await open(t, POTSDAM, 'interesse');
      t.equal(await heading(page), 'Rückmeldung zur Nachnutzung');
      await choose(t, page, 'Wir haben Interesse und möchten weiter informiert werden.');
      await type(page, 'Bemerkungen', 'Ansprechpartnerin: Frau Muster');
      await expectThanks(t, page, 'Antwort senden', POTSDAM, 'interessiert');
      t.match(await page.locator('main').innerText(), 'Ansprechpartnerin: Frau Muster');
      await checkSent(t, sent, url);
    });

    t.test('interesse: pilot', async (t) => {
      const { page, sent, url } = await open(t, COTTBUS, 'interesse');
      await choose(t, page, 'Wir möchten als Pilotbehörde mitwirken.');
      await expectThanks(t, page, 'Antwort senden', COTTBUS, 'pilot-kandidat');
      await checkSent(t, sent, url);
    });

    t.test('interesse: no interest', async (t) => {
      const { page, sent, url } = await open(t, BRANDENBURG_HAVEL, 'interesse');
      await choose(t, page, 'Wir haben derzeit kein Interesse.');
      await expectThanks(t, page, 'Antwort senden', BRANDENBURG_HAVEL, 'abgelehnt');
      await checkSent(t, sent, url);
    });

    t.test('interesse: not responsible, naming who is', async (t) => {
      const { page, sent, url } = await open(t, BARNIM, 'interesse');
      await choose(t, page, 'Wir sind für diese Leistung nicht zuständig.');
      await type(page, 'Bemerkungen', 'Zuständig ist die Stadt Eberswalde');
      const shown = await expectThanks(t, page, 'Antwort senden', BARNIM, 'nicht-zustaendig');
      t.equal(shown.context.reason, 'Zuständig ist die Stadt Eberswalde');
      await checkSent(t, sent, url);
    });

    t.test('pilot: application', async (t) => {
      const { page, sent, url } = await open(t, FRANKFURT_ODER, 'pilot');
      t.equal(await heading(page), 'Bewerbung als Pilotbehörde');
      await type(page, 'Bemerkungen', 'Fachverfahren: Beispiel-EG');
      await expectThanks(t, page, 'Als Pilotbehörde bewerben', FRANKFURT_ODER, 'pilot-kandidat');
      t.match(await page.locator('main').innerText(), 'Wir bewerben uns als Pilotbehörde.');
      await checkSent(t, sent, url);
    });

    t.test('bereitschaft: a pilot candidate is ready', async (t) => {
      const { page, sent, url } = await open(t, DAHME_SPREEWALD, 'bereitschaft');
      t.equal(await heading(page), 'Bereitschaft zur Nachnutzung');
      await choose(t, page, 'Wir sind bereit.');
      await expectThanks(t, page, 'Antwort senden', DAHME_SPREEWALD, 'pilot-bestaetigt');
      await checkSent(t, sent, url);
    });

    t.test('bereitschaft: an invited authority is ready', async (t) => {
      const { page, sent, url } = await open(t, ELBE_ELSTER, 'bereitschaft');
      await choose(t, page, 'Wir sind bereit.');
      const shown = await expectThanks(t, page, 'Antwort senden', ELBE_ELSTER, 'onboarding');
      t.match(shown.context.readiness, { status: 'bereit' });
      await checkSent(t, sent, url);
    });

    t.test('bereitschaft: ready from a date', async (t) => {
      const { page, sent, url } = await open(t, HAVELLAND, 'bereitschaft');
      await choose(t, page, 'Wir sind ab einem bestimmten Datum bereit.');
      await pickDate(page, 'Bereit ab', inSixtyDays);
      await type(page, 'Erläuterung', 'nach der Haushaltsfreigabe');
      const shown = await expectThanks(t, page, 'Antwort senden', HAVELLAND, 'eingeladen');
      t.match(shown.context.readiness, { status: 'bereit-ab', ab: inSixtyDays, freitext: 'nach der Haushaltsfreigabe' });
      t.match(await page.locator('main').innerText(), `Wir sind ab dem ${germanDate(inSixtyDays)} bereit.`);
      await checkSent(t, sent, url);
    });

    t.test('bereitschaft: not ready, with reasons', async (t) => {
      const { page, sent, url } = await open(t, MAERKISCH_ODERLAND, 'bereitschaft');
      await choose(t, page, 'Wir sind noch nicht bereit.');
      await choose(t, page, 'ePayment (Bezahldienst)');
      await choose(t, page, 'Vertrag zur Auftragsverarbeitung (AVV)');
      await choose(t, page, 'Sonstiges (bitte unten erläutern)');
      await type(page, 'Erläuterung', 'Kassenverfahren wird umgestellt');
      const shown = await expectThanks(t, page, 'Antwort senden', MAERKISCH_ODERLAND, 'eingeladen');
      t.match(shown.context.readiness, { status: 'nicht-bereit', freitext: 'Kassenverfahren wird umgestellt' });
      t.same([...shown.context.readiness.gruende].sort(), ['avv', 'epayment', 'sonstiges']);
      await checkSent(t, sent, url);
    });

    t.test('bus-bb: from onboarding', async (t) => {
      const { page, sent, url } = await open(t, OBERHAVEL, 'bus-bb');
      t.equal(await heading(page), 'Verknüpfung im BUS-BB melden');
      await type(page, 'Adresse (URL) des Online-Dienstes', 'https://elterngeld.oberhavel.example/antrag');
      await pickDate(page, 'Verknüpft am', yesterday);
      await choose(t, page, 'Online-Dienst im BUS-BB angelegt');
      await choose(t, page, 'Zuständigkeit zugeordnet (Organisationseinheit und Gebiet)');
      await choose(t, page, 'Im Landesserviceportal sichtbar');
      const shown = await expectThanks(t, page, 'Verknüpfung melden', OBERHAVEL, 'bus-bb-verknuepft');
      t.equal(shown.context.busBb.onlineDienstUrl, 'https://elterngeld.oberhavel.example/antrag');
      t.ok(shown.context.busBbSchritte['lsp-sichtbar'].gemeldetAm, 'the steps the authority ticked are reported');
      t.equal(shown.context.busBbSchritte['lsp-sichtbar'].bestaetigtAm, null, 'and wait for the Landesredaktion');
      t.match(await page.locator('main').innerText(), germanDate(yesterday));
      t.match(await page.locator('main').innerText(), 'Im Landesserviceportal sichtbar');
      await checkSent(t, sent, url);
    });

    t.test('bus-bb: straight from the invitation', async (t) => {
      const { page, sent, url } = await open(t, OBERSPREEWALD_LAUSITZ, 'bus-bb');
      await type(page, 'Adresse (URL) des Online-Dienstes', 'https://elterngeld.osl.example');
      await pickDate(page, 'Verknüpft am', yesterday);
      await expectThanks(t, page, 'Verknüpfung melden', OBERSPREEWALD_LAUSITZ, 'bus-bb-verknuepft');
      await checkSent(t, sent, url);
    });

    t.test('a question the authority has moved past says so, before any form', async (t) => {
      // a confirmed pilot reports its go-live on its own page: the rollout's BUS-BB question is not one for it
      const { page } = await openPage(t, context);
      const shown = await page.goto(await linkFor(ODER_SPREE, 'bus-bb'));
      t.equal(shown?.status(), 409);
      t.equal(await heading(page), 'Diese Anfrage hat sich erledigt');
      t.match(await page.locator('main').innerText(), 'als Pilotbehörde bestätigt');
      t.equal(await page.locator('form').count(), 0, 'nothing to fill in');
      t.equal((await participant(ODER_SPREE)).stage, 'pilot-bestaetigt');
    });

    t.test('a validation error shows the summary and keeps what was typed', async (t) => {
      const { page, sent, url } = await open(t, POTSDAM_MITTELMARK, 'bus-bb');
      const address = 'https://elterngeld.potsdam-mittelmark.example/antrag';
      const inTwoDays = berlinDate(new Date(env.clock.now.getTime() + 2 * DAY));
      await type(page, 'Adresse (URL) des Online-Dienstes', address);
      await pickDate(page, 'Verknüpft am', inTwoDays);
      const refused = await submit(page, 'Verknüpfung melden');
      t.equal(refused.status(), 422);
      t.match(await page.title(), /^Fehler: /, 'the title says so first (screen readers read it on load)');
      const summary = page.getByRole('alert');
      t.equal(await summary.getByRole('heading').innerText(), 'Bitte prüfen Sie Ihre Angaben');
      t.equal(await summary.getByRole('link').innerText(), 'Das Datum liegt in der Zukunft.');
      t.equal(await page.getByLabel('Adresse (URL) des Online-Dienstes').inputValue(), address, 'the address is kept');
      t.equal(await page.getByLabel('Verknüpft am').inputValue(), inTwoDays, 'the date is kept');
      t.equal(await page.getByLabel('Verknüpft am').getAttribute('aria-invalid'), 'true');
      t.equal((await participant(POTSDAM_MITTELMARK)).stage, 'onboarding', 'nothing changed');

      await summary.getByRole('link').click();
      t.match(page.url(), /#f-verknuepftAm$/, 'the summary leads to the field');
      await pickDate(page, 'Verknüpft am', yesterday);
      await expectThanks(t, page, 'Verknüpfung melden', POTSDAM_MITTELMARK, 'bus-bb-verknuepft');
      await checkSent(t, sent, url);
    });

    t.test('pilotbetrieb: a pilot ticks its checklist and goes live', async (t) => {
      const { page, sent, url } = await open(t, TELTOW_FLAEMING, 'pilotbetrieb');
      t.equal(await heading(page), 'Checkliste und Go-live der Pilotbehörde');
      const item = (label: string) => page.getByRole('group', { name: label, exact: true });

      // the go-live is refused while items are open, and the page says which
      await type(page, 'Adresse (URL) des Online-Dienstes', 'https://elterngeld.tf.example');
      await pickDate(page, 'Verknüpft am', yesterday);
      const refused = await submit(page, 'Go-live melden');
      t.equal(refused.status(), 409);
      const alert = page.getByRole('alert');
      t.equal(await alert.getByRole('heading').innerText(), 'Der Go-live ist noch nicht möglich');
      t.match(await alert.innerText(), 'Funktionspostfach eingerichtet');
      t.equal((await participant(TELTOW_FLAEMING)).stage, 'pilot-bestaetigt', 'nothing changed');

      // the person ticks every item, one does not apply
      const labels = await page.locator('fieldset > legend').allInnerTexts();
      t.ok(labels.length >= 9, `${labels.length} items`);
      for (const label of labels) {
        const group = item(label);
        if (label.startsWith('ePayment')) {
          await group.locator('label').getByText('entfällt', { exact: true }).click();
          await group.getByLabel('Begründung', { exact: true }).pressSequentially('Leistung ist gebührenfrei');
        } else {
          await group.locator('label').getByText('erledigt', { exact: true }).click();
        }
      }
      const saved = await submit(page, 'Checkliste speichern');
      t.equal(saved.status(), 200);
      t.match(await page.getByRole('status').innerText(), `Gespeichert: ${labels.length} Punkte der Checkliste.`);
      t.match(await page.locator('main').innerText(), 'Alle Punkte sind erledigt oder entfallen.');
      t.ok(await item(labels.find((label) => label.startsWith('ePayment'))!).getByLabel('entfällt', { exact: true }).isChecked(), 'the page shows what was saved');

      await type(page, 'Adresse (URL) des Online-Dienstes', 'https://elterngeld.tf.example');
      await pickDate(page, 'Verknüpft am', yesterday);
      await expectThanks(t, page, 'Go-live melden', TELTOW_FLAEMING, 'pilot-live');
      t.match(await page.locator('main').innerText(), 'https://elterngeld.tf.example');
      await checkSent(t, sent, url);
    });

    t.test('a second submit of a used link shows the answer already given', async (t) => {
      // Two colleagues open the same mail; the second one sends later.
      const first = await open(t, PRIGNITZ, 'interesse');
      const second = await open(t, PRIGNITZ, 'interesse');
      await choose(t, first.page, 'Wir haben Interesse und möchten weiter informiert werden.');
      await expectThanks(t, first.page, 'Antwort senden', PRIGNITZ, 'interessiert');

      await choose(t, second.page, 'Wir haben derzeit kein Interesse.');
      const late = await submit(second.page, 'Antwort senden');
      t.equal(late.status(), 409);
      t.equal(await heading(second.page), 'Diese Anfrage ist bereits beantwortet');
      t.match(await second.page.locator('main').innerText(), 'Wir haben Interesse und möchten weiter informiert werden.');
      t.equal((await participant(PRIGNITZ)).stage, 'interessiert', 'the second answer changed nothing');
      await checkSent(t, first.sent, first.url);
      await checkSent(t, second.sent, second.url);
    });

    t.test('leaving the page for another site sends no Referer', async (t) => {
      const { page } = await open(t, SPREE_NEISSE, 'interesse');
      const foreign = 'http://andere-seite.example/';
      const arrived: Request[] = [];
      await page.route(`${foreign}**`, (route) => {
        arrived.push(route.request());
        return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Andere Seite</title><p>fremd</p>' });
      });
      // The pages link nowhere else today (the contact is a mailto:), so a link such as
      // a later text might bring is put in, then clicked as a person would.
      await page.evaluate((href) => {
        const link = document.createElement('a');
        link.href = href;
        link.textContent = 'Weitere Informationen';
        document.querySelector('main')!.append(link);
      }, foreign);
      await page.getByRole('link', { name: 'Weitere Informationen' }).click();
      await page.waitForURL(foreign);
      t.equal(arrived.length, 1, 'the browser went to the other site');
      t.equal((await arrived[0]!.allHeaders()).referer, undefined, 'without a Referer: the link token stays on the page');
      t.equal(await page.evaluate(() => document.referrer), '', 'and the other page cannot read it either');
      t.equal((await participant(SPREE_NEISSE)).stage, 'informiert');
    });

    // last: it ends the rollout for every link of the solution
    t.test('after the end of the rollout an unanswered link says so, with no form', async (t) => {
      const ended = await env.app.inject({
        method: 'POST',
        url: `/api/v1/solutions/${solutionId}/events`,
        headers: bearer(ministry),
        payload: { type: 'ABBRECHEN', reason: 'Die Lösung wird eingestellt' },
      });
      t.equal(ended.statusCode, 200, ended.body);
      for (const [ars, purpose] of [[SPREE_NEISSE, 'pilot'], [ELBE_ELSTER, 'bus-bb']] as const) {
        const { page } = await openPage(t, context);
        const shown = await page.goto(await linkFor(ars, purpose));
        t.equal(shown?.status(), 410, purpose);
        t.equal(await heading(page), 'Keine Antwort mehr möglich');
        t.match(await page.locator('main').innerText(), 'Das Ministerium hat den Rollout dieser EfA-Lösung beendet');
        t.equal(await page.locator('form').count(), 0, 'nothing to fill in');
      }
    });
  });
}

// ---------------------------------------------------------------------------
// WCAG 1.4.10 Reflow: at 320 CSS px no authority page scrolls sideways – with the long
// addresses and names real data brings (an Online-Dienst URL has no place to break).

const LONG_URL = `https://online-dienste.landkreis-havelland.brandenburg.example/elterngeld-digital/antragstellung?mandant=120630000000&verfahren=${'ElterngeldDigitalNachnutzung'.repeat(3)}`;
const LONG_NAME = 'Amt Unterspreewald-Schenkenländchen-Märkische-Heide-Dahme-Seenland-Verwaltungsgemeinschaftsbehörde';
const LONG_TITLE = 'Elterngeldantragsdigitalisierungsnachnutzungsvorhaben (Einer-für-Alle-Lösung des Landes Brandenburg)';
const LONG_EMAIL = 'referat-32-digitalisierung-elterngeld-nachnutzung@ministerium-fuer-soziales-gesundheit.brandenburg.example';

async function expectReflow(t: Test, page: Page, what: string) {
  const { scrollWidth, clientWidth } = await horizontalOverflow(page);
  t.ok(clientWidth <= NARROW_VIEWPORT.width, `${what}: measured at 320 px`);
  t.ok(scrollWidth <= clientWidth, `${what}: no horizontal scrolling (scrollWidth ${scrollWidth}, clientWidth ${clientWidth})`);
}

// The layout does not depend on the database; the answers themselves run in the test above and, through inject, on both kinds.
for (const kind of wideProbeKinds()) {
  t.test(`${kind}: every page behind the authority's links reflows at 320 px`, { skip: chromiumMissing() ?? false }, async (t) => {
    const env = await buildTestApp(t, kind);
    await env.app.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
    const { solutionId, ministry } = await setUpRollout(t, env);
    const db = env.handle.db;
    await db.updateTable('authority').set({ name: LONG_NAME }).where('ars', 'in', [POTSDAM, HAVELLAND, ODER_SPREE, ELBE_ELSTER]).execute();
    await db.updateTable('solution').set({ title: LONG_TITLE }).where('id', '=', solutionId).execute();
    const details = await env.app.inject({
      method: 'PUT',
      url: `/api/v1/solutions/${solutionId}/mail-details`,
      headers: bearer(ministry),
      payload: { kontaktName: LONG_NAME, kontaktEmail: LONG_EMAIL, kontaktTelefon: '+49 331 866-0000' },
    });
    t.equal(details.statusCode, 200, details.body);

    const context = await (await launchChromium(t)).newContext({ locale: 'de-DE', timezoneId: 'Europe/Berlin', viewport: NARROW_VIEWPORT });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    t.teardown(() => page.close());
    const secret = await getLinkSecret(db);
    const mailingId = await insertBareMailing(db, solutionId);
    const linkFor = async (ars: string, purpose: LinkPurpose, validDays = 30) => {
      const urls = await issueResponseLinks(db, {
        secret, solutionId, ars, mailingId, purposes: [purpose],
        expiresAt: new Date(env.clock.now.getTime() + validDays * DAY),
        baseUrl: env.mail.routes.publicBaseUrl,
      });
      return `${origin}${new URL(urls[purpose]!).pathname}`;
    };
    const visit = async (url: string, status: number, what: string) => {
      t.equal((await page.goto(url))?.status(), status, `${what}: ${status}`);
      await expectReflow(t, page, what);
    };
    const yesterday = berlinDate(new Date(env.clock.now.getTime() - DAY));

    // the answer forms, a form sent back with errors, the thank-you pages
    const interest = await linkFor(POTSDAM, 'interesse');
    await visit(interest, 200, 'interesse form');
    await choose(t, page, 'Wir haben Interesse und möchten weiter informiert werden.');
    await type(page, 'Bemerkungen', `Ansprechpartnerin: ${LONG_EMAIL}`);
    t.equal((await submit(page, 'Antwort senden')).status(), 200);
    await expectReflow(t, page, 'thank-you page (interesse)');
    await visit(await linkFor(COTTBUS, 'pilot'), 200, 'pilot application form');
    await visit(await linkFor(ELBE_ELSTER, 'bereitschaft'), 200, 'readiness form');
    await choose(t, page, 'Wir sind noch nicht bereit.');
    t.equal((await submit(page, 'Antwort senden')).status(), 422);
    await expectReflow(t, page, 'readiness form with its error summary');

    const busBb = await linkFor(HAVELLAND, 'bus-bb');
    await visit(busBb, 200, 'BUS-BB form');
    await page.getByLabel('Adresse (URL) des Online-Dienstes', { exact: true }).fill(LONG_URL);
    await pickDate(page, 'Verknüpft am', yesterday);
    t.equal((await submit(page, 'Verknüpfung melden')).status(), 200);
    t.match(await page.locator('main').innerText(), LONG_URL);
    await expectReflow(t, page, 'BUS-BB thank-you page with a long Online-Dienst URL');
    await visit(busBb, 409, 'already answered, with the long URL');

    // the pilot's page and its go-live thank-you page
    const pilotPage = await linkFor(ODER_SPREE, 'pilotbetrieb');
    await visit(pilotPage, 200, 'pilot page');
    await page.getByLabel('Adresse (URL) des Online-Dienstes', { exact: true }).fill(LONG_URL);
    await pickDate(page, 'Verknüpft am', yesterday);
    t.equal((await submit(page, 'Go-live melden')).status(), 200);
    t.equal(await heading(page), THANKS);
    await expectReflow(t, page, 'go-live thank-you page with a long Online-Dienst URL');
    await visit(await linkFor(DAHME_SPREEWALD, 'pilotbetrieb'), 409, 'not (yet) a confirmed pilot');

    // links that cannot be used
    await visit(await linkFor(MAERKISCH_ODERLAND, 'interesse', -1), 410, 'expired link');
    const superseded = await linkFor(OBERSPREEWALD_LAUSITZ, 'bereitschaft');
    await db.updateTable('response_link').set({ superseded_at: env.clock.now }).where('ars', '=', OBERSPREEWALD_LAUSITZ).where('purpose', '=', 'bereitschaft').execute();
    await visit(superseded, 410, 'superseded link');
    await visit(`${origin}/antwort/${'A'.repeat(43)}`, 404, 'unknown link');
    await visit(`${interest}%00`, 422, 'an address with a NUL byte');

    // a question the authority has moved past: the page says so, without a form
    await visit(await linkFor(OBERHAVEL, 'pilot'), 409, 'pilot link of an authority in onboarding');

    await visit(await linkFor(PRIGNITZ, 'interesse'), 200, 'interesse form');
    await page.locator('input[name="csrf"]').evaluate((input: HTMLInputElement) => (input.value = 'verändert'));
    await choose(t, page, 'Wir haben derzeit kein Interesse.');
    t.equal((await submit(page, 'Antwort senden')).status(), 403);
    await expectReflow(t, page, 'form refused by the security check');
  });
}

t.test('every kind of authority page, rendered with long data, reflows at 320 px', { skip: chromiumMissing() ?? false }, async (t) => {
  const context = await (await launchChromium(t)).newContext({ locale: 'de-DE', viewport: NARROW_VIEWPORT });
  const page = await context.newPage();
  t.teardown(() => page.close());
  const at = new Date('2026-11-02T09:30:00Z');
  const ctx = (purpose: LinkContext['purpose']): LinkContext => ({
    purpose,
    ars: HAVELLAND,
    authorityName: LONG_NAME,
    solutionTitle: LONG_TITLE,
    leadMinistry: 'MLEUV',
    contact: { kontaktName: LONG_NAME, kontaktEmail: LONG_EMAIL, kontaktTelefon: '+49 331 866-0000' },
    expiresAt: at,
    answerDeadline: { date: '2026-11-30', passed: true },
    reportHref: `${'a'.repeat(43)}/problem`,
    standing: { participantStage: 'eingeladen', solutionStage: 'rollout', readiness: 'nicht-bereit' },
  });
  const linked: RecordedAnswer = { purpose: 'bus-bb', onlineDienstUrl: LONG_URL, verknuepftAm: '2026-11-01', schritte: ['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar'], at: at.toISOString(), stage: 'bus-bb-verknuepft' };
  const view = { action: 'x', csrf: 'y'.repeat(43) };
  const long = (word: string) => `${word}${'-und-noch-mehr-Text'.repeat(8)}`.replaceAll('-', '');
  const items: ChecklistEntry[] = [
    { key: 'avv', label: long('Auftragsverarbeitungsvertrag'), optional: false, eigen: false, status: 'entfaellt', reason: long('Begründung'), updatedBy: 'x', updatedAt: at.toISOString() },
    { key: 'eigen-1', label: long('Eigener Punkt'), optional: true, eigen: true, status: 'offen', reason: null, updatedBy: null, updatedAt: null },
  ];
  const ticket: AuthorityTicketView = {
    number: 123456789,
    title: long('OSCI-XTA'),
    category: 'transport',
    stage: 'wartet-auf-kommune',
    description: long('Beschreibung'),
    createdAt: at,
    updatedAt: at,
    reopenUntil: null,
    timeline: [
      { kind: 'status', at, text: 'wartet auf Ihre Antwort', detail: long('Zertifikat') },
      { kind: 'nachricht', at, from: 'kaz', text: `Bitte sehen Sie unter ${LONG_URL} nach.` },
    ],
  };
  const errors = [{ field: 'onlineDienstUrl', message: long('Bitte') }];
  const pages: Record<string, Html> = {
    'interesse form with errors': renderAnswerForm(ctx('interesse'), { ...view, values: { freitext: LONG_URL }, errors: [{ field: 'wahl', message: 'Bitte wählen Sie eine Antwort aus.' }] }),
    'pilot form': renderAnswerForm(ctx('pilot'), view),
    'readiness form': renderAnswerForm(ctx('bereitschaft'), { ...view, values: { ab: long('x') } }),
    'BUS-BB form with a long URL': renderAnswerForm(ctx('bus-bb'), { ...view, values: { onlineDienstUrl: LONG_URL }, errors }),
    'BUS-BB thank-you page': renderThanksPage(ctx('bus-bb'), linked),
    'go-live thank-you page': renderThanksPage(ctx('pilotbetrieb'), { purpose: 'pilotbetrieb', onlineDienstUrl: LONG_URL, verknuepftAm: '2026-11-01', at: at.toISOString(), stage: 'pilot-live' }),
    'already answered': renderAlreadyAnsweredPage(ctx('bus-bb'), linked),
    'expired, answered': renderExpiredLinkPage(ctx('bus-bb'), { at, recorded: linked }),
    'expired ticket link': renderExpiredLinkPage(ctx('ticket')),
    'expired pilot page': renderExpiredLinkPage(ctx('pilotbetrieb')),
    'expired, unanswered': renderExpiredLinkPage(ctx('interesse')),
    superseded: renderSupersededLinkPage(ctx('bereitschaft')),
    unknown: renderUnknownLinkPage(),
    unfitting: renderUnfittingAnswerPage(ctx('bereitschaft'), 'bus-bb-verknuepft'),
    'question made moot': renderClosedQuestionPage(ctx('bereitschaft'), { state: 'erledigt', stage: 'bus-bb-verknuepft' }),
    'rollout ended, no answer possible': renderClosedQuestionPage(ctx('interesse'), { state: 'beendet', solutionStage: 'abgebrochen' }),
    'form rejected': renderFormRejectedPage(),
    'invalid characters in the address': renderInvalidInputPage(['Adresse der Seite']),
    'too many requests': renderErrorPage(429, 60),
    'timeout': renderErrorPage(408),
    'server error': renderErrorPage(500),
    'pilot page with errors': renderPilotPage(ctx('pilotbetrieb'), { ...view, items, errors, form: 'live', values: { onlineDienstUrl: LONG_URL }, openItems: items }),
    'not a pilot': renderNotAPilotPage(ctx('pilotbetrieb'), 'pilot-kandidat'),
    'problem form with errors': renderProblemForm(ctx('interesse'), { ...view, values: { betreff: long('Betreff'), beschreibung: LONG_URL }, errors: [{ field: 'betreff', message: long('Bitte') }] }),
    'problem reported': renderProblemReportedPage(ctx('interesse'), { number: 123456789, href: `../${'a'.repeat(43)}/tickets/123456789` }),
    'too many reports': renderTooManyReportsPage(ctx('ticket'), 'x'),
    'rollout ended': renderRolloutEndedPage(ctx('interesse')),
    'ticket list': renderTicketListPage(ctx('ticket'), [1, 2, 3].map((n) => ({ number: 123456780 + n, title: long('Betreff'), stage: 'wartet-auf-kommune' as const, updatedAt: at })), (n) => `x/tickets/${n}`),
    'ticket page': renderTicketPage(ctx('ticket'), ticket, { ...view, listHref: 'x', now: at, notice: long('Hinweis'), values: { text: LONG_URL }, errors: [{ field: 'text', message: long('Bitte') }] }),
  };
  for (const [what, html] of Object.entries(pages)) {
    await page.setContent(String(html));
    await expectReflow(t, page, what);
  }
});
