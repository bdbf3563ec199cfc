import type { AnyMachineSnapshot } from 'xstate';
import { toJson } from '../db/schema.ts';
import { clientAllowedEvents, TICKET_MACHINE_VERSION, TICKET_SYSTEM_EVENTS, ticketMachine, ticketStage, type TicketFacts } from '../../workflows/index.ts';
import { chooseEvents, type Blocker, type EventChoice } from '../engine/event-choice.ts';
import { notFound, outOfScope, refusedInStage, sendEvent, type EngineDeps, type EventOptions, type EventResult, type EventSender, type WorkflowEvent } from '../engine/workflow.engine.ts';
import type { TargetDefinition } from '../engine/workflow.types.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { workingMinutesBetween } from '../time/working-time.ts';
import { DEFAULT_TICKET_SETTINGS, reopenDeadline, slaDueTimes, type TicketSettings } from './ticket.sla.ts';
import { replanSlaTimers } from './sla-timers.ts';
import { TICKET_EVENT_SCHEMAS } from './ticket-event.schemas.ts';

/**
 * A ticket as a durable machine of the engine: its row with the SLA clock (paused while
 * the Kaz waits for the authority), the reopen period its guard decides on, the SLA timers
 * that follow its stage. Its notices are a reaction (ticket.workflows.ts).
 */

export const TICKET_TARGET = 'ticket';
export interface TicketRef {
  ticketId: string;
}

/** The reopen period a ticket solved at `resolvedAt` has (TicketFacts); null: never solved. */
export function ticketFacts(resolvedAt: Date | null, settings: TicketSettings): TicketFacts {
  return { reopenUntil: resolvedAt ? reopenDeadline(resolvedAt, settings).toISOString() : null };
}

export function reopenPeriodOverReason(reopenUntil: string | null): string {
  return reopenUntil === null
    ? 'Das Ticket wurde nie als gelöst gemeldet; eine Wiedereröffnung ist nicht möglich.'
    : `Die Frist für eine Wiedereröffnung endete am ${germanDateTime(reopenUntil)} (TICKET_REOPEN_DAYS nach der Lösung); ` +
        'besteht das Problem wieder, bitte ein neues Ticket eröffnen.';
}

/** The ticket machine's condition on the reopen period (TicketFacts), judged at `at`. */
export function ticketBlocker(facts: { reopenUntil: string | null }, at: Date): Blocker {
  return (type) => {
    if (type !== 'WIEDEREROEFFNEN') return null;
    return facts.reopenUntil !== null && at.getTime() <= Date.parse(facts.reopenUntil) ? null : reopenPeriodOverReason(facts.reopenUntil);
  };
}

/** A ticket's allowedEvents and blockedEvents for its view: the reopen period counts from its last solution, judged at `now`. */
export function ticketEventChoice(snapshot: AnyMachineSnapshot, resolvedAt: Date | null, now: Date, settings: TicketSettings): EventChoice {
  return chooseEvents(clientAllowedEvents(ticketMachine, snapshot, TICKET_SYSTEM_EVENTS), ticketBlocker(ticketFacts(resolvedAt, settings), now));
}

/** Why the ticket machine's guard refused a valid payload; null: the engine's general words. */
function explainTicketRefusal(event: { type: string; facts?: unknown }): string | null {
  switch (event.type) {
    case 'AUF_KOMMUNE_WARTEN':
      return 'Das Warten auf die Behörde braucht einen Grund (grund): worauf gewartet wird.';
    case 'LOESEN':
      return 'Eine Lösung braucht ihren Text (loesung).';
    case 'WIEDEREROEFFNEN':
      return reopenPeriodOverReason((event.facts as { reopenUntil?: string | null } | undefined)?.reopenUntil ?? null);
    default:
      return null;
  }
}

interface TicketRow {
  solution_id: string;
  ars: string;
  resolved_at: Date | null;
  paused_since: Date | null;
  paused_minutes: number;
  first_responded_at: Date | null;
  created_at: Date;
  priority: 'kritisch' | 'hoch' | 'normal' | 'niedrig';
  stage: string;
}

export const ticketTarget: TargetDefinition<TicketRef> = {
  name: TICKET_TARGET,
  machines: { [TICKET_MACHINE_VERSION]: ticketMachine },
  events: TICKET_EVENT_SCHEMAS,
  systemEvents: TICKET_SYSTEM_EVENTS,
  stageOf: (snapshot) => ticketStage(snapshot as never),
  explainRefusal: explainTicketRefusal,
  refOfJob: (scope) => (scope.ticketId ? { ticketId: scope.ticketId } : null),
  open({ deps, restore }, { ticketId }, sender) {
    const settings = deps.tickets ?? DEFAULT_TICKET_SETTINGS;
    let resolvedAt: Date | null = null;
    let row: TicketRow | undefined;
    // the solution and authority are known once the ticket is loaded
    const scope = { solutionId: '', ars: null as string | null, ticketId };
    return {
      key: `ticket:${ticketId}`,
      scope,
      async load(trx) {
        const found = await trx
          .selectFrom('ticket as t')
          .innerJoin('solution as s', 's.id', 't.solution_id')
          .select([
            't.snapshot', 't.machine_version', 't.revision', 't.stage', 't.solution_id', 't.ars', 't.resolved_at', 't.paused_since',
            't.paused_minutes', 't.first_responded_at', 't.created_at', 't.priority', 's.lead_ministry',
          ])
          .where('t.id', '=', ticketId)
          .forUpdate('t')
          .executeTakeFirst();
        if (!found || outOfScope(sender, found.lead_ministry)) return notFound(`Ticket ${ticketId} gibt es nicht`);
        row = found;
        resolvedAt = found.resolved_at;
        scope.solutionId = found.solution_id;
        scope.ars = found.ars;
        return restore(found, `Ticket ${ticketId}`);
      },
      notAllowed: (instance, choice, eventType) => refusedInStage(eventType, instance.stage, choice),
      async enrich(_trx, event) {
        if (event.type !== 'WIEDEREROEFFNEN') return event;
        return { ...event, facts: ticketFacts(row?.resolved_at ?? null, settings) };
      },
      blockedBy: (_instance, event) => ticketBlocker(event.facts as TicketFacts, new Date(String(event.at)))(event.type),
      // After a save, resolvedAt is the one it wrote (solved now, or cleared by a reopening).
      blockerFor: async () => ticketBlocker(ticketFacts(resolvedAt, settings), deps.now()),
      save(trx, next) {
        const { at } = next;
        const current = row!;
        const sla: Record<string, unknown> = {};
        let pausedMinutes = current.paused_minutes;
        if (current.stage === 'wartet-auf-kommune' && next.stage !== 'wartet-auf-kommune' && current.paused_since) {
          // The clock stood still while the authority had the ball: the due times move on by that much working time.
          pausedMinutes += Math.round(workingMinutesBetween(current.paused_since, at, settings.officeHours));
          Object.assign(sla, { paused_since: null, paused_minutes: pausedMinutes }, slaDueTimes(current.created_at, current.priority, pausedMinutes, settings.officeHours));
        }
        if (next.stage === 'wartet-auf-kommune' && current.stage !== 'wartet-auf-kommune') sla.paused_since = at;
        if (current.stage === 'neu' && next.stage !== 'neu' && !current.first_responded_at) sla.first_responded_at = at;
        if (next.stage === 'geloest') sla.resolved_at = at;
        // Reopened: the resolution clock runs again from where it stood; the earlier solution no longer counts.
        if (next.stage === 'in-bearbeitung' && (current.stage === 'geloest' || current.stage === 'geschlossen')) sla.resolved_at = null;
        if (sla.resolved_at !== undefined) resolvedAt = sla.resolved_at as Date | null;
        // Closed without being solved first cannot happen; closing keeps resolved_at (the reopen period counts from the solution).
        return trx
          .updateTable('ticket')
          .set({ snapshot: toJson(next.snapshot), stage: next.stage, revision: next.revision, updated_at: at, ...sla })
          .where('id', '=', ticketId);
      },
      // The SLA timers follow the clock: none while waiting or solved, new ones when the due times moved.
      afterStageChange: async (trx, { at }) => {
        await replanSlaTimers(trx, ticketId, at);
      },
    };
  },
};

/** A ticket's status event; a ministry reaches only tickets of its own solutions. */
export function sendTicketEvent(
  deps: EngineDeps,
  input: { ticketId: string; event: WorkflowEvent } & EventSender,
  options: EventOptions = {},
): Promise<EventResult> {
  return sendEvent<TicketRef>(deps, TICKET_TARGET, { ticketId: input.ticketId }, input.event, input, options);
}
