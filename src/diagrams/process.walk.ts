import type { AnyStateMachine } from 'xstate';

/**
 * A machine of workflows/ read from its own definition (machine.root and its state
 * nodes): the states with their kind, the transitions with event, guard name and target.
 * Nothing here names a state or an event: a changed machine is a changed drawing.
 */

export type ProcessStateKind = 'atomic' | 'compound' | 'final' | 'history';

export interface ProcessState {
  /** The node's key (unique within the machine; checked while walking). */
  key: string;
  /** The key of the compound state it lies in; null at the top. */
  parent: string | null;
  kind: ProcessStateKind;
  /** The state its parent enters first. */
  initial: boolean;
}

export interface ProcessTransition {
  from: string;
  /** null: the transition keeps the state (no target, or the state itself). */
  to: string | null;
  /** The event type as in the code; for a delayed transition the delay's name, for an eventless one ''. */
  event: string;
  kind: 'event' | 'after' | 'always';
  /** The guard's name; null when unguarded. */
  guard: string | null;
}

export interface ProcessModel {
  id: string;
  states: ProcessState[];
  transitions: ProcessTransition[];
  /** Every event type some transition takes, in order of first appearance. */
  events: string[];
}

interface TransitionLike {
  eventType: string;
  target?: readonly StateNodeLike[] | undefined;
  guard?: unknown;
}

interface StateNodeLike {
  key: string;
  id: string;
  type: string;
  states: Record<string, StateNodeLike>;
  transitions: Map<string, TransitionLike[]>;
  after: readonly (TransitionLike & { delay: string | number })[];
  always?: readonly TransitionLike[] | undefined;
  initial?: { target: readonly StateNodeLike[] } | undefined;
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') return (guard as { type: string }).type;
  // an inline function: xstate knows no name for it
  return typeof guard === 'function' && guard.name ? guard.name : 'Bedingung';
}

/** Walks the machine's state nodes depth first, in the order the definition lists them. */
export function walkMachine(machine: AnyStateMachine): ProcessModel {
  const states: ProcessState[] = [];
  const transitions: ProcessTransition[] = [];
  const events: string[] = [];
  const keyOfId = new Map<string, string>();

  const visit = (node: StateNodeLike, parent: string | null, initialKeys: ReadonlySet<string>) => {
    if ([...keyOfId.values()].includes(node.key)) throw new Error(`state key '${node.key}' appears twice in machine '${machine.id}'`);
    keyOfId.set(node.id, node.key);
    const kind: ProcessStateKind = node.type === 'final' ? 'final' : node.type === 'history' ? 'history' : node.type === 'compound' || node.type === 'parallel' ? 'compound' : 'atomic';
    states.push({ key: node.key, parent, kind, initial: initialKeys.has(node.id) });
    const delays = new Map(node.after.map((definition) => [definition.eventType, String(definition.delay)]));
    const add = (definition: TransitionLike, kindOf: ProcessTransition['kind'], event: string) => {
      const target = definition.target?.[0];
      transitions.push({ from: node.id, to: target && target.id !== node.id ? target.id : null, event, kind: kindOf, guard: guardName(definition.guard) });
      if (kindOf === 'event' && !events.includes(event)) events.push(event);
    };
    for (const [eventType, definitions] of node.transitions) {
      const delay = delays.get(eventType);
      for (const definition of definitions) add(definition, delay === undefined ? 'event' : 'after', delay ?? eventType);
    }
    for (const definition of node.always ?? []) add(definition, 'always', '');
    const childInitial = new Set((node.initial?.target ?? []).map((target) => target.id));
    for (const child of Object.values(node.states)) visit(child, node.key, childInitial);
  };

  const root = machine.root as unknown as StateNodeLike;
  const rootInitial = new Set((root.initial?.target ?? []).map((target) => target.id));
  keyOfId.set(root.id, root.key);
  for (const child of Object.values(root.states)) visit(child, null, rootInitial);
  for (const [eventType, definitions] of root.transitions) {
    // transitions on the machine itself hold in every top-level state that is not final
    for (const state of states.filter((s) => s.parent === null && s.kind !== 'final' && s.kind !== 'history')) {
      for (const definition of definitions) {
        const target = definition.target?.[0]?.id ?? null;
        transitions.push({ from: `${root.id}.${state.key}`, to: target, event: eventType, kind: 'event', guard: guardName(definition.guard) });
      }
    }
    if (!events.includes(eventType)) events.push(eventType);
  }
  return {
    id: machine.id,
    states,
    transitions: transitions.map((transition) => ({
      ...transition,
      from: keyOfId.get(transition.from) ?? transition.from,
      to: transition.to === null ? null : (keyOfId.get(transition.to) ?? transition.to),
    })),
    events,
  };
}
