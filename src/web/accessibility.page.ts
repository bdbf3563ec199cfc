import { html, type Html } from '../markup/html.ts';
import { renderStaffLayout, type StaffFrame } from './staff.layout.ts';

/**
 * `/barrierefreiheit`: the accessibility statement public bodies publish for their web
 * offerings (BITV 2.0, WCAG 2.1 AA). Public, linked from every staff page's footer. It
 * names honestly what is not yet accessible; update STATEMENT_DATE and the list with
 * each review.
 */

/** When the statement was written / last reviewed (Berlin date). */
export const STATEMENT_DATE = { iso: '2026-12-07', words: '7. Dezember 2026' };

export function renderAccessibilityStatement(frame: StaffFrame, contactEmail: string): Html {
  return renderStaffLayout(
    frame,
    html`<h1>Erklärung zur Barrierefreiheit</h1>
<p>Das Land Brandenburg möchte, dass alle Menschen diesen Dienst nutzen können. Diese Erklärung gilt für die Webseiten des Dienstes „EfA-Rollout Brandenburg“: die Antwortseiten, die Behörden über den Link aus ihrer E-Mail öffnen, und die Oberfläche für Mitarbeitende der Ministerien, des Kaz / ZIT-BB und der Landesredaktion. Maßstab sind die Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) und die Web Content Accessibility Guidelines (WCAG) 2.1 in der Stufe AA.</p>

<h2>Wie barrierefrei ist der Dienst?</h2>
<p>Der Dienst ist <strong>teilweise barrierefrei</strong>. Die Seiten sind mit Überschriften, Landmarken, beschrifteten Formularfeldern und Fehlerübersichten aufgebaut, lassen sich vollständig mit der Tastatur bedienen, funktionieren ohne JavaScript, zeigen den Tastaturfokus deutlich und passen sich einer Breite von 320 Pixeln sowie einer Vergrößerung auf 200 % an. Jede Seite wird bei jeder Änderung in einem echten Browser automatisch auf Verstöße gegen die Regeln der WCAG 2.1 A und AA geprüft.</p>

<h2>Was ist noch nicht barrierefrei?</h2>
<ul>
<li>Die Oberfläche für Mitarbeitende entsteht gerade. Viele Aufgaben sind bisher nur über die Programmierschnittstelle (API) möglich und damit nicht ohne technische Hilfsmittel erreichbar.</li>
<li>Die API-Dokumentation unter <code>/docs</code> stammt aus einem fremden Werkzeug (Swagger UI) und wurde nicht auf Barrierefreiheit geprüft.</li>
<li>Es gibt noch keine Erläuterungen in Leichter Sprache und in Deutscher Gebärdensprache.</li>
<li>Die automatischen Prüfungen erkennen nicht jede Barriere. Eine Prüfung durch Fachleute mit assistiven Technologien (etwa Screenreadern) steht noch aus.</li>
</ul>

<h2>Wann wurde diese Erklärung erstellt?</h2>
<p>Diese Erklärung wurde am <time datetime="${STATEMENT_DATE.iso}">${STATEMENT_DATE.words}</time> erstellt. Sie beruht auf einer Selbstbewertung: automatische Prüfungen mit axe-core in Chromium und Prüfungen der Bedienung mit der Tastatur.</p>

<h2>Barrieren melden: Kontakt</h2>
<p>Wenn Ihnen Barrieren auffallen oder Sie Inhalte in einer anderen Form brauchen, schreiben Sie uns bitte: <a href="mailto:${contactEmail}">${contactEmail}</a>. Bitte nennen Sie die Seite (Adresse oder Überschrift) und beschreiben Sie, was nicht funktioniert hat. Wir antworten so schnell wie möglich.</p>

<h2>Schlichtungsverfahren</h2>
<p>Wenn Sie auf Ihre Meldung keine oder keine zufriedenstellende Antwort bekommen, können Sie sich an die <strong>Schlichtungsstelle nach § 16 des Behindertengleichstellungsgesetzes (BGG)</strong> beim Beauftragten der Bundesregierung für die Belange von Menschen mit Behinderungen wenden. Sie hilft, Streit über Barrieren zwischen Menschen mit Behinderungen und öffentlichen Stellen ohne Gericht beizulegen; das Verfahren kostet Sie nichts und Sie brauchen keinen Rechtsbeistand. Informationen und den Antrag finden Sie unter <a href="https://www.schlichtungsstelle-bgg.de">www.schlichtungsstelle-bgg.de</a>.</p>
<p>Für Stellen des Landes Brandenburg können Sie sich außerdem an die oder den Landesbeauftragten für die Belange der Menschen mit Behinderungen des Landes Brandenburg wenden.</p>`,
  );
}
