import type { TemplateKind } from '../db/schema.ts';
import type { MailTemplate } from './template.render.ts';

/**
 * The texts a solution's mailings use until its ministry saves its own. They follow
 * the MIK's three steps: inform everyone early, win pilots, then invite all others.
 * Only placeholders each kind allows (placeholdersFor; test/mailings/template.render.test.ts checks).
 * HTML bodies are the inner content; renderMail wraps them in the accessible layout.
 */

const SIGNATURE_TEXT = `Mit freundlichen Grüßen
Im Auftrag

{{kontakt.name}}
{{ministerium}}
E-Mail: {{kontakt.email}}
Telefon: {{kontakt.telefon}}`;

const SIGNATURE_HTML = `<p>Mit freundlichen Grüßen<br>
Im Auftrag</p>
<p>{{kontakt.name}}<br>
{{ministerium}}<br>
E-Mail: {{kontakt.email}}<br>
Telefon: {{kontakt.telefon}}</p>`;

const PERSONAL_LINKS_TEXT =
  'Die Links gelten nur für Ihre Behörde; ein Benutzerkonto brauchen Sie dafür nicht. Bitte leiten Sie diese E-Mail daher nur innerhalb Ihrer Verwaltung weiter.';
const PERSONAL_LINKS_HTML = `<p>${PERSONAL_LINKS_TEXT}</p>`;

const erstinformation: MailTemplate = {
  subject: 'Erstinformation: Nachnutzung der EfA-Lösung „{{loesung.titel}}“ in Brandenburg',
  textBody: `Sehr geehrte Damen und Herren,

das {{ministerium}} ist in Brandenburg fachlich für die EfA-Lösung „{{loesung.titel}}“ (OZG-ID {{loesung.ozgId}}) verantwortlich. Damit Sie – {{behoerde.name}} – die Nachnutzung in Ihrer Verwaltung rechtzeitig planen können, informieren wir Sie schon jetzt über den Stand und unser weiteres Vorgehen.

STAND DER UMSETZUNG
{{sachstand}}

UNSER VORGEHEN IN BRANDENBURG
Wir möchten den Online-Dienst zunächst gemeinsam mit einigen Pilotbehörden einführen. Ihre Erfahrungen fließen in den anschließenden landesweiten Rollout ein, bei dem alle zuständigen Behörden den Dienst Schritt für Schritt übernehmen. Über jeden Schritt informieren wir Sie rechtzeitig.

TERMINE
{{termine}}

VORAUSSICHTLICHE KOSTEN (EINSCHLIESSLICH BETRIEB)
{{kosten}}

IHRE RÜCKMELDUNG
Bitte teilen Sie uns mit, ob Sie den Online-Dienst nachnutzen möchten:
{{link.interesse}}

Sie möchten zu den ersten Behörden gehören und den Rollout mitgestalten? Dann bewerben Sie sich als Pilotbehörde:
{{link.pilot}}

Rückmeldefrist: {{frist}}

${PERSONAL_LINKS_TEXT}

Betroffene Leistung (LeiKa-Schlüssel): {{loesung.leikaSchluessel}}
Für Fragen stehen wir Ihnen gern zur Verfügung.

${SIGNATURE_TEXT}
`,
  htmlBody: `<h1>Erstinformation: {{loesung.titel}}</h1>
<p>Sehr geehrte Damen und Herren,</p>
<p>das {{ministerium}} ist in Brandenburg fachlich für die EfA-Lösung „{{loesung.titel}}“ (OZG-ID {{loesung.ozgId}}) verantwortlich. Damit Sie – {{behoerde.name}} – die Nachnutzung in Ihrer Verwaltung rechtzeitig planen können, informieren wir Sie schon jetzt über den Stand und unser weiteres Vorgehen.</p>
<h2>Stand der Umsetzung</h2>
<p>{{sachstand}}</p>
<h2>Unser Vorgehen in Brandenburg</h2>
<p>Wir möchten den Online-Dienst zunächst gemeinsam mit einigen Pilotbehörden einführen. Ihre Erfahrungen fließen in den anschließenden landesweiten Rollout ein, bei dem alle zuständigen Behörden den Dienst Schritt für Schritt übernehmen. Über jeden Schritt informieren wir Sie rechtzeitig.</p>
<h2>Termine</h2>
<p>{{termine}}</p>
<h2>Voraussichtliche Kosten (einschließlich Betrieb)</h2>
<p>{{kosten}}</p>
<h2>Ihre Rückmeldung</h2>
<ul>
<li><a href="{{link.interesse}}">Interesse an der Nachnutzung von „{{loesung.titel}}“ bekunden</a></li>
<li><a href="{{link.pilot}}">Als Pilotbehörde für „{{loesung.titel}}“ bewerben</a> – für Behörden, die zu den ersten gehören und den Rollout mitgestalten möchten</li>
</ul>
<p><strong>Rückmeldefrist: {{frist}}</strong></p>
${PERSONAL_LINKS_HTML}
<p>Betroffene Leistung (LeiKa-Schlüssel): {{loesung.leikaSchluessel}}<br>
Für Fragen stehen wir Ihnen gern zur Verfügung.</p>
${SIGNATURE_HTML}`,
};

/**
 * The Erstinformation as the multipliers receive it: what the authorities were asked
 * and by when, how many were written to, and a request to encourage their members –
 * without any answer link (the links are the authority's own).
 */
const erstinformationMultiplikator: MailTemplate = {
  subject: 'Zur Kenntnis: Erstinformation zur EfA-Lösung „{{loesung.titel}}“ an {{empfaenger.anzahl}} Behörden in Brandenburg',
  textBody: `Sehr geehrte Damen und Herren,

das {{ministerium}} ist in Brandenburg fachlich für die EfA-Lösung „{{loesung.titel}}“ (OZG-ID {{loesung.ozgId}}) verantwortlich. Zeitgleich mit dieser Nachricht haben wir {{empfaenger.anzahl}} zuständige Behörden ({{zustaendigkeit}}) mit einer Erstinformation über die geplante Nachnutzung angeschrieben. Sie erhalten eine Kopie zur Kenntnis, weil Sie die Kommunen bei der Digitalisierung begleiten.

WORUM WIR DIE BEHÖRDEN GEBETEN HABEN
- uns mitzuteilen, ob sie den Online-Dienst nachnutzen möchten,
- sich als Pilotbehörde zu bewerben, wenn sie zu den ersten gehören und den Rollout mitgestalten möchten.

Rückmeldefrist: {{frist}}

Jede Behörde hat dafür eigene Links erhalten, die nur für sie gelten. Diese Kopie enthält deshalb keine Links zur Rückmeldung.

UNSERE BITTE AN SIE
Bitte ermutigen Sie Ihre Mitglieder, sich bis zur Frist zurückzumelden – auch dann, wenn sie den Online-Dienst noch nicht nachnutzen möchten. Findet eine Behörde unsere Nachricht nicht, genügt eine kurze E-Mail an uns; wir senden sie ihr erneut.

STAND DER UMSETZUNG
{{sachstand}}

TERMINE
{{termine}}

VORAUSSICHTLICHE KOSTEN (EINSCHLIESSLICH BETRIEB)
{{kosten}}

Betroffene Leistung (LeiKa-Schlüssel): {{loesung.leikaSchluessel}}
Für Fragen stehen wir Ihnen gern zur Verfügung.

${SIGNATURE_TEXT}
`,
  htmlBody: `<h1>Zur Kenntnis: Erstinformation zu {{loesung.titel}}</h1>
<p>Sehr geehrte Damen und Herren,</p>
<p>das {{ministerium}} ist in Brandenburg fachlich für die EfA-Lösung „{{loesung.titel}}“ (OZG-ID {{loesung.ozgId}}) verantwortlich. Zeitgleich mit dieser Nachricht haben wir {{empfaenger.anzahl}} zuständige Behörden ({{zustaendigkeit}}) mit einer Erstinformation über die geplante Nachnutzung angeschrieben. Sie erhalten eine Kopie zur Kenntnis, weil Sie die Kommunen bei der Digitalisierung begleiten.</p>
<h2>Worum wir die Behörden gebeten haben</h2>
<ul>
<li>uns mitzuteilen, ob sie den Online-Dienst nachnutzen möchten,</li>
<li>sich als Pilotbehörde zu bewerben, wenn sie zu den ersten gehören und den Rollout mitgestalten möchten.</li>
</ul>
<p><strong>Rückmeldefrist: {{frist}}</strong></p>
<p>Jede Behörde hat dafür eigene Links erhalten, die nur für sie gelten. Diese Kopie enthält deshalb keine Links zur Rückmeldung.</p>
<h2>Unsere Bitte an Sie</h2>
<p>Bitte ermutigen Sie Ihre Mitglieder, sich bis zur Frist zurückzumelden – auch dann, wenn sie den Online-Dienst noch nicht nachnutzen möchten. Findet eine Behörde unsere Nachricht nicht, genügt eine kurze E-Mail an uns; wir senden sie ihr erneut.</p>
<h2>Stand der Umsetzung</h2>
<p>{{sachstand}}</p>
<h2>Termine</h2>
<p>{{termine}}</p>
<h2>Voraussichtliche Kosten (einschließlich Betrieb)</h2>
<p>{{kosten}}</p>
<p>Betroffene Leistung (LeiKa-Schlüssel): {{loesung.leikaSchluessel}}<br>
Für Fragen stehen wir Ihnen gern zur Verfügung.</p>
${SIGNATURE_HTML}`,
};

const pilotaufruf: MailTemplate = {
  subject: 'Pilotbehörden gesucht: EfA-Lösung „{{loesung.titel}}“',
  textBody: `Sehr geehrte Damen und Herren,

für die Einführung der EfA-Lösung „{{loesung.titel}}“ (OZG-ID {{loesung.ozgId}}) sucht das {{ministerium}} interessierte Behörden, die den Online-Dienst als Erste in Betrieb nehmen. Was wir mit den Pilotbehörden lernen, macht den späteren Rollout für alle Behörden im Land einfacher.

WAS SIE ALS PILOTBEHÖRDE ERWARTET
- eine enge, persönliche Begleitung durch unser Haus, etwa in Video- und Telefonkonferenzen,
- technische Unterstützung durch den ZIT-BB und sein Kommunales Anwendungszentrum (Kaz), zum Beispiel bei der Anbindung an Ihr Fachverfahren,
- die Möglichkeit, den Online-Dienst und den Ablauf der Einführung mitzugestalten.

WAS WIR UNS VON IHNEN WÜNSCHEN
- eine feste Ansprechperson in Ihrer Verwaltung,
- etwas Zeit für Abstimmungen und Tests,
- die Bereitschaft, Ihre Erfahrungen mit den anderen Behörden zu teilen.

Stand der Umsetzung: {{sachstand}}
Geplante Termine: {{termine}}
Voraussichtliche Kosten: {{kosten}}

Wenn Ihre Behörde ({{behoerde.name}}) dabei sein möchte, bewerben Sie sich bitte hier:
{{link.pilot}}

Rückmeldefrist: {{frist}}

${PERSONAL_LINKS_TEXT}

${SIGNATURE_TEXT}
`,
  htmlBody: `<h1>Pilotbehörden gesucht: {{loesung.titel}}</h1>
<p>Sehr geehrte Damen und Herren,</p>
<p>für die Einführung der EfA-Lösung „{{loesung.titel}}“ (OZG-ID {{loesung.ozgId}}) sucht das {{ministerium}} interessierte Behörden, die den Online-Dienst als Erste in Betrieb nehmen. Was wir mit den Pilotbehörden lernen, macht den späteren Rollout für alle Behörden im Land einfacher.</p>
<h2>Was Sie als Pilotbehörde erwartet</h2>
<ul>
<li>eine enge, persönliche Begleitung durch unser Haus, etwa in Video- und Telefonkonferenzen,</li>
<li>technische Unterstützung durch den ZIT-BB und sein Kommunales Anwendungszentrum (Kaz), zum Beispiel bei der Anbindung an Ihr Fachverfahren,</li>
<li>die Möglichkeit, den Online-Dienst und den Ablauf der Einführung mitzugestalten.</li>
</ul>
<h2>Was wir uns von Ihnen wünschen</h2>
<ul>
<li>eine feste Ansprechperson in Ihrer Verwaltung,</li>
<li>etwas Zeit für Abstimmungen und Tests,</li>
<li>die Bereitschaft, Ihre Erfahrungen mit den anderen Behörden zu teilen.</li>
</ul>
<h2>Eckdaten</h2>
<p>Stand der Umsetzung: {{sachstand}}</p>
<p>Geplante Termine: {{termine}}</p>
<p>Voraussichtliche Kosten: {{kosten}}</p>
<h2>Ihre Bewerbung</h2>
<p>Wenn Ihre Behörde ({{behoerde.name}}) dabei sein möchte, freuen wir uns auf Ihre Bewerbung:</p>
<p><a href="{{link.pilot}}">Als Pilotbehörde für „{{loesung.titel}}“ bewerben</a></p>
<p><strong>Rückmeldefrist: {{frist}}</strong></p>
${PERSONAL_LINKS_HTML}
${SIGNATURE_HTML}`,
};

/**
 * To a confirmed pilot (sent by itself on PILOT_BESTAETIGEN): its own page. It asks for
 * nothing the pilot cannot do there – no readiness: the ministry has confirmed it already.
 */
const pilotEinladung: MailTemplate = {
  subject: 'Willkommen als Pilotbehörde für „{{loesung.titel}}“ – Ihre Seite für Checkliste und Go-live',
  textBody: `Sehr geehrte Damen und Herren,

vielen Dank für Ihr Interesse an der EfA-Lösung „{{loesung.titel}}“. Wir freuen uns, dass Ihre Behörde ({{behoerde.name}}) den Online-Dienst als Pilotbehörde einführt.

Auf Ihrer eigenen Seite haken Sie die Punkte Ihrer Checkliste (AVV, Übermittlungsweg, ePayment, BundID …) ab – so oft Sie möchten – und melden dort den Go-live Ihres Online-Dienstes, sobald die Checkliste erledigt ist:
{{link.pilotbetrieb}}

NÄCHSTE SCHRITTE
Wir vereinbaren mit Ihnen einen Auftakttermin per Videokonferenz, gemeinsam mit dem ZIT-BB und seinem Kommunalen Anwendungszentrum (Kaz). Dort besprechen wir die technische Anbindung, den Zeitplan und Ihre Fragen.

Geplante Termine: {{termine}}
Voraussichtliche Kosten: {{kosten}}

${PERSONAL_LINKS_TEXT}

${SIGNATURE_TEXT}
`,
  htmlBody: `<h1>Willkommen als Pilotbehörde: {{loesung.titel}}</h1>
<p>Sehr geehrte Damen und Herren,</p>
<p>vielen Dank für Ihr Interesse an der EfA-Lösung „{{loesung.titel}}“. Wir freuen uns, dass Ihre Behörde ({{behoerde.name}}) den Online-Dienst als Pilotbehörde einführt.</p>
<p>Auf Ihrer eigenen Seite haken Sie die Punkte Ihrer Checkliste (AVV, Übermittlungsweg, ePayment, BundID …) ab – so oft Sie möchten – und melden dort den Go-live Ihres Online-Dienstes, sobald die Checkliste erledigt ist:</p>
<p><a href="{{link.pilotbetrieb}}">Checkliste und Go-live der Pilotbehörde für „{{loesung.titel}}“</a></p>
<h2>Nächste Schritte</h2>
<p>Wir vereinbaren mit Ihnen einen Auftakttermin per Videokonferenz, gemeinsam mit dem ZIT-BB und seinem Kommunalen Anwendungszentrum (Kaz). Dort besprechen wir die technische Anbindung, den Zeitplan und Ihre Fragen.</p>
<p>Geplante Termine: {{termine}}<br>
Voraussichtliche Kosten: {{kosten}}</p>
${PERSONAL_LINKS_HTML}
${SIGNATURE_HTML}`,
};

const CHECKLIST = [
  'Vertrag zur Auftragsverarbeitung (AVV) abschließen',
  'Übermittlungsweg zu Ihrer Behörde einrichten: FIT-Connect oder OSCI/XTA mit Eintrag im DVDV',
  'notwendige Anpassungen mit dem Hersteller Ihres Fachverfahrens abstimmen',
  'ePayment (pmPayment) einrichten, sofern Gebühren anfallen',
  'Anbindung an das Nutzerkonto BundID klären',
  'ein Funktionspostfach für eingehende Anträge benennen',
  'Ansprechpersonen für den 1st- und 2nd-Level-Support benennen',
  'Organisationseinheit und Online-Dienst im BUS-BB pflegen und der Leistung (LeiKa-Schlüssel {{loesung.leikaSchluessel}}) zuordnen',
  'auf Wunsch: einen Produktionstest durchführen',
];

const rolloutEinladung: MailTemplate = {
  subject: '„{{loesung.titel}}“ kann jetzt nachgenutzt werden – bitte Bereitschaft melden',
  textBody: `Sehr geehrte Damen und Herren,

die Pilotphase der EfA-Lösung „{{loesung.titel}}“ (OZG-ID {{loesung.ozgId}}) ist abgeschlossen. Ab sofort kann auch Ihre Behörde ({{behoerde.name}}) den Online-Dienst nachnutzen. Wir laden Sie herzlich ein, jetzt mit der Einführung zu beginnen.

WAS FÜR DIE EINFÜHRUNG ZU TUN IST
${CHECKLIST.map((item) => `- ${item}`).join('\n')}

Bei Fragen zum BUS-BB unterstützt Sie die Landesredaktion im MIK, bei technischen Fragen der ZIT-BB mit seinem Kommunalen Anwendungszentrum (Kaz).

IHRE RÜCKMELDUNG
1. Bitte melden Sie uns, ob Sie bereit sind – oder ab wann und was Ihnen noch fehlt:
{{link.bereitschaft}}
2. Sobald Sie den Online-Dienst im BUS-BB mit Ihrer Behörde verknüpft haben, teilen Sie uns das bitte hier mit:
{{link.busbb}}

Rückmeldefrist für die Bereitschaft: {{frist}}

Voraussichtliche Kosten: {{kosten}}
Termine: {{termine}}

Machen Sie den Online-Dienst nach dem Start bitte auch auf Ihrer Internetseite und in Ihrer Öffentlichkeitsarbeit bekannt – je bekannter er ist, desto mehr wird er genutzt.

${PERSONAL_LINKS_TEXT}

${SIGNATURE_TEXT}
`,
  htmlBody: `<h1>Einladung zur Nachnutzung: {{loesung.titel}}</h1>
<p>Sehr geehrte Damen und Herren,</p>
<p>die Pilotphase der EfA-Lösung „{{loesung.titel}}“ (OZG-ID {{loesung.ozgId}}) ist abgeschlossen. Ab sofort kann auch Ihre Behörde ({{behoerde.name}}) den Online-Dienst nachnutzen. Wir laden Sie herzlich ein, jetzt mit der Einführung zu beginnen.</p>
<h2>Was für die Einführung zu tun ist</h2>
<ul>
${CHECKLIST.map((item) => `<li>${item}</li>`).join('\n')}
</ul>
<p>Bei Fragen zum BUS-BB unterstützt Sie die Landesredaktion im MIK, bei technischen Fragen der ZIT-BB mit seinem Kommunalen Anwendungszentrum (Kaz).</p>
<h2>Ihre Rückmeldung</h2>
<ol>
<li><a href="{{link.bereitschaft}}">Bereitschaft zur Nachnutzung von „{{loesung.titel}}“ melden</a> – oder ab wann Sie bereit sind und was Ihnen noch fehlt</li>
<li><a href="{{link.busbb}}">Verknüpfung des Online-Dienstes im BUS-BB melden</a>, sobald Sie ihn Ihrer Behörde zugeordnet haben</li>
</ol>
<p><strong>Rückmeldefrist für die Bereitschaft: {{frist}}</strong></p>
<p>Voraussichtliche Kosten: {{kosten}}<br>
Termine: {{termine}}</p>
<p>Machen Sie den Online-Dienst nach dem Start bitte auch auf Ihrer Internetseite und in Ihrer Öffentlichkeitsarbeit bekannt – je bekannter er ist, desto mehr wird er genutzt.</p>
${PERSONAL_LINKS_HTML}
${SIGNATURE_HTML}`,
};

const erinnerung: MailTemplate = {
  subject: '{{erinnerung.nummer}}. Erinnerung: „{{loesung.titel}}“ – Ihre Rückmeldung fehlt noch',
  textBody: `Sehr geehrte Damen und Herren,

vor einiger Zeit haben wir Sie zur EfA-Lösung „{{loesung.titel}}“ angeschrieben. Eine Rückmeldung Ihrer Behörde ({{behoerde.name}}) liegt uns bisher nicht vor. Im Arbeitsalltag geht eine solche Nachricht leicht unter – wir erinnern Sie deshalb gern daran.

Ihre Rückmeldung geben Sie über diese Links:
{{link.liste}}

Rückmeldefrist: {{frist}}

Haben Sie inzwischen bereits geantwortet, betrachten Sie diese Erinnerung bitte als erledigt. Bei Fragen oder wenn Sie noch Zeit brauchen, sprechen Sie uns gern an.

${PERSONAL_LINKS_TEXT}

${SIGNATURE_TEXT}
`,
  htmlBody: `<h1>{{erinnerung.nummer}}. Erinnerung: {{loesung.titel}}</h1>
<p>Sehr geehrte Damen und Herren,</p>
<p>vor einiger Zeit haben wir Sie zur EfA-Lösung „{{loesung.titel}}“ angeschrieben. Eine Rückmeldung Ihrer Behörde ({{behoerde.name}}) liegt uns bisher nicht vor. Im Arbeitsalltag geht eine solche Nachricht leicht unter – wir erinnern Sie deshalb gern daran.</p>
<h2>Ihre Rückmeldung</h2>
{{link.liste}}
<p><strong>Rückmeldefrist: {{frist}}</strong></p>
<p>Haben Sie inzwischen bereits geantwortet, betrachten Sie diese Erinnerung bitte als erledigt. Bei Fragen oder wenn Sie noch Zeit brauchen, sprechen Sie uns gern an.</p>
${PERSONAL_LINKS_HTML}
${SIGNATURE_HTML}`,
};

const eskalation: MailTemplate = {
  subject: 'Eskalation zu „{{loesung.titel}}“: fehlende Rückmeldungen ({{offene.anzahl}})',
  textBody: `Guten Tag,

zur EfA-Lösung „{{loesung.titel}}“ (OZG-ID {{loesung.ozgId}}) liegt von den folgenden Behörden trotz Erinnerung bis zur Frist ({{frist}}) keine Rückmeldung vor (Anzahl: {{offene.anzahl}}; versandte Erinnerungen: {{erinnerung.nummer}}):

{{offene.liste}}

Weitere automatische Erinnerungen sind nicht vorgesehen. Wir empfehlen, die Behörden persönlich anzusprechen, etwa telefonisch, oder die Kommunalen Spitzenverbände (Städte- und Gemeindebund Brandenburg, Landkreistag Brandenburg) um Vermittlung zu bitten.

Diese Nachricht hat efa-rollout für das {{ministerium}} erstellt.
`,
  htmlBody: `<h1>Behörden ohne Rückmeldung: {{loesung.titel}}</h1>
<p>Guten Tag,</p>
<p>zur EfA-Lösung „{{loesung.titel}}“ (OZG-ID {{loesung.ozgId}}) liegt von den folgenden Behörden trotz Erinnerung bis zur Frist ({{frist}}) keine Rückmeldung vor (Anzahl: {{offene.anzahl}}; versandte Erinnerungen: {{erinnerung.nummer}}):</p>
{{offene.liste}}
<p>Weitere automatische Erinnerungen sind nicht vorgesehen. Wir empfehlen, die Behörden persönlich anzusprechen, etwa telefonisch, oder die Kommunalen Spitzenverbände (Städte- und Gemeindebund Brandenburg, Landkreistag Brandenburg) um Vermittlung zu bitten.</p>
<p>Diese Nachricht hat efa-rollout für das {{ministerium}} erstellt.</p>`,
};

export const DEFAULT_TEMPLATES: Record<TemplateKind, MailTemplate> = {
  erstinformation,
  'erstinformation-multiplikator': erstinformationMultiplikator,
  pilotaufruf,
  'pilot-einladung': pilotEinladung,
  'rollout-einladung': rolloutEinladung,
  erinnerung,
  eskalation,
};
