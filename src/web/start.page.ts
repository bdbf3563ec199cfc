import type { FastifyInstance } from 'fastify';
import { html, type Html } from '../markup/html.ts';
import { renderLayout, SECURITY_HEADERS } from './layout.ts';

/**
 * `GET /`: whoever opens the service's address in a browser – as a rule someone who has
 * just started it – learns what it is and where to go on, instead of a JSON 404: the staff
 * sign-in, the API documentation, the readiness check and the first steps – in the browser,
 * and with the API as in the README's quick start (the README itself is not served). The answer pages' layout,
 * style and headers (strict CSP, no scripts). Not an API operation: hidden from the
 * OpenAPI document.
 */

/** A path in code type that may break after each slash: at 320 px a whole one is wider than the screen. */
const code = (path: string): Html => html`<code>${path.split('/').map((part, i) => (i ? html`/<wbr>${part}` : part))}</code>`;

/** Relative links: they work behind a path prefix, as the answer pages' do. */
const START_PAGE = String(
  renderLayout(
    'Startseite',
    html`<h1>EfA-Rollout Brandenburg</h1>
<p>Dieser Dienst steuert die Nachnutzung von EfA-Onlinediensten durch Brandenburgs Kommunen: Erstinformation, Pilotbehörden, flächendeckender Rollout bis zur Verknüpfung im BUS-BB. Mitarbeitende der Ministerien, des Kaz und der Landesredaktion erledigen alles in der Weboberfläche; dieselben Schritte gehen auch über die API.</p>
<h2>Weiter</h2>
<ul>
<li><a href="anmelden">Anmelden</a> (Mitarbeitende der Ministerien, des Kaz und der Landesredaktion, mit dem persönlichen Token)</li>
<li><a href="docs">API-Dokumentation</a> (Swagger UI; das OpenAPI-Dokument als <a href="openapi.json">openapi.json</a>)</li>
<li><a href="health">Bereitschaft des Dienstes</a> (<code>/health</code>: antwortet 200, wenn die Datenbank antwortet)</li>
<li><a href="mitarbeit-gesucht">Kommunale Mitarbeit gesucht</a> (EfA-Lösungen, die zurzeit Pilotbehörden suchen; auch zum Einbetten und als JSON)</li>
<li><a href="barrierefreiheit">Erklärung zur Barrierefreiheit</a></li>
</ul>
<h2>Erste Schritte im Browser</h2>
<ol>
<li>Admin-Token: Der erste Start zeigt es einmal an (oder <code>EFA_ADMIN_TOKEN</code> setzt es). Damit anmelden.</li>
<li>Unter „Tokens“ für jede Person im Ministerium ein persönliches Token ausstellen (mit ihrem Namen); die Person meldet sich damit an.</li>
<li>„Neue EfA-Lösung anlegen“, dann unter „Angaben und Mailtexte“ die Ansprechperson für die Mails eintragen.</li>
<li>Auf der Seite der Lösung „Erstinformation beginnen“, dann unter „Mailings“ die Erstinformation ansehen (Vorschau) und versenden.</li>
<li>Ohne <code>SMTP_URL</code> verlässt keine Mail den Rechner: Sie liegen im Postausgang ${code('DATA_DIR/outbox/*.eml')}.</li>
</ol>
<h2>Dieselben Schritte über die API</h2>
<p>Die vollständigen Befehle (curl) stehen in der Datei <code>README.md</code> des Projekts, Abschnitt „Quick start“. Jede Anfrage an ${code('/api/v1')} trägt <code>Authorization: Bearer &lt;Token&gt;</code>.</p>
<ol>
<li>Token für ein Ministerium: ${code('POST /api/v1/admin/tokens')} mit <code>{"role": "ministry", "ministry": "MSGIV", "label": "…"}</code>.</li>
<li>Die EfA-Lösung anlegen: ${code('POST /api/v1/solutions')}, dann das Ereignis <code>ERSTINFORMATION_STARTEN</code> an ${code('POST /api/v1/solutions/{id}/events')}.</li>
<li>Angaben für die Mails: ${code('PUT /api/v1/solutions/{id}/mail-details')}.</li>
<li>Erstinformation versenden: ${code('POST /api/v1/solutions/{id}/mailings')} mit <code>{"kind": "erstinformation"}</code>; der Postausgang auch unter ${code('GET /api/v1/admin/outbox')}.</li>
</ol>`,
  ),
);

export function startPageRoute(app: FastifyInstance): void {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(START_PAGE));
}
