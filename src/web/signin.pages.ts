import { html, type Html } from '../markup/html.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * The staff's sign-in page and the pages of the staff side's refusals (a forged or stale
 * form, a role without access, too many attempts, an error), in the staff frame.
 */

export interface SignInView {
  csrf: string;
  /** The local path to return to after signing in (validated), carried in a hidden field. */
  returnPath: string | null;
  /** Why the last attempt failed; shown as the error summary and at the field. */
  error?: string;
  /** Shown after signing out or when a session has ended. */
  notice?: string;
  /** SESSION_IDLE_MINUTES, as the hint names it. */
  idleMinutes: number;
  /** With OIDC_ISSUER: the link that starts the sign-in through the Land's identity provider, and after signing out its end-session URL (if it has one). */
  landeskonto?: { startHref: string; endSessionHref: string | null };
}

const SIGNED_OUT: StaffFrame['session'] = null;

export function renderSignInPage(view: SignInView): Html {
  const summary = view.error
    ? html`<div class="zusammenfassung" role="alert" aria-labelledby="fehler-titel" tabindex="-1">
<h2 id="fehler-titel">Die Anmeldung hat nicht geklappt</h2>
<ul><li><a href="#f-token">${view.error}</a></li></ul>
</div>`
    : '';
  const notice = view.notice ? html`<div class="kasten" role="status"><p>${view.notice}</p></div>` : '';
  const describedBy = view.error ? 'hinweis-token fehler-token' : 'hinweis-token';
  const landeskonto = view.landeskonto
    ? html`${view.landeskonto.endSessionHref
        ? html`<div class="kasten"><p>Beim Identitätsanbieter des Landes sind Sie womöglich noch angemeldet. <a href="${view.landeskonto.endSessionHref}">Auch beim Landeskonto abmelden</a></p></div>`
        : ''}
<h2>Mit dem Landeskonto</h2>
<p>Mitarbeitende mit einem Konto beim Identitätsanbieter des Landes melden sich dort an; efa-rollout übernimmt Ihren Namen und Ihre Rolle aus dem Konto.</p>
<p><a class="knopf" href="${view.landeskonto.startHref}">Mit dem Landeskonto anmelden</a></p>
<h2>Mit einem persönlichen Token</h2>`
    : '';
  return renderStaffLayout(
    { title: view.error ? 'Fehler: Anmeldung' : 'Anmeldung', path: '/anmelden', session: SIGNED_OUT },
    html`${summary}<h1>Anmeldung für Mitarbeitende</h1>
${notice}
<p>Hier melden sich Mitarbeitende der Ministerien, des Kaz / ZIT-BB, der Landesredaktion und des Betriebs an. Behörden brauchen keine Anmeldung: Sie antworten über den Link aus ihrer E-Mail.</p>
${landeskonto}
<form method="post" action="/anmelden" novalidate>
<input type="hidden" name="_csrf" value="${view.csrf}">
${view.returnPath ? html`<input type="hidden" name="zurueck" value="${view.returnPath}">` : ''}
<div class="feld"><label for="f-token">Persönliches Token</label>
<p class="hinweis" id="hinweis-token">Das Token, das für Sie persönlich ausgestellt wurde (es beginnt mit „efa_“). Sie fügen es nur einmal ein; danach hält ein Sitzungs-Cookie Sie angemeldet, bis Sie sich abmelden, ${String(view.idleMinutes)} Minuten lang nichts tun oder 12 Stunden vergangen sind.</p>
${view.error ? html`<p class="fehler" id="fehler-token"><span class="unsichtbar">Fehler: </span>${view.error}</p>` : ''}
<input type="password" id="f-token" name="token" autocomplete="current-password" spellcheck="false" required aria-describedby="${describedBy}"${view.error ? html` aria-invalid="true"` : ''}></div>
<button type="submit">Anmelden</button>
</form>`,
  );
}

/** A staff form whose CSRF value is missing or wrong, or that came from another site. */
export function renderStaffFormRejectedPage(session: StaffFrame['session']): Html {
  return renderStaffLayout(
    { title: 'Formular nicht angenommen', path: '', session },
    html`<h1>Das Formular konnte nicht angenommen werden</h1>
<p>Die Sicherheitsprüfung des Formulars ist fehlgeschlagen – etwa weil die Seite zu lange offen war, Sie sich inzwischen ab- und wieder angemeldet haben oder das Formular nicht von dieser Seite kam. Es wurde nichts gespeichert.</p>
<p>Bitte laden Sie die Seite neu und senden Sie das Formular noch einmal ab. Für die Anmeldung muss Ihr Browser das Sitzungs-Cookie dieses Dienstes annehmen. <a href="/verwaltung">Zur Übersicht</a></p>`,
  );
}

/** A signed-in person whose role may not open the page. */
export function renderStaffForbiddenPage(session: StaffFrame['session']): Html {
  return renderStaffLayout(
    { title: 'Kein Zugriff', path: '', session },
    html`<h1>Kein Zugriff</h1><p>Diese Seite steht Ihrer Rolle nicht zur Verfügung. <a href="/verwaltung">Zur Übersicht</a></p>`,
  );
}

export function renderStaffErrorPage(status: number, session: StaffFrame['session'], retryAfterSeconds?: number): Html {
  if (status === 429) {
    const wait = retryAfterSeconds && retryAfterSeconds > 1 ? `${retryAfterSeconds} Sekunden` : 'einem Moment';
    return renderStaffLayout(
      { title: 'Zu viele Anfragen', path: '', session },
      html`<h1>Bitte warten Sie einen Moment</h1><p>Von Ihrem Anschluss kamen in kurzer Zeit zu viele Anmeldeversuche oder Anfragen. Bitte versuchen Sie es in ${wait} noch einmal.</p>`,
    );
  }
  if (status === 404) {
    return renderStaffLayout({ title: 'Seite nicht gefunden', path: '', session }, html`<h1>Seite nicht gefunden</h1><p><a href="/verwaltung">Zur Übersicht</a></p>`);
  }
  const detail =
    status >= 500
      ? 'Wegen eines technischen Fehlers konnte die Anfrage nicht bearbeitet werden. Bitte versuchen Sie es später noch einmal.'
      : 'Die Anfrage konnte nicht bearbeitet werden. Bitte laden Sie die Seite neu.';
  return renderStaffLayout({ title: 'Fehler', path: '', session }, html`<h1>Das hat leider nicht geklappt</h1><p>${detail}</p>`);
}

/**
 * After the identity provider confirmed the person: the session is there, and the page
 * leads on to the way back (a Refresh header and the link). Not a redirect: the browser
 * came from the provider's site, and after such a redirect chain it would not send the
 * SameSite=Strict session cookie yet; a navigation from this page does.
 */
export function renderLandeskontoSignedInPage(target: string): Html {
  return renderStaffLayout(
    { title: 'Angemeldet', path: '', session: SIGNED_OUT },
    html`<h1>Sie sind angemeldet</h1><p><a href="${target}">Weiter</a></p>`,
  );
}

/** The sign-in through the identity provider failed: why, and the way to try again – never a session. */
export function renderLandeskontoFailedPage(status: number, view: { reason: string; providerError?: string | null; startHref: string }): Html {
  const title = status === 403 ? 'Kein Zugang' : status === 503 ? 'Identitätsanbieter nicht erreichbar' : 'Anmeldung fehlgeschlagen';
  const next =
    status === 403
      ? html`<p>Sie wurden nicht angemeldet. Wenn Sie efa-rollout nutzen sollen, bitten Sie die Verwaltung Ihres Landeskontos, Ihnen die passende Rolle zu geben. <a href="/anmelden">Zur Anmeldung</a></p>`
      : status === 503
        ? html`<p>Der Identitätsanbieter des Landes antwortet gerade nicht. Bitte versuchen Sie es in einigen Minuten noch einmal, oder melden Sie sich mit Ihrem persönlichen Token an. <a href="/anmelden">Zur Anmeldung</a></p>`
        : html`<p>Sie wurden nicht angemeldet. <a href="${view.startHref}">Noch einmal mit dem Landeskonto anmelden</a> · <a href="/anmelden">Zur Anmeldung</a></p>`;
  return renderStaffLayout(
    { title, path: '', session: SIGNED_OUT },
    html`<h1>${title}</h1><p>${view.reason}</p>${view.providerError ? html`<p>Meldung des Identitätsanbieters: <code>${view.providerError}</code></p>` : ''}${next}`,
  );
}
