import t from 'tap';
import { initialTransition, transition } from 'xstate';
import {
  allowedEvents,
  partitionActions,
  persistSnapshot,
  restoreSnapshot,
  SOLUTION_EVENT_TYPES,
  SOLUTION_MACHINE_VERSION,
  solutionMachine,
  solutionStage,
  type SolutionEvent,
  type SolutionFacts,
} from '../../workflows/index.ts';

type Snapshot = ReturnType<typeof initialTransition<typeof solutionMachine>>[0];

const AT = '2025-03-01T09:00:00.000Z';
const LATER = '2025-09-30T16:00:00.000Z';
const facts = (overrides: Partial<SolutionFacts> = {}): SolutionFacts => ({
  pilotsLive: 0,
  participantsTotal: 3,
  participantsOpen: 3,
  ...overrides,
});

function start(): Snapshot {
  return initialTransition(solutionMachine)[0];
}

function send(snapshot: Snapshot, ...events: SolutionEvent[]): Snapshot {
  return events.reduce((current, event) => transition(solutionMachine, current, event)[0], snapshot);
}

/** Bypasses the static event types to send what a careless client could send. */
function sendRaw(snapshot: Snapshot, event: Record<string, unknown> & { type: string }) {
  return transition(solutionMachine, snapshot, event as unknown as SolutionEvent);
}

function inPilotphase(): Snapshot {
  return send(
    start(),
    { type: 'ERSTINFORMATION_STARTEN' },
    { type: 'ERSTINFORMATION_VERSANDT', at: AT },
    { type: 'PILOTPHASE_STARTEN' },
  );
}

function inRollout(): Snapshot {
  return send(
    inPilotphase(),
    { type: 'LESSONS_LEARNED_ERFASSEN', text: 'Amt Schenkenländchen: AVV früh anstoßen', at: AT },
    { type: 'ROLLOUT_STARTEN', facts: facts({ pilotsLive: 1 }) },
  );
}

t.test('version is a positive integer', async (t) => {
  t.ok(Number.isInteger(SOLUTION_MACHINE_VERSION) && SOLUTION_MACHINE_VERSION >= 1);
});

t.test('a rollout from Entwurf to Abschluss', async (t) => {
  let snapshot = start();
  t.equal(solutionStage(snapshot), 'entwurf');
  t.same(snapshot.value, { aktiv: 'entwurf' });

  snapshot = send(snapshot, { type: 'ERSTINFORMATION_STARTEN' });
  t.equal(solutionStage(snapshot), 'erstinformation');

  let actions;
  [snapshot, actions] = transition(solutionMachine, snapshot, { type: 'ERSTINFORMATION_VERSANDT', at: AT });
  t.equal(solutionStage(snapshot), 'erstinformation', 'the mailing keeps the stage');
  t.equal(snapshot.context.erstinformationVersandtAm, AT);
  const inform = actions.filter((action) => action.type.startsWith('effect.'));
  t.same(
    inform.map(({ type, params }) => ({ type, params })),
    [{ type: 'effect.informParticipants', params: { erstinformationVersandtAm: AT } }],
    'the mailing is an effect action with resolved params',
  );

  snapshot = send(snapshot, { type: 'PILOTPHASE_STARTEN' });
  t.equal(solutionStage(snapshot), 'pilotphase');

  snapshot = send(snapshot, {
    type: 'LESSONS_LEARNED_ERFASSEN',
    text: '  ePayment-Anbindung vor dem Go-live testen  ',
    at: AT,
  });
  t.same(snapshot.context.lessonsLearned, [{ text: 'ePayment-Anbindung vor dem Go-live testen', recordedAt: AT }]);

  snapshot = send(snapshot, { type: 'ROLLOUT_STARTEN', facts: facts({ pilotsLive: 2 }) });
  t.equal(solutionStage(snapshot), 'rollout');
  t.equal(snapshot.context.rolloutOverride, null, 'no override needed after a successful pilot phase');

  [snapshot, actions] = transition(solutionMachine, snapshot, {
    type: 'WELLE_STARTEN',
    label: 'Welle 1: Landkreise',
    authorities: ['120600000000', '120650000000'],
    at: AT,
    fristTage: 21,
  });
  t.same(snapshot.context.waves, [
    { label: 'Welle 1: Landkreise', authorities: ['120600000000', '120650000000'], startedAt: AT },
  ]);
  t.same(partitionActions(actions).effects, [
    {
      type: 'effect.inviteWave',
      params: { label: 'Welle 1: Landkreise', authorities: ['120600000000', '120650000000'], fristTage: 21 },
    },
  ]);

  [, actions] = transition(solutionMachine, snapshot, {
    type: 'WELLE_STARTEN',
    label: 'Welle 2: Ämter',
    authorities: ['120615202000'],
    at: AT,
  });
  t.match(partitionActions(actions).effects, [{ params: { fristTage: 14 } }], 'Antwortfrist defaults to 14 days');

  snapshot = send(snapshot, {
    type: 'LESSONS_LEARNED_ERFASSEN',
    text: 'Kreise brauchen eine Vorlage für den AVV',
    at: LATER,
  });
  t.equal(snapshot.context.lessonsLearned.length, 2, 'lessons learned are recorded in the rollout too');

  snapshot = send(snapshot, { type: 'ABSCHLIESSEN', facts: facts({ participantsOpen: 0 }), at: LATER });
  t.equal(solutionStage(snapshot), 'abgeschlossen');
  t.equal(snapshot.status, 'done');
  t.equal(snapshot.context.completedAt, LATER);
  t.same(allowedEvents(solutionMachine, snapshot), [], 'a completed rollout takes no events');
});

t.test('the Pilotphase needs the Erstinformation to have been sent', async (t) => {
  const before = send(start(), { type: 'ERSTINFORMATION_STARTEN' });
  const [after, actions] = transition(solutionMachine, before, { type: 'PILOTPHASE_STARTEN' });
  t.same(after.value, before.value, 'state unchanged');
  t.same(after.context, before.context);
  t.same(actions, []);
});

t.test('the Erstinformation is sent once', async (t) => {
  const sent = send(start(), { type: 'ERSTINFORMATION_STARTEN' }, { type: 'ERSTINFORMATION_VERSANDT', at: AT });
  const [again, actions] = transition(solutionMachine, sent, { type: 'ERSTINFORMATION_VERSANDT', at: LATER });
  t.equal(again.context.erstinformationVersandtAm, AT);
  t.same(actions, [], 'no second mailing to all authorities');
  const [withoutAt] = sendRaw(send(start(), { type: 'ERSTINFORMATION_STARTEN' }), { type: 'ERSTINFORMATION_VERSANDT' });
  t.equal(withoutAt.context.erstinformationVersandtAm, null, 'a missing time is refused');
});

t.test('blank lessons learned are refused', async (t) => {
  const snapshot = inPilotphase();
  t.same(send(snapshot, { type: 'LESSONS_LEARNED_ERFASSEN', text: '   ', at: AT }).context.lessonsLearned, []);
  t.same(sendRaw(snapshot, { type: 'LESSONS_LEARNED_ERFASSEN', at: AT })[0].context.lessonsLearned, []);
});

t.test('the rollout needs a live pilot and lessons learned, or a reasoned override', async (t) => {
  const pilotphase = inPilotphase();
  const withLessons = send(pilotphase, { type: 'LESSONS_LEARNED_ERFASSEN', text: 'Fachverfahren X braucht XTA', at: AT });

  t.equal(solutionStage(send(pilotphase, { type: 'ROLLOUT_STARTEN', facts: facts({ pilotsLive: 1 }) })), 'pilotphase', 'live pilot without lessons learned');
  t.equal(solutionStage(send(withLessons, { type: 'ROLLOUT_STARTEN', facts: facts({ pilotsLive: 0 }) })), 'pilotphase', 'lessons learned without a live pilot');
  t.equal(solutionStage(sendRaw(withLessons, { type: 'ROLLOUT_STARTEN' })[0]), 'pilotphase', 'missing facts');

  const blank = send(pilotphase, { type: 'ROLLOUT_STARTEN', facts: facts(), override: { reason: '  ' } });
  t.equal(solutionStage(blank), 'pilotphase', 'a blank override reason is refused');
  t.equal(solutionStage(sendRaw(pilotphase, { type: 'ROLLOUT_STARTEN', facts: facts(), override: {} })[0]), 'pilotphase');

  const overridden = send(pilotphase, {
    type: 'ROLLOUT_STARTEN',
    facts: facts(),
    override: { reason: 'Keine Pilotbehörde gefunden, Spitzenverbände stimmen zu' },
  });
  t.equal(solutionStage(overridden), 'rollout');
  t.same(overridden.context.rolloutOverride, { reason: 'Keine Pilotbehörde gefunden, Spitzenverbände stimmen zu' });
});

t.test('invalid waves are refused', async (t) => {
  const rollout = inRollout();
  const wave: Extract<SolutionEvent, { type: 'WELLE_STARTEN' }> = {
    type: 'WELLE_STARTEN',
    label: 'Welle 1',
    authorities: ['120600000000'],
    at: AT,
  };
  const refused = (event: Record<string, unknown>, why: string) => {
    const [next, actions] = sendRaw(rollout, { ...wave, ...event });
    t.same(next.context.waves, [], why);
    t.same(actions, [], why);
  };
  refused({ label: ' ' }, 'blank label');
  refused({ authorities: [] }, 'no authorities');
  refused({ authorities: ['12060'] }, 'not an ARS');
  refused({ authorities: ['120600000000', '120600000000'] }, 'duplicate authority');
  refused({ fristTage: 0 }, 'non-positive Frist');
  refused({ fristTage: '14' }, 'Frist as text');
  refused({ at: undefined }, 'missing time');

  const first = send(rollout, wave);
  t.equal(send(first, { ...wave, authorities: ['120650000000'] }).context.waves.length, 1, 'labels identify waves');
});

t.test('the rollout is completed only when no participant is open', async (t) => {
  const rollout = inRollout();
  const [open, actions] = transition(solutionMachine, rollout, {
    type: 'ABSCHLIESSEN',
    facts: facts({ participantsOpen: 2 }),
    at: LATER,
  });
  t.equal(solutionStage(open), 'rollout');
  t.equal(open.context.completedAt, null);
  t.same(actions, []);
  t.equal(solutionStage(sendRaw(rollout, { type: 'ABSCHLIESSEN', at: LATER })[0]), 'rollout', 'missing facts');
  t.equal(solutionStage(send(inPilotphase(), { type: 'ABSCHLIESSEN', facts: facts({ participantsOpen: 0 }), at: LATER })), 'pilotphase', 'not before the rollout');
});

t.test('pausing and resuming returns to the stage it was in', async (t) => {
  for (const [stage, snapshot] of [
    ['entwurf', start()],
    ['erstinformation', send(start(), { type: 'ERSTINFORMATION_STARTEN' })],
    ['pilotphase', inPilotphase()],
    ['rollout', inRollout()],
  ] as const) {
    t.equal(solutionStage(send(snapshot, { type: 'PAUSIEREN', reason: '' })), stage, `${stage}: a pause needs a reason`);
    const paused = send(snapshot, { type: 'PAUSIEREN', reason: 'Haushaltssperre' });
    t.equal(solutionStage(paused), 'pausiert');
    t.equal(paused.context.pausedReason, 'Haushaltssperre');
    t.same(allowedEvents(solutionMachine, paused), ['FORTSETZEN', 'ABBRECHEN']);

    const resumed = send(paused, { type: 'FORTSETZEN' });
    t.equal(solutionStage(resumed), stage, `${stage}: resumed where it was`);
    t.equal(resumed.context.pausedReason, null);
    t.same(resumed.context, snapshot.context, `${stage}: nothing else changed`);
  }
});

t.test('a rollout is cancelled with a reason, also while paused', async (t) => {
  const rollout = inRollout();
  t.equal(solutionStage(send(rollout, { type: 'ABBRECHEN', reason: ' ' })), 'rollout', 'blank reason refused');
  const cancelled = send(rollout, { type: 'ABBRECHEN', reason: 'Bund stellt Lösung ein' });
  t.equal(solutionStage(cancelled), 'abgebrochen');
  t.equal(cancelled.status, 'done');

  const paused = send(inPilotphase(), { type: 'PAUSIEREN', reason: 'Fachrecht ändert sich' });
  t.equal(solutionStage(sendRaw(paused, { type: 'ABBRECHEN' })[0]), 'pausiert', 'missing reason refused');
  const cancelledWhilePaused = send(paused, { type: 'ABBRECHEN', reason: 'Fachrecht entfällt' });
  t.equal(solutionStage(cancelledWhilePaused), 'abgebrochen');
  t.equal(cancelledWhilePaused.context.cancelReason, 'Fachrecht entfällt');
  t.equal(solutionStage(send(cancelledWhilePaused, { type: 'FORTSETZEN' })), 'abgebrochen', 'final');
});

t.test('a persisted snapshot continues after restoreSnapshot, history included', async (t) => {
  const paused = send(inPilotphase(), { type: 'PAUSIEREN', reason: 'Personalwechsel' });

  const raw = JSON.parse(JSON.stringify(paused));
  t.throws(() => transition(solutionMachine, raw, { type: 'FORTSETZEN' }), 'transition() refuses raw JSON');

  for (const [form, json] of [
    ['JSON.stringify(snapshot)', raw],
    ['persistSnapshot()', JSON.parse(JSON.stringify(persistSnapshot(solutionMachine, paused)))],
  ] as const) {
    const restored = restoreSnapshot(solutionMachine, json);
    t.equal(solutionStage(restored), 'pausiert', form);
    t.same(restored.context, paused.context, form);
    const [resumed] = transition(solutionMachine, restored, { type: 'FORTSETZEN' });
    t.equal(solutionStage(resumed), 'pilotphase', `${form}: the history state survives`);
  }

  const persisted = persistSnapshot(solutionMachine, paused);
  t.same(persisted['historyValue'], { 'solution.aktiv.verlauf': [{ id: 'solution.aktiv.pilotphase' }] }, 'history is stored as ids');

  const done = restoreSnapshot(solutionMachine, JSON.parse(JSON.stringify(send(inRollout(), { type: 'ABBRECHEN', reason: 'x' }))));
  t.equal(done.status, 'done');
  t.throws(() => restoreSnapshot(solutionMachine, null));
  t.throws(() => restoreSnapshot(solutionMachine, { context: {} }));
});

t.test('allowedEvents lists the transitions of the current stage, parents included', async (t) => {
  t.same(allowedEvents(solutionMachine, start()), ['PAUSIEREN', 'ABBRECHEN', 'ERSTINFORMATION_STARTEN']);
  const erstinformation = send(start(), { type: 'ERSTINFORMATION_STARTEN' });
  t.same(allowedEvents(solutionMachine, erstinformation).sort(), ['ABBRECHEN', 'ERSTINFORMATION_VERSANDT', 'PAUSIEREN', 'PILOTPHASE_STARTEN']);
  t.same(allowedEvents(solutionMachine, inPilotphase()).sort(), ['ABBRECHEN', 'LESSONS_LEARNED_ERFASSEN', 'PAUSIEREN', 'ROLLOUT_STARTEN']);
  t.same(allowedEvents(solutionMachine, inRollout()).sort(), ['ABBRECHEN', 'ABSCHLIESSEN', 'LESSONS_LEARNED_ERFASSEN', 'PAUSIEREN', 'WELLE_STARTEN']);

  const known = new Set<string>(SOLUTION_EVENT_TYPES);
  for (const type of allowedEvents(solutionMachine, inRollout())) t.ok(known.has(type), `${type} is a known event type`);

  t.same(
    allowedEvents(solutionMachine, erstinformation, [
      { type: 'PILOTPHASE_STARTEN' },
      { type: 'ERSTINFORMATION_VERSANDT', at: AT },
      { type: 'PAUSIEREN', reason: ' ' },
    ]),
    ['ERSTINFORMATION_VERSANDT'],
    'with candidate events the guards decide',
  );
});
