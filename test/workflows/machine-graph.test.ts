// Model-based tests of the pure machines (issue 18, point 7): @xstate/graph enumerates
// every reachable state of each machine – told apart by stage and by what its guards read
// (test/helpers/machine-events.ts) – trying every candidate event of the machine's own
// event list (valid and invalid payloads; for the participant also its delayed event
// `antwortfrist`, as the engine delivers it). For each machine: every documented stage
// (*_STAGES) is reached and nothing else is; and from every reachable state, every
// candidate either changes the snapshot (value/context, as the engine's refusal check
// compares, or yields actions) or is refused – exactly as the machine's own can() and
// allowedEvents(machine, snapshot, [event]) say; an event type allowedEvents() does not
// list for the state never changes it; and every type it lists is taken by some candidate
// from some reachable state of that stage.
import t from 'tap';
import { getAdjacencyMap } from '@xstate/graph';
import { transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import {
  allowedEvents,
  PARTICIPANT_STAGES,
  participantMachine,
  participantStage,
  SOLUTION_STAGES,
  solutionMachine,
  solutionStage,
  TICKET_STAGES,
  ticketMachine,
  ticketStage,
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

interface Model {
  name: string;
  machine: AnyStateMachine;
  input?: unknown;
  candidates: readonly { type: string }[];
  stages: readonly string[];
  stageOf: (snapshot: AnyMachineSnapshot) => string;
  key: (snapshot: AnyMachineSnapshot) => string;
}

const MODELS: Model[] = [
  {
    name: 'participant',
    machine: participantMachine,
    input: { ars: ARS },
    candidates: [...PARTICIPANT_CANDIDATES, PARTICIPANT_TIMER_EVENT],
    stages: PARTICIPANT_STAGES,
    stageOf: participantStage,
    key: participantKey as never,
  },
  { name: 'solution', machine: solutionMachine, candidates: SOLUTION_CANDIDATES, stages: SOLUTION_STAGES, stageOf: solutionStage, key: solutionKey as never },
  { name: 'ticket', machine: ticketMachine, candidates: TICKET_CANDIDATES, stages: TICKET_STAGES, stageOf: ticketStage, key: ticketKey as never },
];

/** Every reachable abstract state of the model with one snapshot for it. */
function reachableStates(model: Model): AnyMachineSnapshot[] {
  const adjacency = getAdjacencyMap(model.machine, {
    events: model.candidates as never,
    input: model.input,
    serializeState: (snapshot) => model.key(snapshot as AnyMachineSnapshot),
    limit: 100_000,
  });
  return Object.values(adjacency).map(({ state }) => state as AnyMachineSnapshot);
}

const fingerprint = (snapshot: AnyMachineSnapshot) => JSON.stringify([snapshot.value, snapshot.context]);

for (const model of MODELS) {
  t.test(`${model.name}: every reachable stage documented, every documented stage reachable, every event as can() and allowedEvents() say`, async (t) => {
    const states = reachableStates(model);
    const reached = new Set(states.map(model.stageOf));
    t.same([...reached].sort(), [...model.stages].sort(), `${states.length} reachable states cover exactly the ${model.stages.length} stages of the list`);

    const mismatches: string[] = [];
    /** per stage: the types allowedEvents() lists, and the types some candidate took */
    const listed = new Map<string, Set<string>>();
    const taken = new Map<string, Set<string>>();
    for (const snapshot of states) {
      const stage = model.stageOf(snapshot);
      const types = allowedEvents(model.machine, snapshot as never);
      for (const type of types) (listed.get(stage) ?? listed.set(stage, new Set()).get(stage)!).add(type);
      for (const event of model.candidates) {
        const [next, actions] = transition(model.machine, snapshot as never, event as never) as unknown as [AnyMachineSnapshot, unknown[]];
        const changed = actions.length > 0 || fingerprint(next) !== fingerprint(snapshot);
        const can = snapshot.can(event as never);
        const allowed = allowedEvents(model.machine, snapshot as never, [event as never]).includes(event.type);
        const isTimer = event.type.startsWith('xstate.');
        if (changed !== can || changed !== allowed || (changed && !isTimer && !types.includes(event.type))) {
          mismatches.push(`${model.key(snapshot)} ${JSON.stringify(event)}: changed ${changed}, can ${can}, allowed ${allowed}, listed ${types.includes(event.type)}`);
        }
        if (changed && !isTimer) (taken.get(stage) ?? taken.set(stage, new Set()).get(stage)!).add(event.type);
      }
    }
    t.same(mismatches, [], 'every candidate from every reachable state: changed ⇔ can() ⇔ allowedEvents(…, [event]), and only listed types change anything');
    for (const stage of model.stages) {
      t.same([...(taken.get(stage) ?? [])].sort(), [...(listed.get(stage) ?? [])].sort(), `${stage}: the types allowedEvents() lists are exactly those some valid payload takes`);
    }
  });
}
