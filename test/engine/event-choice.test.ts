import t, { type Test } from 'tap';
import type { AnyStateMachine, StateNode } from 'xstate';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { createSolution, drainSettling, ELTERNGELD, sendErstinformation, TEST_MAIL_DETAILS } from '../helpers/rollout.ts';
import { BARNIM, POTSDAM, ticketSetUp } from '../helpers/tickets.ts';
import type { EventResult, WorkflowEvent } from '../../src/engine/workflow.engine.ts';
import { sendParticipantEvent } from '../../src/solutions/participant.target.ts';
import { sendSolutionEvent } from '../../src/solutions/solution.target.ts';
import { sendTicketEvent } from '../../src/tickets/ticket.target.ts';
import type { BlockedEvent } from '../../src/engine/event-choice.ts';
import { ALL_STEPS_CONFIRMED, ERSTINFORMATION_NOT_SENT, LSP_NOT_CONFIRMED, openParticipantsReason } from '../../src/solutions/event-choice.ts';
import { blockingTicketsReason } from '../../src/tickets/blocking-tickets.gate.ts';
import { explainRefusal } from '../../src/composition.ts';
import { BUS_BB_SCHRITTE, participantMachine, participantsStandStill, solutionMachine, ticketMachine } from '../../workflows/index.ts';

/**
 * allowedEvents and blockedEvents (issue 14, point 3) against what the engine does: in
 * representative states of each machine, every listed allowed event – sent with a valid
 * payload, in a transaction rolled back afterwards – is applied, and every blocked one is
 * refused over HTTP with exactly the reason listed.
 */

interface Choice {
  allowedEvents: string[];
  blockedEvents: BlockedEvent[];
  stage?: string;
  context?: Record<string, unknown>;
}

type Probe = { solutionId: string } & ({ kind: 'solution' } | { kind: 'participant'; ars: string } | { kind: 'ticket'; ticketId: string });

/** A valid payload for each client event; what a guard needs from the state is taken from the view. */
function payloadFor(type: string, view: Choice, extra: { ars?: string }): Record<string, unknown> {
  const reason = { reason: 'Begründung für die Probe' };
  switch (type) {
    case 'LESSONS_LEARNED_ERFASSEN':
      return { text: 'Die Anbindung des Fachverfahrens dauerte länger.' };
    case 'ROLLOUT_STARTEN':
      return { override: reason };
    case 'WELLE_STARTEN':
      return { label: `Probewelle ${Date.now()}`, authorities: [extra.ars] };
    case 'PAUSIEREN':
    case 'ABBRECHEN':
    case 'PILOT_ZURUECKSTELLEN':
    case 'PILOT_ABLEHNEN':
    case 'ABLEHNEN':
    case 'NICHT_ZUSTAENDIG_MELDEN':
    case 'AUSSCHLIESSEN':
      return reason;
    case 'PILOT_VORSCHLAGEN':
      return { quelle: 'ministerium' };
    case 'PILOT_LIVE_MELDEN':
      return { onlineDienstUrl: 'https://service.brandenburg.example/antrag', override: reason };
    case 'BEREITSCHAFT_MELDEN':
      // a candidate's "bereit" is its confirmation as pilot (PILOT_BESTAETIGEN); it reports "not yet" as readiness
      return view.stage === 'pilot-kandidat' ? { status: 'bereit-ab', ab: '2027-03-01' } : { status: 'bereit' };
    case 'BUS_BB_VERKNUEPFUNG_MELDEN':
      return { onlineDienstUrl: 'https://service.brandenburg.example/antrag' };
    case 'BUS_BB_SCHRITTE_MELDEN':
      return { schritte: ['online-dienst-angelegt'] };
    case 'BUS_BB_SCHRITT_BESTAETIGEN': {
      const schritte = (view.context?.busBbSchritte ?? {}) as Record<string, { bestaetigtAm?: string | null }>;
      // the next one to confirm; when all are, a step that is valid in itself
      return { schritt: BUS_BB_SCHRITTE.find((schritt) => !schritte[schritt]?.bestaetigtAm) ?? 'lsp-sichtbar' };
    }
    case 'AUF_KOMMUNE_WARTEN':
      return { grund: 'Zugangsdaten der Schnittstelle' };
    case 'LOESEN':
      return { loesung: 'Schnittstelle freigeschaltet' };
    case 'WIEDEREROEFFNEN':
      return { grund: 'Der Fehler tritt wieder auf' };
    default:
      return {};
  }
}

const ROLLBACK = Symbol('rollback');

/** Applies the event through the engine in a transaction that is rolled back: the state stays as it was. */
async function probe(env: TestApp, target: Probe, event: WorkflowEvent): Promise<EventResult> {
  let result: EventResult | undefined;
  const sender = { actor: 'test:probe', origin: 'client' as const };
  try {
    await env.handle.db.transaction().execute(async (trx) => {
      if (target.kind === 'solution') result = await sendSolutionEvent(env.engine, { solutionId: target.solutionId, event, ...sender }, { trx });
      else if (target.kind === 'participant') result = await sendParticipantEvent(env.engine, { solutionId: target.solutionId, ars: target.ars, event, ...sender }, { trx });
      else result = await sendTicketEvent(env.engine, { ticketId: target.ticketId, event, ...sender }, { trx });
      throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
  return result!;
}

function urlOf(target: Probe): { view: string; events: string } {
  if (target.kind === 'solution') return { view: `/api/v1/solutions/${target.solutionId}`, events: `/api/v1/solutions/${target.solutionId}/events` };
  if (target.kind === 'participant') {
    const url = `/api/v1/solutions/${target.solutionId}/participants/${target.ars}`;
    return { view: url, events: `${url}/events` };
  }
  return { view: `/api/v1/tickets/${target.ticketId}`, events: `/api/v1/tickets/${target.ticketId}/events` };
}

/**
 * Reads the target's view and holds every listed event to it: allowed ones apply (rolled
 * back), blocked ones are refused with exactly their reason. Answers the view.
 */
async function checkChoice(t: Test, env: TestApp, token: string, target: Probe, label: string, extra: { ars?: string } = {}): Promise<Choice> {
  const urls = urlOf(target);
  const response = await env.app.inject({ url: urls.view, headers: bearer(token) });
  t.equal(response.statusCode, 200, `${label}: view ${response.body}`);
  const view = response.json() as Choice;
  t.ok(Array.isArray(view.allowedEvents) && Array.isArray(view.blockedEvents), `${label}: both lists`);
  for (const type of view.allowedEvents) {
    // A moment later than the state's last change: a report repeated in the same millisecond would change nothing.
    env.clock.now = new Date(env.clock.now.getTime() + 1000);
    const result = await probe(env, target, { type, ...payloadFor(type, view, extra) });
    t.equal(result.kind, 'applied', `${label}: allowed ${type} is applied${'reason' in result ? ` (${result.reason})` : ''}`);
  }
  for (const { type, reason } of view.blockedEvents) {
    const refused = await env.app.inject({ method: 'POST', url: urls.events, headers: bearer(token), payload: { type, ...payloadFor(type, view, extra) } });
    // 403: the caller's role may not send it (checked before the state); 409: the state holds it back.
    t.ok([403, 409].includes(refused.statusCode), `${label}: blocked ${type} is refused (${refused.statusCode})`);
    t.equal(refused.json().detail, reason, `${label}: ${type} is refused with exactly its listed reason`);
    if (refused.statusCode === 409) t.same(refused.json().blockedEvents, view.blockedEvents, `${label}: the refusal lists the same blocked events`);
  }
  return view;
}

const blockedReason = (view: Choice, type: string) => view.blockedEvents.find((blocked) => blocked.type === type)?.reason;

t.test('every guarded transition of the machines has its own words when it refuses', async (t) => {
  const guarded = new Set<string>();
  const walk = (node: StateNode) => {
    for (const [type, transitions] of node.transitions) {
      if (!type.startsWith('xstate.') && transitions.some((transition) => transition.guard)) guarded.add(type);
    }
    for (const child of Object.values(node.states)) walk(child as StateNode);
  };
  for (const machine of [solutionMachine, participantMachine, ticketMachine] as AnyStateMachine[]) walk(machine.root);
  t.ok(guarded.size > 15, `${guarded.size} guarded event types`);
  for (const type of guarded) {
    t.notMatch(explainRefusal({ type }, {}), /passt nicht zum aktuellen Stand/, `${type} has its own explanation`);
  }
});

for (const kind of databaseKinds()) {
  t.test(`${kind}: solution – allowed events apply, blocked ones are refused with their reason (entwurf to abgeschlossen)`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const solutionId = await createSolution(env, token, { ...ELTERNGELD, title: 'Meldebescheinigung online', ozgId: '10131', leikaKeys: ['99102013000000'] });
    const base = `/api/v1/solutions/${solutionId}`;
    const target: Probe = { kind: 'solution', solutionId };
    const send = (event: Record<string, unknown>) => env.app.inject({ method: 'POST', url: `${base}/events`, headers: bearer(token), payload: event });
    const extra = { ars: POTSDAM };

    const draft = await checkChoice(t, env, token, target, 'entwurf', extra);
    t.same(draft.blockedEvents, []);
    t.ok(draft.allowedEvents.includes('ERSTINFORMATION_STARTEN'));

    // The issue's example: right after ERSTINFORMATION_STARTEN the pilot phase is held back until the mailing went out.
    const started = await send({ type: 'ERSTINFORMATION_STARTEN' });
    t.equal(started.statusCode, 200);
    t.same(started.json().blockedEvents, [{ type: 'PILOTPHASE_STARTEN', reason: ERSTINFORMATION_NOT_SENT }], 'the applied event lists what is held back');
    t.notOk(started.json().allowedEvents.includes('PILOTPHASE_STARTEN'));
    const beforeMailing = await checkChoice(t, env, token, target, 'erstinformation, no mailing yet', extra);
    t.equal(blockedReason(beforeMailing, 'PILOTPHASE_STARTEN'), ERSTINFORMATION_NOT_SENT);
    const allowedRoute = (await env.app.inject({ url: `${base}/allowed-events`, headers: bearer(token) })).json();
    t.same(allowedRoute, { stage: 'erstinformation', allowedEvents: beforeMailing.allowedEvents, blockedEvents: beforeMailing.blockedEvents }, 'GET allowed-events says the same');

    // The mailing is created but not yet handed over: still held back.
    t.equal((await env.app.inject({ method: 'PUT', url: `${base}/mail-details`, headers: bearer(token), payload: TEST_MAIL_DETAILS })).statusCode, 200);
    t.equal((await env.app.inject({ method: 'POST', url: `${base}/mailings`, headers: bearer(token), payload: { kind: 'erstinformation' } })).statusCode, 201);
    const mailingUnderWay = await checkChoice(t, env, token, target, 'erstinformation, mailing not yet sent', extra);
    t.equal(blockedReason(mailingUnderWay, 'PILOTPHASE_STARTEN'), ERSTINFORMATION_NOT_SENT);
    await drainSettling(env);
    const sent = await checkChoice(t, env, token, target, 'erstinformation, mailing sent', extra);
    t.ok(sent.allowedEvents.includes('PILOTPHASE_STARTEN'), 'the mailing went out: the pilot phase may begin');

    t.equal((await send({ type: 'PILOTPHASE_STARTEN' })).statusCode, 200);
    const pilotphase = await checkChoice(t, env, token, target, 'pilotphase', extra);
    t.ok(pilotphase.allowedEvents.includes('ROLLOUT_STARTEN'), 'ROLLOUT_STARTEN: an override.reason always passes');

    t.equal((await send({ type: 'ROLLOUT_STARTEN', override: { reason: 'Pilot in einem anderen Land' } })).statusCode, 200);
    const rollout = await checkChoice(t, env, token, target, 'rollout with open participants', extra);
    const open = (await env.app.inject({ url: `${base}/participants?stage=vorgemerkt,informiert&limit=1`, headers: bearer(token) })).json().total;
    t.ok(open > 0);
    t.equal(blockedReason(rollout, 'ABSCHLIESSEN'), openParticipantsReason(open), 'ABSCHLIESSEN names how many are open');

    t.equal((await send({ type: 'PAUSIEREN', reason: 'Haushaltssperre' })).statusCode, 200);
    await checkChoice(t, env, token, target, 'pausiert', extra);
    t.equal((await send({ type: 'FORTSETZEN' })).statusCode, 200);

    // Everyone excluded: ABSCHLIESSEN is allowed, and applies.
    const excluded = await env.app.inject({
      method: 'POST',
      url: `${base}/participants/events`,
      headers: bearer(token),
      payload: { event: { type: 'AUSSCHLIESSEN', reason: 'kein Bedarf' }, filter: { stages: ['vorgemerkt', 'informiert'] } },
    });
    t.equal(excluded.statusCode, 200, excluded.body);
    const done = await checkChoice(t, env, token, target, 'rollout, nobody open', extra);
    t.ok(done.allowedEvents.includes('ABSCHLIESSEN'));
  });

  t.test(`${kind}: participant – go-live held by the BUS-BB steps and by a blocking ticket; a paused solution holds every event`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, kaz, id: solutionId, api, participantEvent } = await ticketSetUp(env);
    const potsdam: Probe = { kind: 'participant', solutionId, ars: POTSDAM };

    await checkChoice(t, env, token, potsdam, 'eingeladen');
    const informed = (await api('GET', `/solutions/${solutionId}/participants?stage=informiert&limit=1`, token)).json().items[0].ars;
    await checkChoice(t, env, token, { kind: 'participant', solutionId, ars: informed }, 'informiert');

    t.equal((await participantEvent(POTSDAM, { type: 'ONBOARDING_STARTEN' })).statusCode, 200);
    await checkChoice(t, env, token, potsdam, 'onboarding');
    t.equal((await participantEvent(POTSDAM, { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://meldewesen.brandenburg.example/antrag' })).statusCode, 200);
    const linked = await checkChoice(t, env, token, potsdam, 'bus-bb-verknuepft, nothing confirmed');
    t.equal(blockedReason(linked, 'LIVE_BESTAETIGEN'), LSP_NOT_CONFIRMED);
    for (const schritt of BUS_BB_SCHRITTE) {
      t.equal((await participantEvent(POTSDAM, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt })).statusCode, 200);
    }
    const confirmed = await checkChoice(t, env, token, potsdam, 'bus-bb-verknuepft, every step confirmed');
    t.equal(blockedReason(confirmed, 'BUS_BB_SCHRITT_BESTAETIGEN'), ALL_STEPS_CONFIRMED);
    t.ok(confirmed.allowedEvents.includes('LIVE_BESTAETIGEN'));

    // What the Landesredaktion and the Kaz may send is what their lists offer them.
    const redaktion = await env.roleToken('landesredaktion');
    const asRedaktion = await checkChoice(t, env, redaktion, potsdam, 'every step confirmed, as the Landesredaktion');
    t.same(asRedaktion.allowedEvents, ['LIVE_BESTAETIGEN'], 'the Landesredaktion is offered only its confirmation');
    t.equal(blockedReason(asRedaktion, 'AUSSCHLIESSEN'), 'Die Rolle „landesredaktion“ sendet an Teilnehmende nur BUS_BB_SCHRITT_BESTAETIGEN und LIVE_BESTAETIGEN, nicht AUSSCHLIESSEN.');
    const asKaz = await checkChoice(t, env, kaz, potsdam, 'every step confirmed, as the Kaz');
    t.same(asKaz.allowedEvents, [], 'the Kaz sends no participant event');
    t.ok(asKaz.blockedEvents.every((blocked) => blocked.reason === 'Diese Funktion steht der Rolle „kaz“ nicht zur Verfügung'));
    const solutionForKaz = await checkChoice(t, env, kaz, { kind: 'solution', solutionId }, 'the solution, as the Kaz', { ars: POTSDAM });
    t.same(solutionForKaz.allowedEvents, [], 'the Kaz steers no solution');

    const ticket = (await api('POST', '/tickets', kaz, { solutionId, ars: POTSDAM, category: 'transport', title: 'DVDV-Eintrag fehlt', description: 'kein Eintrag', blocking: true })).json();
    const held = await checkChoice(t, env, token, potsdam, 'bus-bb-verknuepft with a blocking ticket');
    t.equal(blockedReason(held, 'LIVE_BESTAETIGEN'), blockingTicketsReason(1));
    t.equal((await api('POST', `/tickets/${ticket.id}/events`, kaz, { type: 'LOESEN', loesung: 'Eintrag angelegt' })).statusCode, 200);
    t.ok((await checkChoice(t, env, token, potsdam, 'ticket solved')).allowedEvents.includes('LIVE_BESTAETIGEN'));

    t.equal((await api('POST', `/solutions/${solutionId}/events`, token, { type: 'PAUSIEREN', reason: 'Haushaltssperre' })).statusCode, 200);
    const paused = await checkChoice(t, env, token, { kind: 'participant', solutionId, ars: BARNIM }, 'solution paused');
    t.same(paused.allowedEvents, [], 'nothing moves while the solution is paused');
    t.ok(paused.blockedEvents.length > 0 && paused.blockedEvents.every((blocked) => blocked.reason === participantsStandStill('pausiert')));
  });

  t.test(`${kind}: pilot – a blocking ticket holds back PILOT_LIVE_MELDEN, an open checklist does not (override)`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const kaz = await env.roleToken('kaz');
    const solutionId = await createSolution(env, token, { ...ELTERNGELD, title: 'Wohngeld', ozgId: '10400', leikaKeys: ['99107004000000'] });
    const base = `/api/v1/solutions/${solutionId}`;
    const send = (url: string, payload: Record<string, unknown>, auth = token) => env.app.inject({ method: 'POST', url, headers: bearer(auth), payload });
    t.equal((await send(`${base}/events`, { type: 'ERSTINFORMATION_STARTEN' })).statusCode, 200);
    await sendErstinformation(env, token, solutionId);
    t.equal((await send(`${base}/events`, { type: 'PILOTPHASE_STARTEN' })).statusCode, 200);
    const potsdam: Probe = { kind: 'participant', solutionId, ars: POTSDAM };
    t.equal((await send(`${base}/participants/${POTSDAM}/events`, { type: 'ALS_PILOT_BEWERBEN' })).statusCode, 200);
    await checkChoice(t, env, token, potsdam, 'pilot-kandidat');
    t.equal((await send(`${base}/participants/${POTSDAM}/events`, { type: 'PILOT_BESTAETIGEN' })).statusCode, 200);
    const confirmed = await checkChoice(t, env, token, potsdam, 'pilot-bestaetigt, checklist open');
    t.ok(confirmed.allowedEvents.includes('PILOT_LIVE_MELDEN'), 'the ministry may go live with a reason despite open items');
    t.equal((await send('/api/v1/tickets', { solutionId, ars: POTSDAM, category: 'epayment', title: 'ePayment-Konto fehlt', description: 'x', blocking: true }, kaz)).statusCode, 201);
    const held = await checkChoice(t, env, token, potsdam, 'pilot-bestaetigt with a blocking ticket');
    t.equal(blockedReason(held, 'PILOT_LIVE_MELDEN'), blockingTicketsReason(1));
  });

  t.test(`${kind}: ticket – reopening within the period is allowed, after it blocked with the end of the period`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { kaz, id: solutionId, api } = await ticketSetUp(env);
    const ticket = (await api('POST', '/tickets', kaz, { solutionId, ars: POTSDAM, category: 'transport', title: 'OSCI-Zertifikat', description: 'abgelaufen' })).json();
    const target: Probe = { kind: 'ticket', solutionId, ticketId: ticket.id };
    const event = async (payload: Record<string, unknown>) => t.equal((await api('POST', `/tickets/${ticket.id}/events`, kaz, payload)).statusCode, 200, String(payload.type));

    t.same((await checkChoice(t, env, kaz, target, 'neu')).blockedEvents, []);
    await event({ type: 'AUF_KOMMUNE_WARTEN', grund: 'neues Zertifikat' });
    await checkChoice(t, env, kaz, target, 'wartet-auf-kommune');
    await event({ type: 'LOESEN', loesung: 'Zertifikat getauscht' });
    const solved = await checkChoice(t, env, kaz, target, 'geloest');
    t.ok(solved.allowedEvents.includes('WIEDEREROEFFNEN'));
    await event({ type: 'SCHLIESSEN' });
    t.ok((await checkChoice(t, env, kaz, target, 'geschlossen within the period')).allowedEvents.includes('WIEDEREROEFFNEN'));

    // The issue's example: a closed ticket past TICKET_REOPEN_DAYS.
    env.clock.now = new Date(env.clock.now.getTime() + 15 * 24 * 60 * 60 * 1000);
    const late = await checkChoice(t, env, kaz, target, 'geschlossen after the period');
    t.same(late.allowedEvents, []);
    t.match(blockedReason(late, 'WIEDEREROEFFNEN'), /^Die Frist für eine Wiedereröffnung endete am \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr/);
  });
}
