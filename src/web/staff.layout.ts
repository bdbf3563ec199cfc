import type { Principal } from '../auth/api-token.service.ts';
import type { Role } from '../auth/roles.ts';
import { ministryName } from '../solutions/ministry-names.ts';
import { html, type Html } from '../markup/html.ts';
import { documentHead } from './layout.ts';

/**
 * The frame of every staff page: the authorities' style sheet and headers (one look on
 * both sides), a skip link as the first tab stop, the header with the service's name, the
 * navigation of the signed-in person's role, their name and the sign-out button (a POST
 * form with its CSRF value), the main landmark, and a footer that links the
 * accessibility statement. Signed out, the header shows only the service's name.
 */

export interface StaffNavigationItem {
  href: string;
  label: string;
  roles: readonly Role[];
}

/** Only pages that exist; each new staff page adds its entry here with the roles that may open it. */
export const STAFF_NAVIGATION: readonly StaffNavigationItem[] = [
  { href: '/verwaltung', label: 'Übersicht der Lösungen', roles: ['admin', 'ministry', 'kaz', 'landesredaktion'] },
  { href: '/verwaltung/lagebild', label: 'Lagebild', roles: ['admin', 'ministry', 'kaz', 'landesredaktion'] },
  { href: '/verwaltung/tickets', label: 'Tickets', roles: ['admin', 'ministry', 'kaz'] },
  { href: '/verwaltung/karte', label: 'Karte', roles: ['admin', 'ministry', 'kaz', 'landesredaktion'] },
  { href: '/verwaltung/tokens', label: 'Tokens', roles: ['admin', 'ministry'] },
  { href: '/verwaltung/jobs', label: 'Hintergrundaufträge', roles: ['admin'] },
  { href: '/verwaltung/verzeichnis', label: 'Kommunalverzeichnis', roles: ['admin'] },
  { href: '/verwaltung/ablauf', label: 'Ablauf', roles: ['admin', 'ministry', 'kaz', 'landesredaktion'] },
];

export interface StaffFrame {
  title: string;
  /** The page's own path: its navigation entry is marked as the current page. */
  path: string;
  /** The signed-in person, with the CSRF value of the sign-out form; null when signed out. */
  session: { principal: Principal; csrf: string } | null;
}

const ROLE_NAMES: Record<Role, string> = {
  admin: 'Betrieb',
  ministry: 'Ministerium',
  kaz: 'Kaz / ZIT-BB',
  landesredaktion: 'Landesredaktion',
};

/** „Referat 32 (MSGIV)“, „Anna Beispiel (Kaz / ZIT-BB)“: the person as the header names them. */
export function personName(principal: Principal): string {
  const unit = principal.role === 'ministry' ? (principal.ministry ?? ROLE_NAMES.ministry) : ROLE_NAMES[principal.role];
  return `${principal.label} (${unit})`;
}

/** The ministry's full name where one is configured, else its code. */
export function ministryLabel(code: string): string {
  return ministryName(code) ?? code;
}

function navigation(frame: StaffFrame): Html | '' {
  if (!frame.session) return '';
  const { role } = frame.session.principal;
  const items = STAFF_NAVIGATION.filter((item) => item.roles.includes(role));
  return html`<nav class="haupt" aria-label="Hauptnavigation"><ul>${items.map(
    (item) => html`<li><a href="${item.href}"${item.href === frame.path ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
  )}</ul></nav>`;
}

function sessionBlock(frame: StaffFrame): Html | '' {
  if (!frame.session) return '';
  return html`<div class="sitzung"><p>Angemeldet: ${personName(frame.session.principal)}</p>
<form method="post" action="/abmelden"><input type="hidden" name="_csrf" value="${frame.session.csrf}"><button type="submit">Abmelden</button></form></div>`;
}

export function renderStaffLayout(frame: StaffFrame, body: Html): Html {
  return html`${documentHead(frame.title)}
<body>
<a class="sprunglink" href="#inhalt">Zum Inhalt springen</a>
<header><div class="kopf"><p>EfA-Rollout Brandenburg</p>
${navigation(frame)}
${sessionBlock(frame)}</div></header>
<main id="inhalt" class="breit" tabindex="-1">
${body}
</main>
<footer><p><a href="/barrierefreiheit">Erklärung zur Barrierefreiheit</a></p></footer>
</body>
</html>
`;
}
