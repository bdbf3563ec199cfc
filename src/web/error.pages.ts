import { html, type Html } from '../markup/html.ts';
import { renderLayout } from './layout.ts';
import { contactBlock } from './link-page.blocks.ts';

/**
 * The pages for a request that went wrong before or outside a link's own checks: a
 * forged or stale form, an address with characters that cannot be processed, too many
 * requests, a timeout, any other error. Shown on the answer pages' paths (src/app.ts).
 */

export function renderFormRejectedPage(): Html {
  return renderLayout(
    'Formular nicht angenommen',
    html`<h1>Das Formular konnte nicht angenommen werden</h1>
<p>Die Sicherheitsprüfung des Formulars ist fehlgeschlagen. Es wurde nichts gespeichert.</p>
<p>Bitte öffnen Sie den Link aus Ihrer E-Mail erneut und senden Sie das Formular noch einmal ab.</p>
${contactBlock(null)}`,
  );
}

/**
 * A request whose address (path or query) carries NUL bytes or broken Unicode, refused by
 * the input guard before any page sees it. A form's fields never end here: the form comes
 * back with the field named (form-body.ts).
 */
export function renderInvalidInputPage(fieldLabels: readonly string[]): Html {
  const fields = fieldLabels.length ? html`<ul>${fieldLabels.map((label) => html`<li>${label}</li>`)}</ul>` : '';
  return renderLayout(
    'Fehler: ungültige Zeichen',
    html`<div class="zusammenfassung" role="alert" aria-labelledby="fehler-titel" tabindex="-1">
<h2 id="fehler-titel">Ungültige Zeichen</h2>
<p>Diese Angaben enthalten Zeichen, die nicht verarbeitet werden können:</p>
${fields}
</div>
<h1>Die Seite konnte nicht geöffnet werden</h1>
<p>Es wurde nichts gespeichert. Bitte öffnen Sie den Link direkt aus Ihrer E-Mail; wenn Sie ihn kopieren, übernehmen Sie ihn bitte vollständig und unverändert.</p>
${contactBlock(null)}`,
  );
}

/** `retryAfterSeconds`: for 429, when the limit lets the next request through (Retry-After). */
export function renderErrorPage(status: number, retryAfterSeconds?: number): Html {
  if (status === 429) {
    const wait = retryAfterSeconds && retryAfterSeconds > 1 ? `${retryAfterSeconds} Sekunden` : 'einem Moment';
    return renderLayout(
      'Zu viele Anfragen',
      html`<h1>Bitte warten Sie einen Moment</h1>
<p>Von Ihrem Anschluss sind in kurzer Zeit sehr viele Anfragen gekommen. Es wurde nichts gespeichert.</p>
<p>Bitte öffnen Sie den Link aus Ihrer E-Mail in ${wait} erneut; er bleibt gültig.</p>
${contactBlock(null)}`,
    );
  }
  if (status === 408) {
    return renderLayout(
      'Zeitüberschreitung',
      html`<h1>Die Übertragung hat zu lange gedauert</h1>
<p>Ihr Formular ist nicht vollständig angekommen. Es wurde nichts gespeichert.</p>
<p>Bitte öffnen Sie den Link aus Ihrer E-Mail erneut und senden Sie das Formular noch einmal ab.</p>
${contactBlock(null)}`,
    );
  }
  const detail =
    status >= 500
      ? 'Ihre Antwort konnte wegen eines technischen Fehlers nicht verarbeitet werden. Bitte versuchen Sie es später noch einmal.'
      : 'Die Anfrage konnte nicht verarbeitet werden. Bitte öffnen Sie den Link aus Ihrer E-Mail erneut.';
  return renderLayout('Fehler', html`<h1>Das hat leider nicht geklappt</h1><p>${detail}</p>${contactBlock(null)}`);
}
