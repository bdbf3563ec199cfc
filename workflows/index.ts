// Public surface of the workflow definitions plus the few helpers the engine
// needs around xstate's pure transition(): restore a persisted snapshot, list
// the events a state takes, and sort transition()'s actions into effects,
// timers to schedule and timers to cancel.
import type { AnyMachineSnapshot, AnyStateMachine, EventFromLogic, EventObject, SnapshotFrom } from 'xstate';

export {
  SOLUTION_EVENT_TYPES,
  SOLUTION_FINAL_STAGES,
  PARTICIPANTS_MOVING_STAGES,
  participantsStandStill,
  SOLUTION_MACHINE_VERSION,
  SOLUTION_SYSTEM_EVENTS,
  SOLUTION_STAGES,
  solutionMachine,
  solutionStage,
  type InformParticipantsParams,
  type InviteWaveParams,
  type LessonLearned,
  type SolutionContext,
  type SolutionEffect,
  type SolutionEvent,
  type SolutionEventType,
  type SolutionFacts,
  type SolutionStage,
} from './solution.machine.ts';

export {
  BUS_BB_SCHRITTE,
  busBbSchritteOf,
  DEFAULT_FRIST_TAGE,
  MAX_ERINNERUNGEN,
  PARTICIPANT_DONE_STAGES,
  PARTICIPANT_EVENT_TYPES,
  PARTICIPANT_FINAL_STAGES,
  PARTICIPANT_INVITABLE_STAGES,
  PARTICIPANT_LINKED_STAGES,
  PARTICIPANT_SYSTEM_EVENTS,
  PARTICIPANT_MACHINE_VERSION,
  PARTICIPANT_STAGES,
  PILOT_QUELLEN,
  READINESS_GRUENDE,
  SPITZENVERBAENDE,
  participantMachine,
  participantStage,
  type EscalateParticipantParams,
  type InvitePilotParams,
  type ParticipantContext,
  type ParticipantEffect,
  type ParticipantEvent,
  type ParticipantEventType,
  type ParticipantInput,
  type ParticipantStage,
  type BusBbReport,
  type PilotCandidacy,
  type PilotQuelle,
  type Spitzenverband,
  type BusBbSchritt,
  type BusBbSchritte,
  type BusBbSchrittStand,
  type Readiness,
  type ReadinessGrund,
  type RemindParticipantParams,
} from './participant.machine.ts';

/** The JSON form in which snapshots are stored. */
export type PersistedSnapshot = Record<string, unknown> & { value: unknown };

/**
 * The JSON-safe form of a snapshot for the database. Prefer it over
 * JSON.stringify(snapshot), which writes whole state node definitions into
 * historyValue instead of their ids.
 */
export function persistSnapshot(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): PersistedSnapshot {
  return JSON.parse(JSON.stringify(machine.getPersistedSnapshot(snapshot))) as PersistedSnapshot;
}

/**
 * Turns a stored JSON snapshot back into one transition() accepts (it throws on
 * raw JSON). resolveState() rebuilds the active state nodes but keeps
 * historyValue as given, so the history entries are looked up by id here –
 * otherwise FORTSETZEN after a restore could not find the paused stage.
 */
export function restoreSnapshot<TMachine extends AnyStateMachine>(
  machine: TMachine,
  json: unknown,
): SnapshotFrom<TMachine> {
  if (typeof json !== 'object' || json === null || !('value' in json)) {
    throw new TypeError(`not a persisted snapshot of machine '${machine.id}'`);
  }
  const persisted = json as PersistedSnapshot;
  const historyValue: Record<string, unknown[]> = {};
  const storedHistory = persisted['historyValue'];
  if (typeof storedHistory === 'object' && storedHistory !== null) {
    for (const [key, entries] of Object.entries(storedHistory)) {
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        const id = typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : undefined;
        if (typeof id !== 'string') continue;
        const node = findStateNode(machine, id);
        // a stage removed in a later machine version falls back to the history default
        if (node) (historyValue[key] ??= []).push(node);
      }
    }
  }
  return machine.resolveState({
    ...persisted,
    context: structuredClone(persisted['context'] ?? {}),
    historyValue,
  } as Parameters<TMachine['resolveState']>[0]) as SnapshotFrom<TMachine>;
}

function findStateNode(machine: AnyStateMachine, id: string) {
  try {
    return machine.getStateNodeById(id);
  } catch {
    return undefined;
  }
}

/**
 * The event types the snapshot's current state has a transition for. Guards are
 * not evaluated, because they need the payload: an event listed here can still
 * be refused. Pass `candidateEvents` (complete events with payload) to get only
 * those that would actually be taken, guards included.
 */
export function allowedEvents<TMachine extends AnyStateMachine>(
  machine: TMachine,
  snapshot: SnapshotFrom<TMachine>,
  candidateEvents?: readonly EventFromLogic<TMachine>[],
): string[] {
  const current = snapshot as AnyMachineSnapshot;
  if (current.machine !== machine) {
    throw new Error(`snapshot belongs to machine '${current.machine.id}', not '${machine.id}'`);
  }
  if (current.status !== 'active') return [];
  if (candidateEvents) {
    return candidateEvents.filter((event) => current.can(event)).map((event) => event.type);
  }
  const types = new Set<string>();
  // _nodes holds every active state node, ancestors included, so transitions
  // declared on a parent (PAUSIEREN on 'aktiv') are found as well
  for (const node of current._nodes) {
    for (const type of node.ownEvents) {
      if (!type.startsWith('xstate.') && type !== '*') types.add(type);
    }
  }
  return [...types];
}

/**
 * The events an API caller may send in the snapshot's state: allowedEvents() without
 * the ones only the system sends (`systemEvents`, e.g. SOLUTION_SYSTEM_EVENTS).
 */
export function clientAllowedEvents<TMachine extends AnyStateMachine>(
  machine: TMachine,
  snapshot: SnapshotFrom<TMachine>,
  systemEvents: Readonly<Record<string, string | undefined>>,
): string[] {
  return allowedEvents(machine, snapshot).filter((type) => systemEvents[type] === undefined);
}

/** An `effect.*` action as the engine stores it in its outbox. */
export interface EffectAction {
  type: `effect.${string}`;
  params: Record<string, unknown>;
}

/** A delayed event (`after`) the engine has to deliver at the earliest after `delayMs`. */
export interface ScheduledEvent {
  id: string;
  delayMs: number;
  event: EventObject;
}

export interface PartitionedActions {
  effects: EffectAction[];
  schedule: ScheduledEvent[];
  cancel: string[];
}

/**
 * Sorts the executable actions of transition() into plain JSON data. Order
 * matters within `cancel`/`schedule` for one id: a re-entered state yields
 * cancel(id) and then schedule(id) – apply cancels first, then schedules.
 */
export function partitionActions(
  actions: readonly { type: string; params?: unknown }[],
): PartitionedActions {
  const result: PartitionedActions = { effects: [], schedule: [], cancel: [] };
  for (const action of actions) {
    const params = (action.params ?? {}) as Record<string, unknown>;
    if (action.type.startsWith('effect.')) {
      result.effects.push({ type: action.type as EffectAction['type'], params: structuredClone(params) });
    } else if (action.type === 'xstate.raise' && typeof params['delay'] === 'number') {
      result.schedule.push({
        id: String(params['id']),
        delayMs: params['delay'],
        event: structuredClone(params['event']) as EventObject,
      });
    } else if (action.type === 'xstate.cancel') {
      result.cancel.push(String(params['sendId']));
    }
  }
  return result;
}

export {
  TICKET_EVENT_TYPES,
  TICKET_MACHINE_VERSION,
  TICKET_OPEN_STAGES,
  TICKET_STAGES,
  TICKET_SYSTEM_EVENTS,
  ticketMachine,
  ticketStage,
  type TicketContext,
  type TicketEvent,
  type TicketEventType,
  type TicketFacts,
  type TicketStage,
} from './ticket.machine.ts';
