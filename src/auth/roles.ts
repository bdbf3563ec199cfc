/**
 * The roles of efa-rollout and what each may do, in one place. Routes name one of the
 * access groups below in their `config.roles`; the auth hook refuses every other role
 * (403), and a ministry only ever sees its own solutions (404 for the others). The route ×
 * role table in the README is test/api/authorisation.matrix.ts, which the authorisation
 * test holds against these groups.
 *
 * - admin: operates the service, sees and does everything;
 * - ministry: steers the rollouts of its own ministry's solutions, manages its staff's tokens;
 * - kaz: the Kommunales Anwendungszentrum at ZIT-BB – reads every solution (participants,
 *   history, mailings, templates), works the pilots' checklists and meetings and the
 *   integration tickets;
 * - landesredaktion: the MIK Landesredaktion (BUS-BB) – reads every solution (the same,
 *   without tickets: of a blocking ticket it learns only that one of the Kaz exists),
 *   confirms Leistungsbeschreibungen and the participants' BUS-BB steps, runs reconciliations.
 */
export const ROLES = ['admin', 'ministry', 'kaz', 'landesredaktion'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: 'Betrieb: alles',
  ministry: 'Ministerium: steuert die Lösungen des eigenen Ministeriums, verwaltet die Tokens seiner Mitarbeitenden',
  kaz: 'Kaz / ZIT-BB: liest alle Lösungen mit Teilnehmenden und Mailings, bearbeitet Checklisten und Termine der Piloten und die Tickets',
  landesredaktion: 'MIK-Landesredaktion: liest alle Lösungen mit Teilnehmenden und Mailings (keine Tickets), bestätigt BUS-BB-Schritte, gleicht mit dem PVOG ab',
};

const access = <const R extends readonly Role[]>(...roles: R): R => roles;

/** Access groups: which roles may call a route. */
export const ACCESS = {
  /** Read solutions, participants, history, the directory. */
  read: access('admin', 'ministry', 'kaz', 'landesredaktion'),
  /** Create and steer solutions: events, mailings, templates, waves – and the mail preview, which shows an authority's live answer links. */
  steer: access('admin', 'ministry'),
  /**
   * Read what a solution's mails say and how far they went: mailings with their delivery
   * status, templates, mail details. Every role that reads the solution – none of these
   * holds an answer link or its token (a template has only {{link.…}} placeholders); the
   * rendered preview, which does, stays `steer`.
   */
  readMail: access('admin', 'ministry', 'kaz', 'landesredaktion'),
  /** Pilot work: checklists, meetings, ZIT-BB involvement. */
  pilots: access('admin', 'ministry', 'kaz'),
  /** BUS-BB: confirm Leistungsbeschreibungen and participants' BUS-BB steps. */
  busBb: access('admin', 'ministry', 'landesredaktion'),
  /** Participant events: steering roles send all client events, the Landesredaktion only its confirmations (PARTICIPANT_EVENTS_BY_ROLE). */
  participantEvents: access('admin', 'ministry', 'landesredaktion'),
  /** Reconciliation imports of PVOG/BUS-BB exports. */
  reconcile: access('admin', 'ministry', 'landesredaktion'),
  /** Tickets of the Kaz (issue 9): the Kaz all, ministries those of their own solutions. Not the Landesredaktion. */
  tickets: access('admin', 'ministry', 'kaz'),
  /** API tokens: admins all, ministries their own ministry's. */
  tokens: access('admin', 'ministry'),
  /** Operations: directory imports, jobs, outbox. */
  admin: access('admin'),
} as const;

/**
 * Which participant events a role may send through the event route, for roles that may
 * send only some (the route's roles are ACCESS.participantEvents); a role not listed
 * here sends every client event. The Landesredaktion confirms BUS-BB steps and that a
 * service shows in the Landesserviceportal – it does not steer the rollout.
 */
export const PARTICIPANT_EVENTS_BY_ROLE: Readonly<Partial<Record<Role, readonly string[]>>> = {
  landesredaktion: ['BUS_BB_SCHRITT_BESTAETIGEN', 'LIVE_BESTAETIGEN'],
};

export function mayRoleSendParticipantEvent(role: Role, eventType: string): boolean {
  const only = PARTICIPANT_EVENTS_BY_ROLE[role];
  return only === undefined || only.includes(eventType);
}

/** The auth hook's 403 for a route the role may not call. */
export function routeForbidden(role: Role): string {
  return `Diese Funktion steht der Rolle „${role}“ nicht zur Verfügung`;
}

/** The participant event route's 403 for an event the role may not send. */
export function participantEventForbidden(role: Role, eventType: string): string {
  return `Die Rolle „${role}“ sendet an Teilnehmende nur ${(PARTICIPANT_EVENTS_BY_ROLE[role] ?? []).join(' und ')}, nicht ${eventType}.`;
}

export type EventMachine = 'solution' | 'participant' | 'ticket';
const EVENT_ROUTE_ROLES: Readonly<Record<EventMachine, readonly Role[]>> = {
  solution: ACCESS.steer,
  participant: ACCESS.participantEvents,
  ticket: ACCESS.tickets,
};

/** Why `role` may not send `eventType` to a machine – the 403's own words; null: it may. */
export function roleRefusal(role: Role, machine: EventMachine, eventType: string): string | null {
  if (!EVENT_ROUTE_ROLES[machine].includes(role)) return routeForbidden(role);
  if (machine === 'participant' && !mayRoleSendParticipantEvent(role, eventType)) return participantEventForbidden(role, eventType);
  return null;
}

/**
 * allowedEvents and blockedEvents as `role` meets them: an event its role may not send is
 * blocked with the 403's reason (checked before the state, so it comes first) – a button
 * drawn from allowedEvents always belongs to the caller.
 */
export function choiceForRole<Choice extends { allowedEvents: string[]; blockedEvents: { type: string; reason: string }[] }>(
  choice: Choice,
  role: Role,
  machine: EventMachine,
): Choice {
  const allowedEvents: string[] = [];
  const blockedEvents: { type: string; reason: string }[] = [];
  for (const type of choice.allowedEvents) {
    const forbidden = roleRefusal(role, machine, type);
    if (forbidden) blockedEvents.push({ type, reason: forbidden });
    else allowedEvents.push(type);
  }
  for (const blocked of choice.blockedEvents) {
    const forbidden = roleRefusal(role, machine, blocked.type);
    blockedEvents.push(forbidden ? { type: blocked.type, reason: forbidden } : blocked);
  }
  return { ...choice, allowedEvents, blockedEvents };
}

/** Tickets (id, number, title, texts) are for the roles of ACCESS.tickets only; the others learn that one exists and who works it. */
export function mayReadTickets(role: Role): boolean {
  return (ACCESS.tickets as readonly Role[]).includes(role);
}

/** A refusal's details as `reader` may see them: without the blocking tickets' ids, numbers and titles for roles without ticket access. */
export function withoutTicketDetails(details: Record<string, unknown>, reader: Role): Record<string, unknown> {
  if (mayReadTickets(reader) || !('blockingTickets' in details)) return details;
  const { blockingTickets: _hidden, ...visible } = details;
  return visible;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
