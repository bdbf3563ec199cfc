import { createHash } from 'node:crypto';
import type { LinkPurpose } from '../db/schema.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { READINESS_REASONS } from '../solutions/event-payload.rules.ts';
import type { FormFields, LinkContext, RecordedAnswer, ReadinessReason } from './response.service.ts';
import { ANSWER_OPTIONS, type LinkAnswerability } from '../links/link-answers.ts';
import { germanDateTime } from '../time/berlin.clock.ts';
import { formatGermanDate } from '../mailings/template.render.ts';
import { ministryWithCode } from '../solutions/ministry-names.ts';

/**
 * The pages an authority sees behind its link: plain HTML forms that work without
 * JavaScript, with labels, fieldsets and an error summary. Pure functions from
 * data to HTML; every interpolated value goes through `escapeHtml`.
 */

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// Text #1b1b1b and links/buttons #0b4f9c on white: contrast 16:1 and 8:1; errors
// #a4000f: 8:1. The focus ring is thick and offset so it shows on every control.
const STYLE = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;background:#fff;color:#1b1b1b;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1.125rem;line-height:1.55;overflow-wrap:anywhere}
header{background:#0b4f9c;color:#fff;padding:.75rem 1rem}
header p{margin:0 auto;max-width:42rem;font-weight:700}
main{max-width:42rem;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.6rem;line-height:1.25;margin:1rem 0}
h2{font-size:1.25rem}
a{color:#0b4f9c}
a:focus,input:focus,textarea:focus,select:focus,button:focus{outline:3px solid #0b4f9c;outline-offset:3px}
fieldset{border:1px solid #6b6b6b;border-radius:4px;margin:0 0 1.5rem;padding:.75rem 1rem 1rem}
legend{font-weight:700;padding:0 .25rem}
.feld{margin:0 0 1.5rem}
.option{display:flex;gap:.6rem;align-items:flex-start;margin:.5rem 0}
.option input{width:1.3rem;height:1.3rem;margin-top:.2rem;flex:none}
label{font-weight:600}
.option label{font-weight:400}
.hinweis{color:#4a4a4a;margin:.15rem 0 .4rem;font-size:1rem}
input[type=text],input[type=url],input[type=date],textarea,select{display:block;width:100%;font:inherit;color:inherit;border:2px solid #1b1b1b;border-radius:3px;padding:.45rem .55rem;background:#fff}
input[type=date]{max-width:14rem}
textarea{min-height:6rem}
button{font:inherit;font-weight:700;color:#fff;background:#0b4f9c;border:2px solid #0b4f9c;border-radius:4px;padding:.6rem 1.4rem;cursor:pointer}
button:hover{background:#083b75}
.fehler{color:#a4000f;font-weight:700;margin:.2rem 0 .4rem}
[aria-invalid=true]{border-color:#a4000f}
.zusammenfassung{border:4px solid #a4000f;padding:.5rem 1rem;margin:1rem 0 1.5rem}
.zusammenfassung h2{margin:.4rem 0}
.zusammenfassung a{color:#a4000f;font-weight:700}
.kasten{border-left:6px solid #0b4f9c;background:#f2f6fb;padding:.5rem 1rem;margin:1rem 0}
dl{margin:0}
dt{font-weight:700;margin-top:.5rem}
dd{margin:0 0 .25rem}
.melden{margin:.75rem 0 0;font-weight:700}
ol.verlauf{list-style:none;padding:0}
ol.verlauf li{border-left:4px solid #6b6b6b;padding:.25rem .75rem;margin:0 0 1rem}
ol.verlauf li.eigene{border-left-color:#0b4f9c}
.text{white-space:pre-wrap;margin:.25rem 0 0}
ul.meldungen{list-style:none;padding:0}
ul.meldungen li{border-bottom:1px solid #6b6b6b;padding:.5rem 0}
ul.meldungen p{margin:.15rem 0}
.unsichtbar{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

/** For the Content-Security-Policy: only this stylesheet may apply. */
export const PAGE_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export function renderLayout(title: string, body: string): string {
  return `<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)} – EfA-Rollout Brandenburg</title>
<style>${STYLE}</style>
</head>
<body>
<header><p>EfA-Rollout Brandenburg</p></header>
<main>
${body}
</main>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------
// Words for the values

export const PURPOSE_TITLES: Record<LinkPurpose, string> = {
  interesse: 'Rückmeldung zur Nachnutzung',
  pilot: 'Bewerbung als Pilotbehörde',
  bereitschaft: 'Bereitschaft zur Nachnutzung',
  'bus-bb': 'Verknüpfung im BUS-BB melden',
  pilotbetrieb: 'Checkliste und Go-live der Pilotbehörde',
  ticket: 'Ihre Anfragen an das Kommunale Anwendungszentrum',
};

const INTERESSE_LABELS: Record<string, string> = {
  interesse: 'Wir haben Interesse und möchten weiter informiert werden.',
  pilot: 'Wir möchten als Pilotbehörde mitwirken.',
  'kein-interesse': 'Wir haben derzeit kein Interesse.',
  'nicht-zustaendig': 'Wir sind für diese Leistung nicht zuständig.',
};

const STATUS_LABELS: Record<string, string> = {
  bereit: 'Wir sind bereit.',
  'bereit-ab': 'Wir sind ab einem bestimmten Datum bereit.',
  'nicht-bereit': 'Wir sind noch nicht bereit.',
};

export const BUS_BB_SCHRITT_LABELS: Record<string, string> = {
  'online-dienst-angelegt': 'Online-Dienst im BUS-BB angelegt',
  'zustaendigkeit-zugeordnet': 'Zuständigkeit zugeordnet (Organisationseinheit und Gebiet)',
  'lsp-sichtbar': 'Im Landesserviceportal sichtbar',
};

export const REASON_LABELS: Record<ReadinessReason, string> = {
  'fachverfahren-anbindung': 'Anbindung unseres Fachverfahrens',
  transport: 'Übermittlungsweg zu uns (FIT-Connect, OSCI/XTA, DVDV)',
  epayment: 'ePayment (Bezahldienst)',
  bundid: 'BundID (Nutzerkonto)',
  personal: 'Personal',
  avv: 'Vertrag zur Auftragsverarbeitung (AVV)',
  sonstiges: 'Sonstiges (bitte unten erläutern)',
};

const STAGE_WORDS: Record<string, string> = {
  vorgemerkt: 'noch nicht informiert',
  informiert: 'informiert',
  interessiert: 'Interesse bekundet',
  'pilot-kandidat': 'als Pilotbehörde beworben',
  'pilot-bestaetigt': 'als Pilotbehörde bestätigt',
  'pilot-live': 'Pilotbehörde, der Online-Dienst ist live',
  eingeladen: 'zur Nachnutzung eingeladen',
  onboarding: 'in der Einführung',
  'bus-bb-verknuepft': 'Online-Dienst im BUS-BB verknüpft',
  live: 'der Online-Dienst ist live',
  abgelehnt: 'Nachnutzung abgelehnt',
  'nicht-zustaendig': 'als nicht zuständig gemeldet',
  ausgeschlossen: 'von der Nachnutzung ausgenommen',
};

export function germanDate(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  return match ? `${match[3]}.${match[2]}.${match[1]}` : isoDate;
}

export { germanDateTime };

/** A recorded answer as label/value pairs, in words. */
export function describeAnswer(recorded: RecordedAnswer): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  switch (recorded.purpose) {
    case 'interesse':
      rows.push(['Ihre Antwort', INTERESSE_LABELS[recorded.wahl] ?? recorded.wahl]);
      if (recorded.freitext) rows.push(['Bemerkungen', recorded.freitext]);
      break;
    case 'pilot':
      rows.push(['Ihre Antwort', 'Wir bewerben uns als Pilotbehörde.']);
      if (recorded.freitext) rows.push(['Bemerkungen', recorded.freitext]);
      break;
    case 'bereitschaft':
      rows.push([
        'Bereitschaft',
        recorded.status === 'bereit-ab' && recorded.ab
          ? `Wir sind ab dem ${germanDate(recorded.ab)} bereit.`
          : (STATUS_LABELS[recorded.status] ?? recorded.status),
      ]);
      if (recorded.gruende?.length) {
        rows.push(['Es fehlt noch', recorded.gruende.map((g) => REASON_LABELS[g]?.replace(/ \(bitte unten erläutern\)$/, '') ?? g).join(', ')]);
      }
      if (recorded.freitext) rows.push(['Erläuterung', recorded.freitext]);
      break;
    case 'bus-bb':
    case 'pilotbetrieb':
      if (recorded.onlineDienstUrl) rows.push(['Online-Dienst', recorded.onlineDienstUrl]);
      if (recorded.verknuepftAm) rows.push(['Verknüpft am', germanDate(recorded.verknuepftAm)]);
      if (recorded.purpose === 'bus-bb' && recorded.schritte?.length) {
        rows.push(['Erledigte Schritte', recorded.schritte.map((s) => BUS_BB_SCHRITT_LABELS[s] ?? s).join(', ')]);
      }
      break;
  }
  rows.push(['Eingegangen am', germanDateTime(recorded.at)]);
  return rows;
}

function answerList(recorded: RecordedAnswer | null): string {
  if (!recorded) return '<p>Ihre Antwort ist bereits eingegangen.</p>';
  const rows = describeAnswer(recorded)
    .map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('');
  return `<dl>${rows}</dl>`;
}

export function aboutBlock(ctx: LinkContext): string {
  return `<div class="kasten"><dl>
<dt>Behörde</dt><dd>${escapeHtml(ctx.authorityName)}</dd>
<dt>EfA-Lösung</dt><dd>${escapeHtml(ctx.solutionTitle)}</dd>
<dt>Federführendes Ministerium</dt><dd>${escapeHtml(ministryWithCode(ctx.leadMinistry))}</dd>
</dl>${reportLink(ctx)}</div>`;
}

/** On every page of a valid link: technical trouble goes to the Kaz as a ticket. */
function reportLink(ctx: LinkContext): string {
  if (!ctx.reportHref) return '';
  return `<p class="melden">Technisches Problem bei der Einführung? <a href="${escapeHtml(ctx.reportHref)}">Problem melden</a></p>`;
}

export function contactBlock(ctx: LinkContext | null): string {
  if (!ctx) return '<p>Bei Fragen wenden Sie sich bitte an das Ministerium, das Ihnen die E-Mail geschickt hat.</p>';
  const { kontaktName, kontaktEmail, kontaktTelefon } = ctx.contact;
  const lines: string[] = [];
  if (kontaktName) lines.push(escapeHtml(kontaktName));
  if (kontaktEmail) lines.push(`E-Mail: <a href="mailto:${escapeHtml(kontaktEmail)}">${escapeHtml(kontaktEmail)}</a>`);
  if (kontaktTelefon) lines.push(`Telefon: ${escapeHtml(kontaktTelefon)}`);
  const who = `das federführende Ministerium, ${escapeHtml(ministryWithCode(ctx.leadMinistry))}`;
  // the ticket link's questions are the Kaz's; the rollout itself stays the ministry's
  const about = ctx.purpose === 'ticket' ? 'Bei Fragen zur Nachnutzung selbst' : 'Bei Fragen';
  const kaz =
    ctx.purpose === 'ticket'
      ? '<p>Fragen zu Ihren Meldungen beantwortet das Kommunale Anwendungszentrum (Kaz, ZIT-BB) auf der Seite der jeweiligen Meldung.</p>'
      : '';
  return lines.length
    ? `<h2>Ansprechpartner</h2>${kaz}<p>${about} wenden Sie sich bitte an ${who}:<br>${lines.join('<br>')}</p>`
    : `${kaz}<p>${about} wenden Sie sich bitte an ${who}.</p>`;
}

/** The deadline the authority's mail named, in the mail's own words and date format. */
export function deadlineLine(ctx: LinkContext): string {
  if (!ctx.answerDeadline) return '';
  const date = escapeHtml(formatGermanDate(ctx.answerDeadline.date));
  return ctx.answerDeadline.passed
    ? `<p><strong>Rückmeldefrist: ${date}</strong> – die Frist ist verstrichen; solange dieser Link gilt, nehmen wir Ihre Antwort trotzdem gern an.</p>`
    : `<p><strong>Rückmeldefrist: ${date}</strong></p>`;
}

// ---------------------------------------------------------------------------
// The form

export interface FormView {
  /** Where the form posts to (the link's own path). */
  action: string;
  csrf: string;
  values?: FormFields;
  errors?: FieldError[];
  /** The answers the link takes now (link-answers.ts); absent: all of the purpose. */
  options?: readonly string[];
  /** The authority's stage, named when some answers are no longer offered. */
  stage?: string;
}

/** The entries of `labels` the form offers. */
function offered(labels: Record<string, string>, options: readonly string[] | undefined): Record<string, string> {
  return options ? Object.fromEntries(Object.entries(labels).filter(([option]) => options.includes(option))) : labels;
}

/** The element an error summary entry jumps to: the field, or a group's first option. */
function anchorOf(field: string): string {
  if (field === 'wahl') return 'f-wahl-interesse';
  if (field === 'status') return 'f-status-bereit';
  if (field === 'gruende') return `f-gruende-${READINESS_REASONS[0]}`;
  if (field === 'schritte') return 'f-schritte-online-dienst-angelegt';
  return `f-${field}`;
}

export class FormWriter {
  private readonly view: FormView;
  constructor(view: FormView) {
    this.view = view;
  }

  value(name: string): string {
    const value = this.view.values?.[name];
    return (Array.isArray(value) ? value[0] : value) ?? '';
  }

  isChecked(name: string, option: string): boolean {
    const value = this.view.values?.[name];
    return Array.isArray(value) ? value.includes(option) : value === option;
  }

  error(name: string): FieldError | undefined {
    return this.view.errors?.find((e) => e.field === name);
  }

  errorLine(name: string): string {
    const error = this.error(name);
    return error ? `<p class="fehler" id="fehler-${name}"><span class="unsichtbar">Fehler: </span>${escapeHtml(error.message)}</p>` : '';
  }

  describedBy(name: string, hint?: string): string {
    const ids = [hint, this.error(name) ? `fehler-${name}` : undefined].filter(Boolean);
    return (ids.length ? ` aria-describedby="${ids.join(' ')}"` : '') + (this.error(name) ? ' aria-invalid="true"' : '');
  }

  choices(type: 'radio' | 'checkbox', name: string, legend: string, options: Record<string, string>, hint?: string): string {
    const hintId = hint ? `hinweis-${name}` : undefined;
    const items = Object.entries(options)
      .map(([option, label]) => {
        const id = `f-${name}-${option}`;
        const checked = this.isChecked(name, option) ? ' checked' : '';
        return `<div class="option"><input type="${type}" id="${id}" name="${name}" value="${escapeHtml(option)}"${checked}${this.describedBy(name, hintId)}><label for="${id}">${escapeHtml(label)}</label></div>`;
      })
      .join('\n');
    return `<fieldset id="gruppe-${name}"><legend>${escapeHtml(legend)}</legend>
${hint ? `<p class="hinweis" id="${hintId}">${escapeHtml(hint)}</p>` : ''}${this.errorLine(name)}
${items}
</fieldset>`;
  }

  select(name: string, label: string, hint: string, options: Record<string, string>): string {
    const hintId = `hinweis-${name}`;
    const chosen = this.value(name);
    const items = Object.entries(options)
      .map(([option, text]) => `<option value="${escapeHtml(option)}"${chosen === option ? ' selected' : ''}>${escapeHtml(text)}</option>`)
      .join('');
    return `<div class="feld"><label for="f-${name}">${escapeHtml(label)}</label>
<p class="hinweis" id="${hintId}">${escapeHtml(hint)}</p>${this.errorLine(name)}
<select id="f-${name}" name="${name}"${this.describedBy(name, hintId)}><option value=""${chosen ? '' : ' selected'}>Bitte wählen</option>${items}</select></div>`;
  }

  input(type: 'text' | 'url' | 'date', name: string, label: string, hint: string, extra = ''): string {
    const hintId = `hinweis-${name}`;
    return `<div class="feld"><label for="f-${name}">${escapeHtml(label)}</label>
<p class="hinweis" id="${hintId}">${escapeHtml(hint)}</p>${this.errorLine(name)}
<input type="${type}" id="f-${name}" name="${name}" value="${escapeHtml(this.value(name))}"${extra}${this.describedBy(name, hintId)}></div>`;
  }

  textarea(name: string, label: string, hint: string, maxLength = 2000): string {
    const hintId = `hinweis-${name}`;
    return `<div class="feld"><label for="f-${name}">${escapeHtml(label)}</label>
<p class="hinweis" id="${hintId}">${escapeHtml(hint)}</p>${this.errorLine(name)}
<textarea id="f-${name}" name="${name}" rows="4" maxlength="${maxLength}"${this.describedBy(name, hintId)}>${escapeHtml(this.value(name))}</textarea></div>`;
  }
}

const DATE_HINT = 'Format: TT.MM.JJJJ, zum Beispiel 01.09.2026';

function formFields(purpose: LinkPurpose, w: FormWriter, options?: readonly string[]): { intro: string; fields: string; submit: string } {
  const offers = (option: string) => !options || options.includes(option);
  switch (purpose) {
    case 'interesse':
      return {
        intro: 'Bitte teilen Sie uns mit, ob Ihre Behörde den Online-Dienst nachnutzen möchte.',
        fields: [
          w.choices('radio', 'wahl', 'Ihre Antwort', offered(INTERESSE_LABELS, options)),
          w.textarea('freitext', 'Bemerkungen', 'Freiwillig. Wenn Sie nicht zuständig sind: Bitte nennen Sie, wer zuständig ist.'),
        ].join('\n'),
        submit: 'Antwort senden',
      };
    case 'pilot':
      return {
        intro:
          'Pilotbehörden setzen den Online-Dienst als Erste ein und werden dabei persönlich begleitet. Mit diesem Formular bewirbt sich Ihre Behörde als Pilotbehörde.',
        fields: w.textarea('freitext', 'Bemerkungen', 'Freiwillig, zum Beispiel Ansprechperson oder eingesetztes Fachverfahren.'),
        submit: 'Als Pilotbehörde bewerben',
      };
    case 'bereitschaft':
      return {
        intro: 'Bitte teilen Sie uns mit, ob Ihre Behörde bereit ist, den Online-Dienst einzusetzen, oder was noch fehlt.',
        fields: [
          w.choices('radio', 'status', 'Ist Ihre Behörde bereit?', offered(STATUS_LABELS, options)),
          offers('bereit-ab') ? w.input('date', 'ab', 'Bereit ab', `Nur bei „ab einem bestimmten Datum“. ${DATE_HINT}`) : '',
          !offers('nicht-bereit') ? '' : w.choices(
            'checkbox',
            'gruende',
            'Was fehlt noch?',
            REASON_LABELS,
            'Nur bei „noch nicht bereit“. Mehrere Antworten möglich.',
          ),
          w.textarea('freitext', 'Erläuterung', 'Pflicht bei „Sonstiges“, sonst freiwillig.'),
        ].join('\n'),
        submit: 'Antwort senden',
      };
    case 'bus-bb':
      return {
        intro:
          'Bitte melden Sie, wie weit Ihre Behörde im BUS-BB ist: Online-Dienst angelegt, Zuständigkeit (Organisationseinheit und Gebiet) zugeordnet, im Landesserviceportal sichtbar. ' +
          'Sobald die Zuständigkeit zugeordnet ist, geben Sie bitte auch die Adresse des Online-Dienstes und den Tag der Verknüpfung an.',
        fields: [
          w.choices('checkbox', 'schritte', 'Welche Schritte sind erledigt?', BUS_BB_SCHRITT_LABELS, 'Mehrere Antworten möglich. Die Landesredaktion bestätigt die Schritte.'),
          w.input('url', 'onlineDienstUrl', 'Adresse (URL) des Online-Dienstes', 'Beginnt mit https://', ' autocomplete="url" spellcheck="false"'),
          w.input('date', 'verknuepftAm', 'Verknüpft am', DATE_HINT),
        ].join('\n'),
        submit: 'Verknüpfung melden',
      };
    case 'pilotbetrieb':
    case 'ticket':
      // the pilot's page and the ticket page have forms of their own
      return { intro: '', fields: '', submit: '' };
  }
}

/** The summary above a form sent back with errors; each entry jumps to its field. */
export function errorSummary(errors: readonly FieldError[], anchor: (field: string) => string = (field) => `f-${field}`): string {
  if (errors.length === 0) return '';
  return `<div class="zusammenfassung" role="alert" aria-labelledby="fehler-titel" tabindex="-1">
<h2 id="fehler-titel">Bitte prüfen Sie Ihre Angaben</h2>
<ul>${errors.map((e) => `<li><a href="#${escapeHtml(anchor(e.field))}">${escapeHtml(e.message)}</a></li>`).join('')}</ul>
</div>`;
}

export function renderAnswerForm(ctx: LinkContext, view: FormView): string {
  const w = new FormWriter(view);
  const { intro, fields, submit } = formFields(ctx.purpose, w, view.options);
  const errors = view.errors ?? [];
  const limited =
    view.options && ctx.purpose !== 'ticket' && view.options.length < ANSWER_OPTIONS[ctx.purpose].length
      ? `<p>Stand Ihrer Behörde: <strong>${escapeHtml(STAGE_WORDS[view.stage ?? ''] ?? view.stage ?? '')}</strong>. Das Formular bietet deshalb nur die Antworten an, die jetzt noch möglich sind.</p>`
      : '';
  // a choice's first offered option: the one anchorOf names may not be offered now
  const firstOffered = view.options?.[0];
  const summary = errorSummary(errors, (field) => ((field === 'wahl' || field === 'status') && firstOffered ? `f-${field}-${firstOffered}` : anchorOf(field)));
  const title = PURPOSE_TITLES[ctx.purpose];
  return renderLayout(
    `${errors.length ? 'Fehler: ' : ''}${title}`,
    `${summary}
<h1>${escapeHtml(title)}</h1>
${aboutBlock(ctx)}
<p>${escapeHtml(intro)}</p>
${deadlineLine(ctx)}
${limited}
<form method="post" action="${escapeHtml(view.action)}" novalidate>
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
${fields}
<button type="submit">${escapeHtml(submit)}</button>
</form>
<p class="hinweis">Dieser Link gilt bis ${escapeHtml(germanDateTime(ctx.expiresAt))} und nimmt eine Antwort an.</p>
${contactBlock(ctx)}`,
  );
}

// ---------------------------------------------------------------------------
// The other pages

export function renderThanksPage(ctx: LinkContext, recorded: RecordedAnswer): string {
  return renderLayout(
    'Vielen Dank',
    `<h1>Vielen Dank, Ihre Antwort ist eingegangen</h1>
${aboutBlock(ctx)}
<h2>Ihre Angaben</h2>
${answerList(recorded)}
<p>Sie müssen nichts weiter tun. Erinnerungen zu dieser Anfrage erhalten Sie nicht mehr.</p>
${contactBlock(ctx)}`,
  );
}

export function renderAlreadyAnsweredPage(ctx: LinkContext, recorded: RecordedAnswer | null): string {
  return renderLayout(
    'Bereits beantwortet',
    `<h1>Diese Anfrage ist bereits beantwortet</h1>
${aboutBlock(ctx)}
<p>Über diesen Link ist schon eine Antwort eingegangen. Eine zweite Antwort ist nicht möglich; es wurde nichts geändert.</p>
<h2>Ihre Angaben</h2>
${answerList(recorded)}
<p>Wenn sich etwas geändert hat, wenden Sie sich bitte an das Ministerium.</p>
${contactBlock(ctx)}`,
  );
}

export function renderUnknownLinkPage(): string {
  return renderLayout(
    'Link ungültig',
    `<h1>Dieser Link ist ungültig</h1>
<p>Der Link ist unvollständig, verändert oder uns nicht bekannt. Es wurde nichts gespeichert.</p>
<p>Bitte öffnen Sie den Link direkt aus Ihrer E-Mail. Wenn Sie ihn kopieren, achten Sie darauf, ihn vollständig zu übernehmen.</p>
${contactBlock(null)}`,
  );
}

/** What an expired link had received: an answer is recorded even though the link can no longer be used. */
export interface ExpiredLinkAnswer {
  at: Date;
  recorded: RecordedAnswer | null;
}

/**
 * An expired link: what became of it and whom to ask depend on what the link was for –
 * an answer given through it stays recorded; the ticket link's contact is the Kaz, every
 * other link's the ministry that sent it.
 */
export function renderExpiredLinkPage(ctx: LinkContext | null, answered: ExpiredLinkAnswer | null = null): string {
  const until = `Der Link galt bis ${ctx ? escapeHtml(germanDateTime(ctx.expiresAt)) : 'zu einem früheren Datum'}.`;
  let body: string;
  if (answered) {
    body = `<p>${until} Ihre Antwort ist am ${escapeHtml(germanDateTime(answered.at))} eingegangen und gespeichert; sie gilt weiter.</p>
<h2>Ihre Angaben</h2>
${answerList(answered.recorded)}
<p>Sie müssen nichts weiter tun. Möchten Sie Ihre Antwort ändern, teilen Sie das bitte dem federführenden Ministerium mit (Kontakt unten); es trägt die Änderung für Ihre Behörde ein.</p>`;
  } else if (ctx?.purpose === 'ticket') {
    body = `<p>${until} Ihre Meldungen und Ihre Nachrichten an das Kommunale Anwendungszentrum (Kaz, ZIT-BB) bleiben gespeichert.</p>
<p>Einen neuen Link zu Ihren Meldungen erhalten Sie mit der nächsten E-Mail des Kaz. Besteht ein Problem weiter, wenden Sie sich bitte an das Kaz der ZIT-BB, oder melden Sie es über „Problem melden“ auf der Seite eines gültigen Links aus einer E-Mail des Ministeriums neu.</p>`;
  } else if (ctx?.purpose === 'pilotbetrieb') {
    body = `<p>${until} Was Sie zuvor in Ihrer Checkliste gespeichert haben, bleibt erhalten; der Go-live wurde über diesen Link nicht gemeldet.</p>
<p>Bitte fordern Sie beim federführenden Ministerium einen neuen Link an (Kontakt unten).</p>`;
  } else {
    body = `<p>${until} Es wurde nichts gespeichert.</p>
<p>Bitte fordern Sie beim federführenden Ministerium einen neuen Link an (Kontakt unten).</p>`;
  }
  return renderLayout(
    'Link abgelaufen',
    `<h1>Dieser Link ist abgelaufen</h1>
${ctx ? aboutBlock(ctx) : ''}
${body}
${contactBlock(ctx)}`,
  );
}

/** A link the ministry replaced by a new one (renewal): the new mail has the valid link. */
export function renderSupersededLinkPage(ctx: LinkContext | null): string {
  return renderLayout(
    'Link nicht mehr gültig',
    `<h1>Dieser Link ist nicht mehr gültig</h1>
${ctx ? aboutBlock(ctx) : ''}
<p>Das Ministerium hat Ihrer Behörde neue Links geschickt; dieser ältere Link gilt deshalb nicht mehr. Es wurde nichts gespeichert.</p>
<p>Bitte verwenden Sie den Link aus der neuesten E-Mail zu dieser Lösung.</p>
${contactBlock(ctx)}`,
  );
}

export function renderUnfittingAnswerPage(ctx: LinkContext, stage: string | null): string {
  const where = stage && STAGE_WORDS[stage] ? `<p>Aktueller Stand Ihrer Behörde: <strong>${escapeHtml(STAGE_WORDS[stage])}</strong>.</p>` : '';
  return renderLayout(
    'Antwort passt nicht zum Stand',
    `<h1>Ihre Antwort passt nicht zum aktuellen Stand</h1>
${aboutBlock(ctx)}
<p>Diese Antwort kann zum jetzigen Stand der Nachnutzung nicht angenommen werden, zum Beispiel weil der Online-Dienst bei Ihnen schon live ist oder die Nachnutzung gerade ruht. Es wurde nichts gespeichert und nichts geändert.</p>
${where}
${contactBlock(ctx)}`,
  );
}

/**
 * A valid, unanswered link that takes no answer (link-answers.ts): said before any form,
 * so that nobody fills one in for nothing.
 */
export function renderClosedQuestionPage(ctx: LinkContext, answerability: Exclude<LinkAnswerability, { state: 'offen' }>): string {
  let title: string;
  let text: string;
  if (answerability.state === 'beendet') {
    title = 'Keine Antwort mehr möglich';
    text =
      answerability.solutionStage === 'abgeschlossen'
        ? 'Der Rollout dieser EfA-Lösung ist abgeschlossen. Über diesen Link ist keine Antwort mehr möglich; Sie müssen nichts weiter tun.'
        : 'Das Ministerium hat den Rollout dieser EfA-Lösung beendet. Über diesen Link ist keine Antwort mehr möglich; Sie müssen nichts weiter tun.';
  } else if (answerability.state === 'ruht') {
    title = 'Der Rollout ruht gerade';
    text = `Das Ministerium hat den Rollout dieser EfA-Lösung vorübergehend angehalten. Sobald er weitergeht, können Sie über diesen Link antworten; er gilt bis ${germanDateTime(ctx.expiresAt)}.`;
  } else {
    const stage = answerability.stage ? STAGE_WORDS[answerability.stage] : undefined;
    title = 'Diese Anfrage hat sich erledigt';
    text = stage
      ? `Seit dieser E-Mail hat sich der Stand Ihrer Behörde geändert: ${stage}. Die Frage dieses Links stellt sich deshalb nicht mehr; Sie müssen hier nichts tun.`
      : 'Ihre Behörde nimmt an der Nachnutzung dieser EfA-Lösung nicht mehr teil. Die Frage dieses Links stellt sich deshalb nicht mehr; Sie müssen hier nichts tun.';
  }
  return renderLayout(
    title,
    `<h1>${escapeHtml(title)}</h1>
${aboutBlock(ctx)}
<p>${escapeHtml(text)}</p>
<p>Wenn Sie dazu Fragen haben, wenden Sie sich bitte an das Ministerium.</p>
${contactBlock(ctx)}`,
  );
}

export function renderFormRejectedPage(): string {
  return renderLayout(
    'Formular nicht angenommen',
    `<h1>Das Formular konnte nicht angenommen werden</h1>
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
export function renderInvalidInputPage(fieldLabels: readonly string[]): string {
  const fields = fieldLabels.length
    ? `<ul>${fieldLabels.map((label) => `<li>${escapeHtml(label)}</li>`).join('')}</ul>`
    : '';
  return renderLayout(
    'Fehler: ungültige Zeichen',
    `<div class="zusammenfassung" role="alert" aria-labelledby="fehler-titel" tabindex="-1">
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
export function renderErrorPage(status: number, retryAfterSeconds?: number): string {
  if (status === 429) {
    const wait = retryAfterSeconds && retryAfterSeconds > 1 ? `${retryAfterSeconds} Sekunden` : 'einem Moment';
    return renderLayout(
      'Zu viele Anfragen',
      `<h1>Bitte warten Sie einen Moment</h1>
<p>Von Ihrem Anschluss sind in kurzer Zeit sehr viele Anfragen gekommen. Es wurde nichts gespeichert.</p>
<p>Bitte öffnen Sie den Link aus Ihrer E-Mail in ${escapeHtml(wait)} erneut; er bleibt gültig.</p>
${contactBlock(null)}`,
    );
  }
  if (status === 408) {
    return renderLayout(
      'Zeitüberschreitung',
      `<h1>Die Übertragung hat zu lange gedauert</h1>
<p>Ihr Formular ist nicht vollständig angekommen. Es wurde nichts gespeichert.</p>
<p>Bitte öffnen Sie den Link aus Ihrer E-Mail erneut und senden Sie das Formular noch einmal ab.</p>
${contactBlock(null)}`,
    );
  }
  const detail =
    status >= 500
      ? 'Ihre Antwort konnte wegen eines technischen Fehlers nicht verarbeitet werden. Bitte versuchen Sie es später noch einmal.'
      : 'Die Anfrage konnte nicht verarbeitet werden. Bitte öffnen Sie den Link aus Ihrer E-Mail erneut.';
  return renderLayout('Fehler', `<h1>Das hat leider nicht geklappt</h1><p>${escapeHtml(detail)}</p>${contactBlock(null)}`);
}
