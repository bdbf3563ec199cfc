import t from 'tap';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import {
  allowedEvents,
  DEFAULT_FRIST_TAGE,
  MAX_ERINNERUNGEN,
  PARTICIPANT_DONE_STAGES,
  PARTICIPANT_EVENT_TYPES,
  PARTICIPANT_LINKED_STAGES,
  PARTICIPANT_MACHINE_VERSION,
  participantMachine,
  participantStage,
  partitionActions,
  persistSnapshot,
  restoreSnapshot,
  solutionMachine,
  type ParticipantEvent,
} from '../../workflows/index.ts';

type Snapshot = ReturnType<typeof initialTransition<typeof participantMachine>>[0];
type Actions = ReturnType<typeof transition<typeof participantMachine>>[1];

const ARS = '120615202000'; // an Amt: addressee for its member Gemeinden
const AT = '2025-05-05T08:00:00.000Z';
const DAY_MS = 86_400_000;
const URL_OK = 'https://service.brandenburg.de/hundesteuer/amt-beispiel';

function start(): Snapshot {
  return initialTransition(participantMachine, { ars: ARS })[0];
}

function send(snapshot: Snapshot, ...events: ParticipantEvent[]): Snapshot {
  return events.reduce((current, event) => transition(participantMachine, current, event)[0], snapshot);
}

/** Bypasses the static event types to send what a careless client could send. */
function sendRaw(snapshot: Snapshot, event: Record<string, unknown> & { type: string }) {
  return transition(participantMachine, snapshot, event as unknown as ParticipantEvent);
}

const plain = (actions: Actions) => actions.map(({ type, params }) => ({ type, params }));

function invited(fristTage?: number): [Snapshot, Actions] {
  const event: ParticipantEvent = { type: 'EINLADEN', wave: 'Welle 1', at: AT };
  if (fristTage !== undefined) event.fristTage = fristTage;
  return transition(participantMachine, send(start(), { type: 'INFORMIEREN' }), event);
}

t.test('version, stage lists and initial context', async (t) => {
  t.ok(Number.isInteger(PARTICIPANT_MACHINE_VERSION) && PARTICIPANT_MACHINE_VERSION >= 1);
  t.same(PARTICIPANT_DONE_STAGES, ['pilot-live', 'live', 'ausgeschlossen', 'nicht-zustaendig']);
  t.same(PARTICIPANT_LINKED_STAGES, ['pilot-live', 'live']);
  const snapshot = start();
  t.equal(participantStage(snapshot), 'vorgemerkt');
  t.same(snapshot.context, {
    ars: ARS,
    fristTage: 14,
    fristUeberschritten: false,
    erinnerungen: 0,
    readiness: null,
    busBb: null,
    reason: null,
    wave: null,
    pilot: null,
  });
});

t.test('pilot candidates keep their source, the selection is recorded, a confirmed pilot is mailed its page', async (t) => {
  const informed = send(start(), { type: 'INFORMIEREN' });
  const suggested = send(informed, {
    type: 'PILOT_VORSCHLAGEN',
    quelle: 'spitzenverband',
    spitzenverband: 'landkreistag',
    vorgeschlagenVon: ' Landkreistag, Frau Beispiel ',
    vorgeschlagenAm: '2026-03-02',
    at: AT,
  });
  t.equal(participantStage(suggested), 'pilot-kandidat');
  t.same(suggested.context.pilot, {
    quelle: 'spitzenverband',
    spitzenverband: 'landkreistag',
    vorgeschlagenVon: 'Landkreistag, Frau Beispiel',
    vorgeschlagenAm: '2026-03-02',
    seit: AT,
    entscheidung: null,
    liveOverride: null,
  });
  for (const event of [
    { type: 'PILOT_VORSCHLAGEN', quelle: 'spitzenverband', at: AT },
    { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium', spitzenverband: 'landkreistag', at: AT },
    { type: 'PILOT_VORSCHLAGEN', quelle: 'selbst', at: AT },
    { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium', vorgeschlagenAm: '2026-02-30', at: AT },
  ] as ParticipantEvent[]) {
    t.equal(participantStage(send(informed, event)), 'informiert', JSON.stringify(event));
  }
  t.equal(participantStage(send(start(), { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium', at: AT })), 'pilot-kandidat', 'also before the mail arrived');

  const declined = send(suggested, { type: 'PILOT_ABLEHNEN', reason: ' Fachverfahren fehlt ' });
  t.equal(participantStage(declined), 'interessiert');
  t.match(declined.context.pilot, { quelle: 'spitzenverband', entscheidung: { art: 'abgelehnt', reason: 'Fachverfahren fehlt' } });
  t.equal(participantStage(send(suggested, { type: 'PILOT_ABLEHNEN', reason: ' ' })), 'pilot-kandidat', 'declining needs a reason');

  const selfApplied = send(informed, { type: 'ALS_PILOT_BEWERBEN', at: AT } as ParticipantEvent);
  t.match(selfApplied.context.pilot, { quelle: 'selbst', seit: AT });
  const [confirmed, actions] = transition(participantMachine, selfApplied, { type: 'PILOT_BESTAETIGEN', at: AT } as ParticipantEvent);
  t.match(confirmed.context.pilot, { quelle: 'selbst', entscheidung: { art: 'bestaetigt', reason: null } });
  t.same(partitionActions(actions).effects, [{ type: 'effect.invitePilot', params: { ars: ARS } }]);
  const live = send(confirmed, { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: URL_OK, override: { reason: ' AVV folgt ' }, at: AT });
  t.equal(live.context.pilot?.liveOverride, 'AVV folgt');
  t.same(JSON.parse(JSON.stringify(live.context)), live.context, 'plain JSON');
});

t.test('a pilot authority goes live', async (t) => {
  let snapshot = send(start(), { type: 'INFORMIEREN' }, { type: 'INTERESSE_BEKUNDEN' });
  t.equal(participantStage(snapshot), 'interessiert');
  snapshot = send(snapshot, { type: 'ALS_PILOT_BEWERBEN' });
  t.equal(participantStage(snapshot), 'pilot-kandidat');

  t.equal(participantStage(send(snapshot, { type: 'PILOT_ZURUECKSTELLEN', reason: '' })), 'pilot-kandidat', 'blank reason');
  const deferred = send(snapshot, { type: 'PILOT_ZURUECKSTELLEN', reason: 'Schon zwei Piloten mit demselben Fachverfahren' });
  t.equal(participantStage(deferred), 'interessiert');
  t.equal(deferred.context.reason, 'Schon zwei Piloten mit demselben Fachverfahren');

  snapshot = send(snapshot, { type: 'PILOT_BESTAETIGEN' });
  t.equal(participantStage(snapshot), 'pilot-bestaetigt');
  t.same(allowedEvents(participantMachine, snapshot).sort(), ['ABLEHNEN', 'AUSSCHLIESSEN', 'NICHT_ZUSTAENDIG_MELDEN', 'PILOT_LIVE_MELDEN']);
  t.equal(participantStage(send(snapshot, { type: 'EINLADEN', wave: 'Welle 1', at: AT })), 'pilot-bestaetigt', 'pilots are not invited to waves');

  for (const url of ['ftp://example.org/x', 'service.brandenburg.de/x', '', 'javascript:alert(1)']) {
    t.equal(participantStage(send(snapshot, { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: url, at: AT })), 'pilot-bestaetigt', `refuses ${JSON.stringify(url)}`);
  }
  snapshot = send(snapshot, { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: URL_OK, at: AT });
  t.equal(participantStage(snapshot), 'pilot-live');
  t.same(snapshot.context.busBb, { onlineDienstUrl: URL_OK, verknuepftAm: null, gemeldetAm: AT });
  t.equal(snapshot.status, 'done');
  t.same(allowedEvents(participantMachine, snapshot), []);

  t.equal(participantStage(send(start(), { type: 'INFORMIEREN' }, { type: 'ALS_PILOT_BEWERBEN' })), 'pilot-kandidat', 'directly after the Erstinformation');
});

t.test('an invited authority is onboarded and goes live', async (t) => {
  let [snapshot, actions] = invited(21);
  t.equal(participantStage(snapshot), 'eingeladen');
  t.match(snapshot.context, { wave: 'Welle 1', fristTage: 21, erinnerungen: 0, fristUeberschritten: false });
  t.same(partitionActions(actions).effects, [], 'the invitation mail belongs to the wave effect');

  snapshot = send(snapshot, { type: 'BEREITSCHAFT_MELDEN', status: 'bereit', at: AT });
  t.equal(participantStage(snapshot), 'onboarding');
  t.same(snapshot.context.readiness, { status: 'bereit', at: AT });

  t.equal(participantStage(send(snapshot, { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'nope', at: AT })), 'onboarding');
  snapshot = send(snapshot, { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: URL_OK, at: AT });
  t.equal(participantStage(snapshot), 'bus-bb-verknuepft');
  t.same(snapshot.context.busBb, { onlineDienstUrl: URL_OK, verknuepftAm: null, gemeldetAm: AT });
  t.same(allowedEvents(participantMachine, snapshot).sort(), ['AUSSCHLIESSEN', 'BUS_BB_SCHRITTE_MELDEN', 'BUS_BB_SCHRITT_BESTAETIGEN', 'LIVE_BESTAETIGEN']);
  t.same(snapshot.context.busBbSchritte, {
    'online-dienst-angelegt': { gemeldetAm: AT, bestaetigtAm: null },
    'zustaendigkeit-zugeordnet': { gemeldetAm: AT, bestaetigtAm: null },
  }, 'a linking report reports the first two steps');

  t.equal(participantStage(send(snapshot, { type: 'LIVE_BESTAETIGEN' })), 'bus-bb-verknuepft', 'not live before the last step is confirmed');
  const outOfOrder = send(snapshot, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'lsp-sichtbar', at: AT });
  t.same(outOfOrder.context, snapshot.context, 'steps are confirmed in order');
  for (const schritt of ['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar'] as const) {
    snapshot = send(snapshot, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt, at: AT });
    t.equal(snapshot.context.busBbSchritte?.[schritt]?.bestaetigtAm, AT, schritt);
  }
  t.same(send(snapshot, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'lsp-sichtbar', at: '2025-06-01T00:00:00.000Z' }).context, snapshot.context, 'once');

  snapshot = send(snapshot, { type: 'LIVE_BESTAETIGEN' });
  t.equal(participantStage(snapshot), 'live');
  t.equal(snapshot.status, 'done');
  t.ok(PARTICIPANT_LINKED_STAGES.includes(participantStage(snapshot)));

  const manual = send(invited()[0], { type: 'ONBOARDING_STARTEN' });
  t.equal(participantStage(manual), 'onboarding', 'the ministry can start the onboarding itself');
});

t.test('invitations: from which stages, Frist default and validation', async (t) => {
  const fromStages: Snapshot[] = [
    start(),
    send(start(), { type: 'INFORMIEREN' }),
    send(start(), { type: 'INFORMIEREN' }, { type: 'INTERESSE_BEKUNDEN' }),
    send(start(), { type: 'ABLEHNEN', reason: 'Kein Bedarf' }),
  ];
  for (const snapshot of fromStages) {
    const next = send(snapshot, { type: 'EINLADEN', wave: 'Welle 2', at: AT });
    t.equal(participantStage(next), 'eingeladen', `from ${participantStage(snapshot)}`);
    t.equal(next.context.fristTage, DEFAULT_FRIST_TAGE);
    t.equal(next.context.reason, null, 'an earlier refusal no longer applies');
  }
  const kandidat = send(start(), { type: 'INFORMIEREN' }, { type: 'ALS_PILOT_BEWERBEN' });
  t.equal(participantStage(send(kandidat, { type: 'EINLADEN', wave: 'Welle 2', at: AT })), 'pilot-kandidat', 'not from pilot states');

  for (const bad of [{ wave: ' ' }, { wave: undefined }, { fristTage: 0 }, { fristTage: -3 }, { fristTage: '14' }]) {
    t.equal(participantStage(sendRaw(start(), { type: 'EINLADEN', wave: 'Welle 2', at: AT, ...bad })[0]), 'vorgemerkt', `refuses ${JSON.stringify(bad)}`);
  }
});

t.test('readiness answers', async (t) => {
  const [eingeladen] = invited();
  const bereitAb = send(eingeladen, { type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab', ab: '2026-01-01', at: AT });
  t.equal(participantStage(bereitAb), 'eingeladen');
  t.same(bereitAb.context.readiness, { status: 'bereit-ab', ab: '2026-01-01', at: AT });

  const nichtBereit = send(eingeladen, {
    type: 'BEREITSCHAFT_MELDEN',
    status: 'nicht-bereit',
    gruende: ['epayment', 'sonstiges'],
    freitext: 'Kämmerei prüft pmPayment ',
    at: AT,
  });
  t.equal(participantStage(nichtBereit), 'eingeladen');
  t.same(nichtBereit.context.readiness, {
    status: 'nicht-bereit',
    gruende: ['epayment', 'sonstiges'],
    freitext: 'Kämmerei prüft pmPayment',
    at: AT,
  });

  const onboarding = send(bereitAb, { type: 'BEREITSCHAFT_MELDEN', status: 'bereit', at: AT });
  t.equal(participantStage(onboarding), 'onboarding', 'a later "bereit" still leads to onboarding');

  const invalid: Record<string, unknown>[] = [
    { status: 'bereit-ab' },
    { status: 'bereit-ab', ab: '01.01.2026' },
    { status: 'bereit-ab', ab: '2026-02-30' },
    { status: 'nicht-bereit' },
    { status: 'nicht-bereit', gruende: [] },
    { status: 'nicht-bereit', gruende: ['keine-lust'] },
    { status: 'nicht-bereit', gruende: ['avv', 'avv'] },
    { status: 'nicht-bereit', gruende: ['sonstiges'] },
    { status: 'nicht-bereit', gruende: ['sonstiges'], freitext: '   ' },
    { status: 'vielleicht' },
    { status: 'bereit', at: undefined },
  ];
  for (const payload of invalid) {
    const [next, actions] = sendRaw(eingeladen, { type: 'BEREITSCHAFT_MELDEN', at: AT, ...payload });
    t.equal(participantStage(next), 'eingeladen', `refuses ${JSON.stringify(payload)}`);
    t.equal(next.context.readiness, null);
    t.same(actions, []);
  }
  t.equal(participantStage(send(send(start(), { type: 'INFORMIEREN' }), { type: 'BEREITSCHAFT_MELDEN', status: 'bereit', at: AT })), 'informiert', 'only after an invitation');
});

t.test('reminders: a named delay from fristTage, three reminders, then escalation', async (t) => {
  let [snapshot, actions] = invited(10);
  const { schedule, cancel } = partitionActions(actions);
  t.same(cancel, []);
  t.equal(schedule.length, 1);
  const raise = actions.find((action) => action.type === 'xstate.raise');
  t.same(raise?.params, {
    event: { type: 'xstate.after.antwortfrist.participant.eingeladen' },
    id: 'xstate.after.antwortfrist.participant.eingeladen',
    delay: 10 * DAY_MS,
  }, 'transition() returns the after-timer as a delayed xstate.raise');
  const due = (raise?.params as { event: ParticipantEvent }).event;

  for (let erinnerung = 1; erinnerung <= MAX_ERINNERUNGEN; erinnerung++) {
    [snapshot, actions] = transition(participantMachine, snapshot, due);
    t.equal(participantStage(snapshot), 'eingeladen');
    t.equal(snapshot.context.erinnerungen, erinnerung);
    t.equal(snapshot.context.fristUeberschritten, true);
    t.same(plain(actions).filter((a) => a.type.startsWith('effect.')), [
      { type: 'effect.remindParticipant', params: { ars: ARS, erinnerung } },
    ]);
    const next = partitionActions(actions);
    t.same(next.cancel, [due.type], 're-entering cancels the fired timer …');
    t.same(next.schedule, [{ id: due.type, delayMs: 10 * DAY_MS, event: due }], '… and arms it again');
    t.ok(
      actions.findIndex((a) => (a.type as string) === 'xstate.cancel') < actions.findIndex((a) => a.type === 'xstate.raise'),
      'cancel comes before the new raise',
    );
  }

  [snapshot, actions] = transition(participantMachine, snapshot, due);
  t.equal(snapshot.context.erinnerungen, MAX_ERINNERUNGEN, 'no fourth reminder');
  t.same(plain(actions), [{ type: 'effect.escalateParticipant', params: { ars: ARS, erinnerungen: 3 } }], 'escalation, no new timer');

  // the authority still can answer after the escalation
  const answered = send(snapshot, { type: 'BEREITSCHAFT_MELDEN', status: 'bereit', at: AT });
  t.equal(participantStage(answered), 'onboarding');

  const [reinvited, reinviteActions] = transition(
    participantMachine,
    send(snapshot, { type: 'ABLEHNEN', reason: 'Kein Personal' }),
    { type: 'EINLADEN', wave: 'Welle 3', at: AT },
  );
  t.match(reinvited.context, { erinnerungen: 0, fristUeberschritten: false, fristTage: 14, wave: 'Welle 3' });
  t.same(partitionActions(reinviteActions).schedule.map((s) => s.delayMs), [14 * DAY_MS]);
});

t.test('a readiness answer keeps the timer, leaving eingeladen cancels it', async (t) => {
  const [eingeladen] = invited();
  const [, stay] = transition(participantMachine, eingeladen, { type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab', ab: '2026-01-01', at: AT });
  t.same(plain(stay), [], 'no cancel, no new raise');

  for (const event of [
    { type: 'BEREITSCHAFT_MELDEN', status: 'bereit', at: AT },
    { type: 'ONBOARDING_STARTEN' },
    { type: 'ABLEHNEN', reason: 'Fachverfahren nicht anbindbar' },
    { type: 'NICHT_ZUSTAENDIG_MELDEN', reason: 'Zuständig ist der Landkreis' },
    { type: 'AUSSCHLIESSEN', reason: 'Amt aufgelöst' },
  ] satisfies ParticipantEvent[]) {
    const [, actions] = transition(participantMachine, eingeladen, event);
    t.same(plain(actions), [{ type: 'xstate.cancel', params: { sendId: 'xstate.after.antwortfrist.participant.eingeladen' } }], event.type);
  }

  const stale = { type: 'xstate.after.antwortfrist.participant.eingeladen' } as unknown as ParticipantEvent;
  const onboarding = send(eingeladen, { type: 'ONBOARDING_STARTEN' });
  const [unchanged, none] = transition(participantMachine, onboarding, stale);
  t.equal(participantStage(unchanged), 'onboarding', 'a late timer event is ignored elsewhere');
  t.same(unchanged.context, onboarding.context);
  t.same(none, []);
});

t.test('refusal, non-responsibility and exclusion', async (t) => {
  const open: Snapshot[] = [
    start(),
    send(start(), { type: 'INFORMIEREN' }),
    send(start(), { type: 'INFORMIEREN' }, { type: 'INTERESSE_BEKUNDEN' }),
    send(start(), { type: 'INFORMIEREN' }, { type: 'ALS_PILOT_BEWERBEN' }),
    send(start(), { type: 'INFORMIEREN' }, { type: 'ALS_PILOT_BEWERBEN' }, { type: 'PILOT_BESTAETIGEN' }),
    invited()[0],
    send(invited()[0], { type: 'ONBOARDING_STARTEN' }),
  ];
  const targets = { ABLEHNEN: 'abgelehnt', NICHT_ZUSTAENDIG_MELDEN: 'nicht-zustaendig', AUSSCHLIESSEN: 'ausgeschlossen' } as const;
  for (const snapshot of open) {
    const from = participantStage(snapshot);
    for (const [type, target] of Object.entries(targets) as [keyof typeof targets, string][]) {
      t.equal(participantStage(send(snapshot, { type, reason: '  ' })), from, `${from} ${type} without reason`);
      const next = send(snapshot, { type, reason: ' Grund ' });
      t.equal(participantStage(next), target, `${from} ${type}`);
      t.equal(next.context.reason, 'Grund');
    }
  }

  const abgelehnt = send(start(), { type: 'ABLEHNEN', reason: 'Kein Bedarf' });
  t.same(allowedEvents(participantMachine, abgelehnt).sort(), ['AUSSCHLIESSEN', 'EINLADEN']);
  t.equal(participantStage(send(abgelehnt, { type: 'AUSSCHLIESSEN', reason: 'Fusion' })), 'ausgeschlossen');

  const nichtZustaendig = send(start(), { type: 'NICHT_ZUSTAENDIG_MELDEN', reason: 'Das Amt ist zuständig' });
  t.ok(PARTICIPANT_DONE_STAGES.includes(participantStage(nichtZustaendig)));
  t.same(allowedEvents(participantMachine, nichtZustaendig), ['ZUSTAENDIGKEIT_BESTAETIGEN']);
  const corrected = send(nichtZustaendig, { type: 'ZUSTAENDIGKEIT_BESTAETIGEN' });
  t.equal(participantStage(corrected), 'informiert', 'a mistaken report is undone');
  t.equal(corrected.context.reason, null);

  const ausgeschlossen = send(start(), { type: 'AUSSCHLIESSEN', reason: 'Doppelt erfasst' });
  t.equal(ausgeschlossen.status, 'done');
  t.same(allowedEvents(participantMachine, ausgeschlossen), []);
});

t.test('an invitation survives a JSON round trip, timer state included', async (t) => {
  const [eingeladen, actions] = invited(7);
  const due = partitionActions(actions).schedule[0]!.event as ParticipantEvent;

  for (const json of [
    JSON.parse(JSON.stringify(eingeladen)),
    JSON.parse(JSON.stringify(persistSnapshot(participantMachine, eingeladen))),
  ]) {
    const restored = restoreSnapshot(participantMachine, json);
    t.equal(participantStage(restored), 'eingeladen');
    t.same(restored.context, eingeladen.context);
    // the stored timer fires days later, against the restored snapshot
    const [reminded, reminderActions] = transition(participantMachine, restored, due);
    t.equal(reminded.context.erinnerungen, 1);
    t.same(partitionActions(reminderActions).effects, [{ type: 'effect.remindParticipant', params: { ars: ARS, erinnerung: 1 } }]);

    const answered = restoreSnapshot(participantMachine, JSON.parse(JSON.stringify(send(restored, {
      type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['bundid'], at: AT,
    }))));
    t.same(answered.context.readiness, { status: 'nicht-bereit', gruende: ['bundid'], at: AT }, 'readiness is plain JSON');
  }
});

t.test('a reconciliation takes over a linking found in the PVOG export', async (t) => {
  const abgleichId = '00000000-0000-4000-8000-000000000001';
  const [eingeladen] = invited();
  t.equal(participantStage(send(eingeladen, { type: 'BUS_BB_ABGLEICH_UEBERNEHMEN', abgleichId: '', at: AT })), 'eingeladen', 'only with its evidence');
  const taken = send(eingeladen, { type: 'BUS_BB_ABGLEICH_UEBERNEHMEN', abgleichId, onlineDienstUrl: URL_OK, at: AT });
  t.equal(participantStage(taken), 'bus-bb-verknuepft');
  t.same(taken.context.busBb, { onlineDienstUrl: URL_OK, verknuepftAm: null, gemeldetAm: AT, abgleichId });
  t.same(taken.context.busBbSchritte, {
    'online-dienst-angelegt': { gemeldetAm: null, bestaetigtAm: AT, abgleichId },
    'zustaendigkeit-zugeordnet': { gemeldetAm: null, bestaetigtAm: AT, abgleichId },
  });
  const informed = send(start(), { type: 'INFORMIEREN' });
  t.equal(participantStage(send(informed, { type: 'BUS_BB_ABGLEICH_UEBERNEHMEN', abgleichId, at: AT })), 'informiert', 'not before the invitation');
});

t.test('allowedEvents per stage', async (t) => {
  const known = new Set<string>(PARTICIPANT_EVENT_TYPES);
  const leave = ['ABLEHNEN', 'AUSSCHLIESSEN', 'NICHT_ZUSTAENDIG_MELDEN'];
  const cases: [Snapshot, string[]][] = [
    [start(), ['EINLADEN', 'INFORMIEREN', 'PILOT_VORSCHLAGEN', ...leave]],
    [send(start(), { type: 'INFORMIEREN' }), ['ALS_PILOT_BEWERBEN', 'EINLADEN', 'INTERESSE_BEKUNDEN', 'PILOT_VORSCHLAGEN', ...leave]],
    [send(start(), { type: 'INFORMIEREN' }, { type: 'ALS_PILOT_BEWERBEN' }), ['BEREITSCHAFT_MELDEN', 'PILOT_ABLEHNEN', 'PILOT_BESTAETIGEN', 'PILOT_ZURUECKSTELLEN', ...leave]],
    [invited()[0], ['BEREITSCHAFT_MELDEN', 'BUS_BB_ABGLEICH_UEBERNEHMEN', 'ONBOARDING_STARTEN', ...leave]],
    [
      send(invited()[0], { type: 'ONBOARDING_STARTEN' }),
      ['BUS_BB_ABGLEICH_UEBERNEHMEN', 'BUS_BB_SCHRITTE_MELDEN', 'BUS_BB_SCHRITT_BESTAETIGEN', 'BUS_BB_VERKNUEPFUNG_MELDEN', ...leave],
    ],
  ];
  for (const [snapshot, expected] of cases) {
    const allowed = allowedEvents(participantMachine, snapshot);
    t.same([...allowed].sort(), [...expected].sort(), participantStage(snapshot));
    t.notOk(allowed.some((type) => type.startsWith('xstate.')), 'no internal after-events');
    t.ok(allowed.every((type) => known.has(type)));
  }
  t.same(
    allowedEvents(participantMachine, invited()[0], [
      { type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab', at: AT },
      { type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab', ab: '2026-04-01', at: AT },
    ]).length,
    1,
    'candidate events go through the guards',
  );
  t.throws(
    () => allowedEvents(solutionMachine, start() as unknown as SnapshotFrom<typeof solutionMachine>),
    'a snapshot of another machine is a programming error',
  );
});

t.test('a pilot candidate that cannot start yet says from when or what it lacks; it stays a candidate', async (t) => {
  const kandidat = send(start(), { type: 'INFORMIEREN' }, { type: 'ALS_PILOT_BEWERBEN' });
  const later = send(kandidat, { type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab', ab: '2026-04-01', at: AT });
  t.equal(participantStage(later), 'pilot-kandidat');
  t.same(later.context.readiness, { status: 'bereit-ab', ab: '2026-04-01', at: AT });
  const lacking = send(kandidat, { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['avv'], at: AT });
  t.equal(participantStage(lacking), 'pilot-kandidat');
  t.same(lacking.context.readiness, { status: 'nicht-bereit', gruende: ['avv'], at: AT });
  t.notOk(kandidat.can({ type: 'BEREITSCHAFT_MELDEN', status: 'bereit', at: AT }), '"bereit" is the candidate\'s PILOT_BESTAETIGEN (the answer page), not a readiness of its own');
  t.notOk(kandidat.can({ type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: [], at: AT }), 'the guards hold as for an invited authority');
});

t.test('a BUS-BB report keeps the reported date and the report time apart', async (t) => {
  const onboarding = send(invited(14)[0], { type: 'ONBOARDING_STARTEN' });
  const reported = send(onboarding, { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: URL_OK, verknuepftAm: '2025-04-30', at: AT });
  t.same(reported.context.busBb, { onlineDienstUrl: URL_OK, verknuepftAm: '2025-04-30', gemeldetAm: AT });
  for (const verknuepftAm of ['2025-02-30', '30.04.2025', '']) {
    const refused = send(onboarding, { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: URL_OK, verknuepftAm, at: AT });
    t.equal(participantStage(refused), 'onboarding', `refuses verknuepftAm ${JSON.stringify(verknuepftAm)}`);
  }
});
