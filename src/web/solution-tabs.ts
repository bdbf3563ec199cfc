import type { Role } from '../auth/roles.ts';
import { ACCESS } from '../auth/roles.ts';
import { html, type Html } from '../markup/html.ts';

/**
 * The sub-navigation of one solution's pages: its overview and the pages beside it
 * (participants, mailings, pilots, waves, BUS-BB, tickets, draft and mail texts). Every
 * page of a solution draws `solutionTabs` under its heading, so they read as one place;
 * each entry names the roles that may open it (the same access groups as the API).
 */

export const solutionBase = (id: string) => `/verwaltung/loesungen/${id}`;

/** The pages of a solution; every path here is served by one of the web layer's route modules. */
export const SOLUTION_PAGES = {
  overview: { suffix: '', label: 'Überblick', roles: ACCESS.read },
  participants: { suffix: '/teilnehmende', label: 'Behörden', roles: ACCESS.read },
  coverage: { suffix: '/abdeckung', label: 'Abdeckung', roles: ACCESS.read },
  map: { suffix: '/karte', label: 'Karte', roles: ACCESS.read },
  mailings: { suffix: '/mailings', label: 'Mailings', roles: ACCESS.readMail },
  pilots: { suffix: '/piloten', label: 'Piloten', roles: ACCESS.read },
  waves: { suffix: '/wellen', label: 'Wellen', roles: ACCESS.read },
  busBb: { suffix: '/bus-bb', label: 'BUS-BB und Abgleich', roles: ACCESS.read },
  tickets: { suffix: '/tickets', label: 'Tickets', roles: ACCESS.tickets },
  snapshots: { suffix: '/quartale', label: 'Quartale', roles: ACCESS.read },
  settings: { suffix: '/bearbeiten', label: 'Angaben und Mailtexte', roles: ACCESS.steer },
} as const satisfies Record<string, { suffix: string; label: string; roles: readonly Role[] }>;

export type SolutionPageKey = keyof typeof SOLUTION_PAGES;

/** `/verwaltung/loesungen/:id/teilnehmende` for ('…', 'participants'). */
export function solutionPagePath(id: string, page: SolutionPageKey): string {
  return `${solutionBase(id)}${SOLUTION_PAGES[page].suffix}`;
}

/** The tab row, the current page marked; only the pages the person's role may open. */
export function solutionTabs(id: string, current: SolutionPageKey, role: Role): Html {
  const entries = (Object.keys(SOLUTION_PAGES) as SolutionPageKey[]).filter((key) => (SOLUTION_PAGES[key].roles as readonly Role[]).includes(role));
  return html`<nav class="reiter" aria-label="Seiten dieser Lösung"><ul>${entries.map(
    (key) =>
      html`<li><a href="${solutionPagePath(id, key)}"${key === current ? html` aria-current="page"` : ''}>${SOLUTION_PAGES[key].label}</a></li>`,
  )}</ul></nav>`;
}
