import type { TObject } from 'typebox';
import type {
  Db,
  MachineToolkit,
  Precondition,
  Reaction,
  TargetDefinition,
  Trx,
  WorkflowRegistry,
} from './workflow.types.ts';

/**
 * The one place where features hand the engine what it runs: their targets (a machine
 * with its table, facts, event choice and words), preconditions on named events of a
 * target, and reactions to an applied event – the way XState's `machine.provide()`
 * supplies named guards and actions, or a Temporal worker registers its activities.
 * Built once at composition (composition.ts) and then read only: the engine asks it,
 * it never imports a feature. A new feature registers here and changes no engine file.
 *
 * The registration is checked when it is built: a precondition or reaction for a target
 * or event nobody registered, or one event type in two machines, stops the start.
 */
export interface WorkflowRegistration {
  addTarget<Ref>(target: TargetDefinition<Ref>): void;
  /** Runs in registration order after those registered before it for the same event. */
  addPrecondition<Ref>(target: string, precondition: Precondition<Ref>): void;
  addReaction<Ref>(target: string, reaction: Reaction<Ref>): void;
  /** Puts job kinds into a class a target's stage change treats alike (e.g. reminders of an authority). */
  classifyJobKinds(jobClass: string, kinds: readonly string[]): void;
}

export type WorkflowFeature = (registration: WorkflowRegistration) => void;

/** Builds the registry from the features' registrations, in the order given. */
export function createWorkflowRegistry(machines: MachineToolkit, features: readonly WorkflowFeature[]): WorkflowRegistry {
  const targets = new Map<string, TargetDefinition>();
  const preconditions: { target: string; precondition: Precondition }[] = [];
  const reactions: { target: string; reaction: Reaction }[] = [];
  const jobClasses = new Map<string, string[]>();
  const registration: WorkflowRegistration = {
    addTarget(target) {
      if (targets.has(target.name)) throw new Error(`Workflow-Register: Ziel „${target.name}“ ist zweimal registriert`);
      targets.set(target.name, target as TargetDefinition);
    },
    addPrecondition(target, precondition) {
      preconditions.push({ target, precondition: precondition as Precondition });
    },
    addReaction(target, reaction) {
      reactions.push({ target, reaction: reaction as Reaction });
    },
    classifyJobKinds(jobClass, kinds) {
      const known = jobClasses.get(jobClass) ?? [];
      jobClasses.set(jobClass, [...known, ...kinds.filter((kind) => !known.includes(kind))]);
    },
  };
  for (const feature of features) feature(registration);

  const owners = new Map<string, TargetDefinition>();
  for (const target of targets.values()) {
    for (const type of Object.keys(target.events)) {
      const other = owners.get(type);
      if (other) throw new Error(`Workflow-Register: Ereignis ${type} gehört zu „${other.name}“ und „${target.name}“`);
      owners.set(type, target);
    }
  }
  const checkEvents = (what: string, target: string, events: readonly string[]) => {
    const definition = targets.get(target);
    if (!definition) throw new Error(`Workflow-Register: ${what} für das unbekannte Ziel „${target}“`);
    for (const type of events) {
      if (owners.get(type) !== definition) throw new Error(`Workflow-Register: ${what} für ${type}, das „${target}“ nicht kennt`);
    }
  };
  for (const { target, precondition } of preconditions) checkEvents('Vorbedingung', target, precondition.events);
  for (const { target, reaction } of reactions) checkEvents('Reaktion', target, reaction.events);

  const registry: WorkflowRegistry = {
    machines,
    targets: Object.freeze([...targets.values()]),
    target<Ref>(name: string) {
      const target = targets.get(name);
      if (!target) throw new Error(`Workflow-Register: kein Ziel „${name}“ registriert`);
      return target as TargetDefinition<Ref>;
    },
    preconditionsFor: (target, eventType) =>
      preconditions.filter((entry) => entry.target === target && entry.precondition.events.includes(eventType)).map((entry) => entry.precondition),
    reactionsFor: (target, eventType) =>
      reactions.filter((entry) => entry.target === target && entry.reaction.events.includes(eventType)).map((entry) => entry.reaction),
    async heldBack(db: Db | Trx, target: string, ref: unknown, types: readonly string[]) {
      const reasons = new Map<string, string>();
      for (const { target: name, precondition } of preconditions) {
        if (name !== target || !precondition.holdsBack) continue;
        const concerned = precondition.events.filter((type) => types.includes(type) && !reasons.has(type));
        if (concerned.length === 0) continue;
        const reason = await precondition.holdsBack(db, ref);
        if (reason !== null) for (const type of concerned) reasons.set(type, reason);
      }
      return reasons;
    },
    eventSchemaOf: (type): TObject | undefined => owners.get(type)?.events[type],
    ownerOf: (type) => owners.get(type),
    jobKinds: (jobClass) => jobClasses.get(jobClass) ?? [],
  };
  return Object.freeze(registry);
}
