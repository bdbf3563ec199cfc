import { addWorkingMinutes, DEFAULT_OFFICE_HOURS, type OfficeHours } from '../time/working-time.ts';
import type { TicketPriority } from '../db/schema.ts';

/**
 * Settings of the tickets: office hours (SLA_OFFICE_HOURS), the reopen period
 * (TICKET_REOPEN_DAYS), how long the authority's replies are gathered into one notice to
 * the Kaz (TICKET_NOTICE_GATHER_MINUTES) and how many replies a ticket takes from the
 * authority in 24 hours (TICKET_REPLIES_PER_DAY).
 */
export interface TicketSettings {
  officeHours: OfficeHours;
  reopenDays: number;
  noticeGatherMinutes: number;
  repliesPerDay: number;
}

// The tickets' settings travel with the engine's deps, which every ticket service gets;
// added here by declaration merging (as fastify's decorators are), so the engine names no feature.
declare module '../engine/workflow.types.ts' {
  interface EngineDeps {
    /** Tickets: SLA office hours and reopen period (default Mo–Fr 08:00–16:00, 14 days). */
    tickets?: TicketSettings;
  }
}

export const DEFAULT_TICKET_SETTINGS: TicketSettings = Object.freeze({ officeHours: DEFAULT_OFFICE_HOURS, reopenDays: 14, noticeGatherMinutes: 5, repliesPerDay: 20 });

/**
 * Time to first response and to resolution per priority, in Brandenburg working minutes
 * (an office day of 8 hours is 480). A warning is due when 75 % of a budget is used.
 */
export const SLA_POLICY: Readonly<Record<TicketPriority, { firstResponse: number; resolution: number }>> = Object.freeze({
  kritisch: { firstResponse: 60, resolution: 480 },
  hoch: { firstResponse: 240, resolution: 3 * 480 },
  normal: { firstResponse: 480, resolution: 5 * 480 },
  niedrig: { firstResponse: 2 * 480, resolution: 10 * 480 },
});
export const SLA_WARN_SHARE = 0.75;

/** Until when a ticket solved at `resolvedAt` may be reopened: the machine's guard fact and what the authority's page offers. */
export function reopenDeadline(resolvedAt: Date, settings: TicketSettings): Date {
  return new Date(resolvedAt.getTime() + settings.reopenDays * 24 * 60 * 60 * 1000);
}

export const SLA_STATES = ['im-plan', 'bald-faellig', 'ueberschritten', 'pausiert', 'erledigt'] as const;
export type SlaState = (typeof SLA_STATES)[number];

/**
 * The due times of a ticket opened at `openedAt`: its policy's budgets plus the working
 * minutes it spent waiting for the authority (the clock pauses in wartet-auf-kommune).
 * One formula for opening, a new priority and the end of a pause.
 */
export function slaDueTimes(openedAt: Date, priority: TicketPriority, pausedMinutes: number, hours: OfficeHours) {
  const policy = SLA_POLICY[priority];
  const at = (minutes: number) => addWorkingMinutes(openedAt, Math.round(minutes) + pausedMinutes, hours);
  return {
    first_response_due: at(policy.firstResponse),
    first_response_warn: at(policy.firstResponse * SLA_WARN_SHARE),
    resolution_due: at(policy.resolution),
    resolution_warn: at(policy.resolution * SLA_WARN_SHARE),
  };
}
