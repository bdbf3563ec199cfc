import { html, type Html } from '../markup/html.ts';
import type { PilotCall } from '../pilot-calls/pilot-call.queries.ts';
import { documentHead, renderLayout } from './layout.ts';

/**
 * "Kommunale Mitarbeit gesucht" (issue 17, point 6): the public page and its embeddable
 * version of the solutions looking for pilot authorities (the rule:
 * src/pilot-calls/pilot-call.queries.ts). Nothing internal – only what every authority
 * already read in the mails.
 */

export const PAGE_TITLE = 'Kommunale Mitarbeit gesucht';
export const EMPTY_STATE = 'Zurzeit sucht keine EfA-Lösung Pilotbehörden.';

/** 2026-12-31 → 31.12.2026 */
function germanDate(date: string): string {
  const [year, month, day] = date.split('-');
  return `${day}.${month}.${year}`;
}

function howToApply(call: PilotCall): Html {
  const contact = call.kontaktName
    ? html`${call.kontaktName}${call.kontaktEmail ? html` (<a href="mailto:${call.kontaktEmail}">${call.kontaktEmail}</a>)` : ''}`
    : call.kontaktEmail
      ? html`<a href="mailto:${call.kontaktEmail}">${call.kontaktEmail}</a>`
      : html`dem ${call.ministerium}`;
  return html`Melden Sie sich bei ${contact}. Hat Ihre Behörde die Mail zu dieser Lösung erhalten, antworten Sie einfach über den Link darin.`;
}

function callEntry(call: PilotCall): Html {
  const heading = html`<h2>${call.titel}</h2>`;
  return html`<li class="aufruf">
${heading}
<dl>
<dt>Federführend</dt><dd>${call.ministerium}</dd>
<dt>Worum es geht</dt><dd>${call.gesucht || 'Noch keine Beschreibung.'}</dd>
${call.bewerbungBis ? html`<dt>Bewerbung bis</dt><dd>${germanDate(call.bewerbungBis)}</dd>` : ''}
<dt>So machen Sie mit</dt><dd>${howToApply(call)}</dd>
</dl>
</li>`;
}

function callList(calls: readonly PilotCall[]): Html {
  if (!calls.length) return html`<p>${EMPTY_STATE}</p>`;
  return html`<ul class="aufrufe">${calls.map((call) => callEntry(call))}</ul>`;
}

/** GET /mitarbeit-gesucht in the public layout, with the snippet to embed it elsewhere. */
export function renderPilotCallsPage(calls: readonly PilotCall[], publicBaseUrl: string): Html {
  const base = publicBaseUrl.replace(/\/+$/, '');
  const snippet = `<iframe src="${base}/mitarbeit-gesucht/einbetten" title="${PAGE_TITLE}" width="100%" height="600" loading="lazy"></iframe>`;
  return renderLayout(
    PAGE_TITLE,
    html`<h1>${PAGE_TITLE}</h1>
<p>Diese EfA-Onlinedienste suchen zurzeit Kommunen, die sie als Pilotbehörden zuerst einführen und den landesweiten Rollout mitgestalten.</p>
${callList(calls)}
<h2>Auf der eigenen Website einbinden</h2>
<p>Diese Liste lässt sich auf jeder Website einbetten, zum Beispiel im Landesportal. Der Rahmen setzt keine Cookies und lädt nichts von anderen Servern.</p>
<p class="schnipsel"><code>${snippet}</code></p>
<p>Dieselbe Liste als JSON: <a href="api/v1/public/mitarbeit-gesucht"><code>/api/v1/public/mitarbeit-gesucht</code></a>.</p>
<p><a href="./">Zur Startseite</a></p>`,
  );
}

/** GET /mitarbeit-gesucht/einbetten: a compact document for an iframe on another site; every link opens the service in a new tab. */
export function renderPilotCallsEmbed(calls: readonly PilotCall[], publicBaseUrl: string): Html {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return html`${documentHead(PAGE_TITLE)}
<body class="eingebettet">
<main>
<h1>${PAGE_TITLE}</h1>
${callList(calls)}
<p><a href="${base}/mitarbeit-gesucht" target="_blank" rel="noopener">Alle Angaben auf der Seite des EfA-Rollouts Brandenburg (öffnet in neuem Tab)</a></p>
</main>
</body>
</html>
`;
}
