import type { FieldError } from '../errors/domain.errors.ts';
import type { Role } from '../auth/roles.ts';
import { html, type Html } from '../markup/html.ts';
import { errorSummary } from './form.kit.ts';
import { ministryLabel, renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * The administration of personal tokens: the list a person manages (an admin all, a
 * ministry its own), the form to issue one, the page that shows a new token once, and the
 * confirmation step before a revocation. Plain forms, each with its CSRF value.
 */

export const TOKENS_PATH = '/verwaltung/tokens';

export const ROLE_WORDS: Record<Role, string> = {
  admin: 'Betrieb (Administration)',
  ministry: 'Ministerium',
  kaz: 'Kaz / ZIT-BB',
  landesredaktion: 'Landesredaktion',
};

export interface TokenRow {
  id: string;
  role: Role;
  ministry: string | null;
  label: string;
  created_at: Date;
  created_by: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

export interface TokenListView {
  tokens: readonly TokenRow[];
  csrf: string;
  /** The roles the signed-in person may issue. */
  roles: readonly Role[];
  /** Admins choose the ministry; a ministry issues for its own only. */
  chooseMinistry: boolean;
  values?: { label?: string; role?: string; ministry?: string };
  errors?: FieldError[];
  notice?: string;
  conflict?: string;
}

const dateTime = (date: Date) => date.toLocaleString('de-DE', { timeZone: 'Europe/Berlin', dateStyle: 'medium', timeStyle: 'short' });

function fieldError(errors: readonly FieldError[] | undefined, name: string): Html | '' {
  const error = errors?.find((e) => e.field === name);
  return error ? html`<p class="fehler" id="fehler-${name}"><span class="unsichtbar">Fehler: </span>${error.message}</p>` : '';
}

function invalid(errors: readonly FieldError[] | undefined, name: string): Html | '' {
  return errors?.some((e) => e.field === name) ? html` aria-invalid="true" aria-describedby="fehler-${name}"` : '';
}

function tokenTable(view: TokenListView): Html {
  if (view.tokens.length === 0) return html`<p>Noch keine Tokens.</p>`;
  return html`<table>
<caption>Persönliche Tokens</caption>
<thead><tr><th scope="col">Person</th><th scope="col">Rolle</th><th scope="col">Ministerium</th><th scope="col">Ausgestellt</th><th scope="col">Zuletzt benutzt</th><th scope="col">Status</th><th scope="col">Aktion</th></tr></thead>
<tbody>${view.tokens.map(
    (token) => html`<tr><th scope="row">${token.label}</th><td>${ROLE_WORDS[token.role]}</td><td>${token.ministry ? ministryLabel(token.ministry) : '–'}</td>
<td>${dateTime(token.created_at)}${token.created_by ? html`<br><span class="hinweis">von ${token.created_by}</span>` : ''}</td><td>nicht erfasst</td>
<td>${token.revoked_at ? html`widerrufen am ${dateTime(token.revoked_at)}` : 'gültig'}</td>
<td>${token.revoked_at ? '–' : html`<a href="${TOKENS_PATH}/${token.id}/widerrufen">Widerrufen<span class="unsichtbar">: ${token.label}</span></a>`}</td></tr>`,
  )}</tbody>
</table>`;
}

function issueForm(view: TokenListView): Html {
  const values = view.values ?? {};
  const errors = view.errors;
  return html`<h2 id="ausstellen">Token ausstellen</h2>
${errorSummary(errors ?? [])}
<form method="post" action="${TOKENS_PATH}" novalidate>
<input type="hidden" name="_csrf" value="${view.csrf}">
<div class="feld"><label for="f-label">Name der Person</label>
<p class="hinweis" id="hinweis-label">Das Token ist persönlich: es trägt den Namen der Person, der Verlauf nennt ihn.</p>
${fieldError(errors, 'label')}<input type="text" id="f-label" name="label" maxlength="100" value="${values.label ?? ''}"${invalid(errors, 'label')}></div>
<div class="feld"><label for="f-role">Rolle</label>
${fieldError(errors, 'role')}<select id="f-role" name="role"${invalid(errors, 'role')}>${view.roles.map(
    (role) => html`<option value="${role}"${values.role === role ? html` selected` : ''}>${ROLE_WORDS[role]}</option>`,
  )}</select></div>
${
  view.chooseMinistry
    ? html`<div class="feld"><label for="f-ministry">Ministerium (Kürzel, nur bei der Rolle Ministerium)</label>
${fieldError(errors, 'ministry')}<input type="text" id="f-ministry" name="ministry" maxlength="20" value="${values.ministry ?? ''}"${invalid(errors, 'ministry')}></div>`
    : ''
}
<button type="submit">Token ausstellen</button>
</form>`;
}

export function renderTokenList(frame: StaffFrame, view: TokenListView): Html {
  return renderStaffLayout(
    frame,
    html`<h1>Persönliche Tokens</h1>
${view.notice ? html`<p class="hinweis" role="status">${view.notice}</p>` : ''}
${view.conflict ? html`<div class="zusammenfassung" role="alert"><p>${view.conflict}</p></div>` : ''}
${tokenTable(view)}
${issueForm(view)}`,
  );
}

/** The new token, shown only on this page (sent with Cache-Control: no-store). */
export function renderIssuedToken(frame: StaffFrame, issued: { label: string; role: Role; ministry: string | null; token: string }): Html {
  return renderStaffLayout(
    frame,
    html`<h1>Token für ${issued.label} ausgestellt</h1>
<p>Rolle: ${ROLE_WORDS[issued.role]}${issued.ministry ? html`, Ministerium ${ministryLabel(issued.ministry)}` : ''}</p>
<div class="zusammenfassung" role="status"><p><strong>Wichtig:</strong> Dieses Token wird nur jetzt angezeigt und nicht noch einmal. Geben Sie es ${issued.label} bitte persönlich weiter – nicht per unverschlüsselter E-Mail. Geht es verloren, widerrufen Sie es und stellen ein neues aus.</p></div>
<p><label for="neues-token">Das Token</label><br><input type="text" id="neues-token" readonly value="${issued.token}" size="50"></p>
<p><a href="${TOKENS_PATH}">Zurück zu den Tokens</a></p>`,
  );
}

/** The confirmation step before a revocation: names the person and what follows. */
export function renderRevokeConfirmation(frame: StaffFrame, token: TokenRow, csrf: string): Html {
  return renderStaffLayout(
    frame,
    html`<h1>Token von ${token.label} widerrufen?</h1>
<p>${token.label} (${ROLE_WORDS[token.role]}${token.ministry ? html`, ${ministryLabel(token.ministry)}` : ''}) kann sich danach nicht mehr anmelden; alle Sitzungen dieser Person enden sofort. Das lässt sich nicht rückgängig machen.</p>
<form method="post" action="${TOKENS_PATH}/${token.id}/widerrufen">
<input type="hidden" name="_csrf" value="${csrf}">
<button type="submit">Ja, Token von ${token.label} widerrufen</button>
</form>
<p><a href="${TOKENS_PATH}">Abbrechen</a></p>`,
  );
}
