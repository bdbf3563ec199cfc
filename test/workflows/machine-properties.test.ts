// Property-based tests of the pure machines (issue 18, point 7): fast-check drives random
// sequences of events – valid and invalid payloads of every type in the machines' own
// event lists (test/helpers/machine-events.ts) – through xstate's pure transition() and
// checks the documented invariants after every step. The participant's only timer
// (`after: antwortfrist` in eingeladen) is driven as the engine drives it: a `timer`
// step delivers a pending delayed event that transition() scheduled and no later
// transition cancelled. Default 200 runs of at most 25 steps; TEST_FULL=1: 2,000 of at
// most 60. A failure prints fast-check's seed and the shrunk sequence.
import t from 'tap';
import fc from 'fast-check';
import { getShortestPaths } from '@xstate/graph';
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import {
  BUS_BB_SCHRITTE,
  busBbSchritteOf,
  participantMachine,
  participantStage,
  partitionActions,
  solutionMachine,
  solutionStage,
  ticketMachine,
  ticketStage,
  TICKET_OPEN_STAGES,
  type ParticipantEvent,
  type SolutionEvent,
  type TicketEvent,
} from '../../workflows/index.ts';
import {
  ARS,
  PARTICIPANT_CANDIDATES,
  PARTICIPANT_TIMER_EVENT,
  participantKey,
  SOLUTION_CANDIDATES,
  solutionKey,
  TICKET_CANDIDATES,
  ticketKey,
} from '../helpers/machine-events.ts';

const FULL = process.env.TEST_FULL === '1';
const RUNS = { numRuns: FULL ? 2000 : 200 };
const MAX_STEPS = FULL ? 60 : 25;

/**
 * One random step. `guided` steps pick among the candidates the current snapshot accepts
 * (`can()`, guards included), skewed towards the front of the candidate list – forward events
 * come first in the machines' event lists – so that sequences get deep (live, abgeschlossen);
 * the others pick any candidate – mostly refused ones. `at` replaces the event's time with
 * any string now and then; `timer` delivers a pending delayed event (participant only).
 */
interface Step {
  kind: 'event' | 'timer';
  guided: boolean;
  pick: number;
  at?: string | undefined;
}

/**
 * Where a run starts: the events of @xstate/graph's shortest path to one reachable state
 * (stage and what the guards read), chosen at random – so deep stages (live, abgeschlossen,
 * pausiert from rollout) are start points, not rare accidents. The prefix is driven and
 * checked like the rest.
 */
function prefixes(machine: AnyStateMachine, candidates: readonly { type: string }[], key: (s: never) => string, input?: unknown) {
  const paths = getShortestPaths(machine, { events: candidates as never, input, serializeState: (snapshot) => key(snapshot as never), limit: 100_000 });
  return paths.map((path) => path.steps.map((step) => step.event as { type: string }).filter((event) => event !== undefined && event.type !== 'xstate.init'));
}

const PARTICIPANT_PREFIXES = prefixes(participantMachine, [...PARTICIPANT_CANDIDATES, PARTICIPANT_TIMER_EVENT], participantKey, { ars: ARS });
const SOLUTION_PREFIXES = prefixes(solutionMachine, SOLUTION_CANDIDATES, solutionKey);
const TICKET_PREFIXES = prefixes(ticketMachine, TICKET_CANDIDATES, ticketKey);

function run(prefixList: { type: string }[][], withTimer: boolean) {
  return fc.tuple(fc.constantFrom(...prefixList), steps(withTimer)).map(([prefix, rest]) => ({ prefix, rest }));
}

function steps(withTimer: boolean) {
  const event = fc.record({
    kind: fc.constant<'event'>('event'),
    guided: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    pick: fc.nat(),
    at: fc.option(fc.oneof(fc.string(), fc.constant(undefined)), { freq: 8, nil: undefined }),
  }, { requiredKeys: ['kind', 'guided', 'pick'] });
  const step: fc.Arbitrary<Step> = withTimer
    ? fc.oneof({ weight: 6, arbitrary: event }, { weight: 1, arbitrary: fc.constant<Step>({ kind: 'timer', guided: false, pick: 0 }) })
    : event;
  return fc.array(step, { maxLength: MAX_STEPS });
}

interface Move<E> {
  before: AnyMachineSnapshot;
  after: AnyMachineSnapshot;
  /** What was sent: a candidate event (perhaps with another `at`) or the delivered timer event. */
  event: E | { type: string };
  actions: { type: string; params?: unknown }[];
}

/**
 * Runs the steps from `start`, keeping the pending timers as the engine's job table would
 * (cancels first, then schedules), and hands every move to `check`.
 */
function drive<E extends { type: string }>(
  machine: Parameters<typeof transition>[0],
  start: AnyMachineSnapshot,
  candidates: readonly E[],
  sequence: { prefix: readonly { type: string }[]; rest: readonly Step[] },
  check: (move: Move<E>) => void,
): void {
  let snapshot = start;
  const pending = new Map<string, { type: string }>();
  const all: (Step | { kind: 'fixed'; event: { type: string } })[] = [...sequence.prefix.map((event) => ({ kind: 'fixed' as const, event })), ...sequence.rest];
  for (const step of all) {
    let event: E | { type: string } | undefined;
    if (step.kind === 'fixed') {
      event = step.event;
      // a path's timer step delivers the pending timer, as the engine would
      if (event.type.startsWith('xstate.')) pending.delete([...pending.entries()].find(([, e]) => e.type === event!.type)?.[0] ?? '');
    } else if (step.kind === 'timer') {
      const first = pending.entries().next().value;
      if (!first) continue;
      pending.delete(first[0]);
      event = first[1];
    } else {
      const accepted = step.guided ? candidates.filter((candidate) => snapshot.can(candidate)) : [];
      const from = accepted.length > 0 ? accepted : candidates;
      // guided: skewed towards the front of the list, which follows the machines' own order of events (forward first, exits last)
      const index = step.guided ? Math.floor(from.length * ((step.pick % 1000) / 1000) ** 2) : step.pick % from.length;
      const chosen = from[index]!;
      event = 'at' in step && step.at !== undefined && 'at' in chosen ? { ...chosen, at: step.at } : chosen;
    }
    const [after, actions] = transition(machine, snapshot as never, event as never) as unknown as [AnyMachineSnapshot, Move<E>['actions']];
    const { cancel, schedule } = partitionActions(actions);
    for (const id of cancel) pending.delete(id);
    for (const timer of schedule) pending.set(timer.id, timer.event);
    check({ before: snapshot, after, event, actions });
    snapshot = after;
  }
}

const unchanged = (a: AnyMachineSnapshot, b: AnyMachineSnapshot) =>
  JSON.stringify([a.value, a.context, a.status]) === JSON.stringify([b.value, b.context, b.status]);

const participantStart = () => initialTransition(participantMachine, { ars: ARS })[0] as AnyMachineSnapshot;
const solutionStart = () => initialTransition(solutionMachine)[0] as AnyMachineSnapshot;
const ticketStart = () => initialTransition(ticketMachine)[0] as AnyMachineSnapshot;

t.test('participant: live only with every BUS-BB step confirmed, through LIVE_BESTAETIGEN after lsp-sichtbar', async (t) => {
  let reachedLive = 0;
  fc.assert(
    fc.property(run(PARTICIPANT_PREFIXES, true), (sequence) => {
      drive<ParticipantEvent>(participantMachine, participantStart(), PARTICIPANT_CANDIDATES, sequence, ({ before, after, event }) => {
        const stage = participantStage(after);
        if (stage !== 'live') return;
        // every step confirmed, in order (the guard asks for the last, schrittBestaetigbar for the order)
        const schritte = busBbSchritteOf(after.context);
        for (const schritt of BUS_BB_SCHRITTE) {
          if (!schritte[schritt]?.bestaetigtAm) throw new Error(`live without ${schritt} confirmed: ${JSON.stringify(schritte)}`);
        }
        if (participantStage(before) === 'live') return;
        reachedLive++;
        // the way in: LIVE_BESTAETIGEN from bus-bb-verknuepft, lsp-sichtbar confirmed already before it
        if (event.type !== 'LIVE_BESTAETIGEN' || participantStage(before) !== 'bus-bb-verknuepft') {
          throw new Error(`live reached by ${event.type} from ${participantStage(before)}`);
        }
        if (!busBbSchritteOf(before.context)['lsp-sichtbar']?.bestaetigtAm) throw new Error('LIVE_BESTAETIGEN taken before lsp-sichtbar was confirmed');
      });
    }),
    RUNS,
  );
  t.pass(`${RUNS.numRuns} runs, live reached ${reachedLive} times`);
  // the property is not vacuous: the way to live exists among the candidates
  const way: ParticipantEvent[] = [
    { type: 'INFORMIEREN' },
    { type: 'EINLADEN', wave: 'Welle 1', at: 'x' },
    { type: 'ONBOARDING_STARTEN' },
    { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://a.example/x', at: 'x' },
    ...BUS_BB_SCHRITTE.map((schritt) => ({ type: 'BUS_BB_SCHRITT_BESTAETIGEN' as const, schritt, at: 'x' })),
    { type: 'LIVE_BESTAETIGEN' },
  ];
  const live = way.reduce((s, e) => transition(participantMachine, s as never, e)[0] as AnyMachineSnapshot, participantStart());
  t.equal(participantStage(live), 'live');
});

t.test('solution: abgeschlossen only through ABSCHLIESSEN from rollout with facts saying no participant is open', async (t) => {
  let closed = 0;
  fc.assert(
    fc.property(run(SOLUTION_PREFIXES, false), (sequence) => {
      drive<SolutionEvent>(solutionMachine, solutionStart(), SOLUTION_CANDIDATES, sequence, ({ before, after, event }) => {
        if (solutionStage(after) !== 'abgeschlossen' || solutionStage(before) === 'abgeschlossen') return;
        closed++;
        // participantsOpen counts those neither live/pilot-live nor ausgeschlossen/nicht-zustaendig (SolutionFacts)
        const facts = (event as { facts?: { participantsOpen?: unknown } }).facts;
        if (event.type !== 'ABSCHLIESSEN' || solutionStage(before) !== 'rollout') throw new Error(`abgeschlossen by ${event.type} from ${solutionStage(before)}`);
        if (facts?.participantsOpen !== 0) throw new Error(`abgeschlossen with participantsOpen ${JSON.stringify(facts?.participantsOpen)}`);
        if (after.context.completedAt !== (event as { at?: unknown }).at) throw new Error('completedAt is not the event time');
      });
    }),
    RUNS,
  );
  t.pass(`${RUNS.numRuns} runs, abgeschlossen reached ${closed} times`);
});

t.test('solution: while pausiert, only FORTSETZEN and ABBRECHEN change anything; FORTSETZEN returns to the stage left', async (t) => {
  let pausedEvents = 0;
  fc.assert(
    fc.property(run(SOLUTION_PREFIXES, false), (sequence) => {
      let left: string | null = null;
      drive<SolutionEvent>(solutionMachine, solutionStart(), SOLUTION_CANDIDATES, sequence, ({ before, after, event, actions }) => {
        const from = solutionStage(before);
        const to = solutionStage(after);
        if (from !== 'pausiert') {
          if (to === 'pausiert') left = from;
          return;
        }
        pausedEvents++;
        if (event.type === 'FORTSETZEN') {
          if (to !== left) throw new Error(`FORTSETZEN went to ${to}, not back to ${left}`);
          if (after.context.pausedReason !== null) throw new Error('pausedReason kept after FORTSETZEN');
        } else if (event.type === 'ABBRECHEN') {
          if (to !== 'pausiert' && to !== 'abgebrochen') throw new Error(`ABBRECHEN went to ${to}`);
        } else if (!unchanged(before, after) || actions.length > 0) {
          throw new Error(`${event.type} changed a paused solution: ${to}, ${JSON.stringify(after.context)}`);
        }
      });
    }),
    RUNS,
  );
  t.pass(`${RUNS.numRuns} runs, ${pausedEvents} events met a paused solution`);
});

t.test('ticket: the SLA clock stands exactly in wartet-auf-kommune, and the machine runs no clock of its own', async (t) => {
  // The engine keeps the clock (ticket.target.ts): it runs in TICKET_OPEN_STAGES except
  // wartet-auf-kommune. The machine's part: that stage is entered only by AUF_KOMMUNE_WARTEN
  // with a reason, is the only stage with a reason to wait (wartetAuf), is left only by
  // KOMMUNE_ANTWORTET or LOESEN, and no transition schedules a delayed event.
  let waits = 0;
  fc.assert(
    fc.property(run(TICKET_PREFIXES, false), (sequence) => {
      drive<TicketEvent>(ticketMachine, ticketStart(), TICKET_CANDIDATES, sequence, ({ before, after, event, actions }) => {
        const from = ticketStage(before);
        const to = ticketStage(after);
        const waiting = to === 'wartet-auf-kommune';
        if (waiting && !(TICKET_OPEN_STAGES as readonly string[]).includes(to)) throw new Error('wartet-auf-kommune is no longer an open stage');
        if (waiting !== (after.context.wartetAuf !== null)) throw new Error(`stage ${to} with wartetAuf ${JSON.stringify(after.context.wartetAuf)}`);
        if (partitionActions(actions).schedule.length > 0) throw new Error(`${event.type} scheduled a timer in the ticket machine`);
        if (waiting && from !== to) {
          waits++;
          if (event.type !== 'AUF_KOMMUNE_WARTEN' || !String((event as { grund?: unknown }).grund ?? '').trim()) throw new Error(`wartet-auf-kommune entered by ${event.type}`);
        }
        if (from === 'wartet-auf-kommune' && to !== from && event.type !== 'KOMMUNE_ANTWORTET' && event.type !== 'LOESEN') {
          throw new Error(`left wartet-auf-kommune by ${event.type}`);
        }
      });
    }),
    RUNS,
  );
  t.pass(`${RUNS.numRuns} runs, wartet-auf-kommune entered ${waits} times`);
});

t.test('final states take no further event: stage, context and status unchanged, no action', async (t) => {
  // the ticket machine has no final state (geschlossen can be reopened): its count stays 0
  const machines = [
    { name: 'participant', machine: participantMachine, start: participantStart, candidates: PARTICIPANT_CANDIDATES, prefixes: PARTICIPANT_PREFIXES, timer: true },
    { name: 'solution', machine: solutionMachine, start: solutionStart, candidates: SOLUTION_CANDIDATES, prefixes: SOLUTION_PREFIXES, timer: false },
    { name: 'ticket', machine: ticketMachine, start: ticketStart, candidates: TICKET_CANDIDATES, prefixes: TICKET_PREFIXES, timer: false },
  ] as const;
  for (const { name, machine, start, candidates, prefixes: starts, timer } of machines) {
    let afterFinal = 0;
    fc.assert(
      fc.property(run(starts, timer), (sequence) => {
        drive<{ type: string }>(machine as never, start(), candidates, sequence, ({ before, after, event, actions }) => {
          if (before.status !== 'done') return;
          afterFinal++;
          if (!unchanged(before, after) || actions.length > 0) throw new Error(`${event.type} moved the final state ${JSON.stringify(before.value)}`);
        });
      }),
      RUNS,
    );
    t.pass(`${name}: ${RUNS.numRuns} runs, ${afterFinal} events met a final state`);
  }
});
