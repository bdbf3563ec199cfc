import type { MailingLinkPurpose, MailDetails, MailingKind, ResponsibilityLevel, TemplateKind } from '../db/schema.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { html, trustedHtml, type Html } from '../markup/html.ts';

/**
 * Mail templates: `{{name}}` placeholders over a fixed vocabulary, rendered into a
 * subject, a plain-text part and a full HTML document. Pure – no database, no clock –
 * so a preview and the real mail come out byte for byte the same.
 */

export const MAILING_KINDS: readonly MailingKind[] = [
  'erstinformation',
  'pilotaufruf',
  'pilot-einladung',
  'rollout-einladung',
  'erinnerung',
  'eskalation',
];

/** The Erstinformation's copy to the multipliers (Spitzenverbände, Kaz/ZIT-BB): no authority, no links. */
export const MULTIPLIER_TEMPLATE = 'erstinformation-multiplikator' satisfies TemplateKind;

/** Every text a solution can edit; the multiplier copy right after the mail it accompanies. */
export const TEMPLATE_KINDS: readonly TemplateKind[] = [
  'erstinformation',
  MULTIPLIER_TEMPLATE,
  'pilotaufruf',
  'pilot-einladung',
  'rollout-einladung',
  'erinnerung',
  'eskalation',
];

export const PLACEHOLDERS = [
  'behoerde.name',
  'behoerde.ars',
  'loesung.titel',
  'loesung.ozgId',
  'loesung.leikaSchluessel',
  'ministerium',
  'kontakt.name',
  'kontakt.email',
  'kontakt.telefon',
  'kosten',
  'termine',
  'sachstand',
  'frist',
  'link.interesse',
  'link.pilot',
  'link.bereitschaft',
  'link.busbb',
  'link.pilotbetrieb',
  'link.liste',
  'erinnerung.nummer',
  'offene.anzahl',
  'offene.liste',
  'zustaendigkeit',
  'empfaenger.anzahl',
] as const;

export type Placeholder = (typeof PLACEHOLDERS)[number];

export interface MailTemplate {
  subject: string;
  textBody: string;
  htmlBody: string;
}

export interface MailContext {
  /** The addressed authority; null for mails to the ministry itself (Eskalation). */
  behoerde: { name: string; ars: string } | null;
  loesung: { titel: string; ozgId: string; leikaKeys: string[] };
  /** The lead ministry as mails name it: full name and short code from the ministries' table (ministry-names.ts), e.g. "Ministerium für Gesundheit und Soziales (MGS)"; an unknown code alone. */
  ministerium: string;
  details: MailDetails;
  /** Answer deadline as YYYY-MM-DD, or null. */
  frist: string | null;
  links: Partial<Record<MailingLinkPurpose, string>>;
  erinnerungNummer?: number;
  /** Eskalation: the authorities that have not answered. */
  offene?: { name: string; ars: string }[];
  /** The solution's Zuständigkeit: which kind of authority it addresses. */
  zustaendigkeit?: ResponsibilityLevel;
  /** Multiplier copy: how many authorities the mailing was sent to. */
  empfaengerAnzahl?: number;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const LINK_PLACEHOLDERS: Record<MailingLinkPurpose, Placeholder> = {
  interesse: 'link.interesse',
  pilot: 'link.pilot',
  bereitschaft: 'link.bereitschaft',
  'bus-bb': 'link.busbb',
  pilotbetrieb: 'link.pilotbetrieb',
};

const KNOWN = new Set<string>(PLACEHOLDERS);
/** A complete placeholder; the name is checked against PLACEHOLDERS separately. */
const TOKEN = /\{\{([^{}]*)\}\}/g;
const NONE = '–';

/**
 * The response links a kind's mail carries (and for which the sender must create
 * signed links). `erinnerung` answers []: a reminder carries the links of the mailing
 * it reminds of – the caller passes that mailing's links in the context, and the
 * default reminder text lists them with `{{link.liste}}`, whatever they are.
 */
export function linkPurposesFor(kind: TemplateKind): MailingLinkPurpose[] {
  switch (kind) {
    case 'erstinformation':
      return ['interesse', 'pilot'];
    case 'pilotaufruf':
      return ['pilot'];
    case 'pilot-einladung':
      // to a confirmed pilot: its own page (checklist, go-live); it asks for no readiness, which a confirmed pilot cannot answer
      return ['pilotbetrieb'];
    case 'rollout-einladung':
      return ['bereitschaft', 'bus-bb'];
    case 'erinnerung':
    case 'eskalation':
    case MULTIPLIER_TEMPLATE:
      return [];
  }
}

/**
 * Placeholders a kind's text may not use, and why. The multiplier copy addresses no
 * single authority and must carry no answer links (they would let a Verband answer for
 * an authority); the recipient count is known only when rendering that copy.
 */
function refusedPlaceholder(kind: TemplateKind, name: Placeholder): string | null {
  if (kind === MULTIPLIER_TEMPLATE) {
    if (name.startsWith('behoerde.')) return 'die Kopie an die Multiplikatoren richtet sich an keine einzelne Behörde';
    if (name.startsWith('link.')) return 'die Kopie an die Multiplikatoren enthält keine Antwort-Links; diese gelten nur für die einzelne Behörde';
    return null;
  }
  if (name === 'empfaenger.anzahl') return `nur in der Vorlage „${MULTIPLIER_TEMPLATE}“ bekannt`;
  return null;
}

/** The placeholders a kind's text may use. */
export function placeholdersFor(kind: TemplateKind): Placeholder[] {
  return PLACEHOLDERS.filter((name) => refusedPlaceholder(kind, name) === null);
}

/**
 * The link purposes a template names one by one – lets a sender check it created them
 * all. `{{link.liste}}` names none: it shows whichever links the context carries.
 */
export function linkPurposesIn(template: MailTemplate): MailingLinkPurpose[] {
  const used = new Set(placeholdersIn(`${template.subject}\n${template.textBody}\n${template.htmlBody}`));
  return (Object.keys(LINK_PLACEHOLDERS) as MailingLinkPurpose[]).filter((purpose) => used.has(LINK_PLACEHOLDERS[purpose]));
}

function placeholdersIn(source: string): string[] {
  return [...source.matchAll(TOKEN)].map((match) => match[1]!.trim());
}

const FIELDS: { key: keyof MailTemplate; field: string; label: string }[] = [
  { key: 'subject', field: '/subject', label: 'Der Betreff' },
  { key: 'textBody', field: '/textBody', label: 'Der Textteil' },
  { key: 'htmlBody', field: '/htmlBody', label: 'Der HTML-Teil' },
];

/**
 * Checks the parts that are present: not blank, every `{{…}}` a known placeholder that
 * the kind allows, no stray `{{` or `}}` (a typo there would otherwise reach hundreds of
 * authorities).
 */
export function validateTemplate(template: Partial<MailTemplate>, kind: TemplateKind): FieldError[] {
  const errors: FieldError[] = [];
  for (const { key, field, label } of FIELDS) {
    const source = template[key];
    if (source === undefined) continue;
    if (source.trim() === '') {
      errors.push({ field, message: `${label} darf nicht leer sein` });
      continue;
    }
    const unknown = new Set(placeholdersIn(source).filter((name) => !KNOWN.has(name)));
    for (const name of unknown) {
      errors.push({ field, message: `Unbekannter Platzhalter {{${name}}}; erlaubt: ${placeholdersFor(kind).join(', ')}` });
    }
    for (const name of new Set(placeholdersIn(source).filter((name) => KNOWN.has(name)))) {
      const reason = refusedPlaceholder(kind, name as Placeholder);
      if (reason) errors.push({ field, message: `Platzhalter {{${name}}} ist hier nicht erlaubt: ${reason}` });
    }
    const rest = source.replace(TOKEN, '');
    if (rest.includes('{{')) errors.push({ field, message: 'Ein Platzhalter wird mit „{{“ geöffnet, aber nicht mit „}}“ geschlossen' });
    if (rest.includes('}}')) errors.push({ field, message: 'Ein „}}“ schließt keinen mit „{{“ geöffneten Platzhalter' });
  }
  return errors;
}

const MONTHS = ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'];

/** "2027-01-15" → "15. Januar 2027"; read as a calendar date, never through a time zone. */
export function formatGermanDate(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  if (!match || !month) return isoDate;
  return `${Number(match[3])}. ${month} ${match[1]}`;
}

function present(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/** Descriptive link texts for `{{link.liste}}` (never "hier klicken"). */
const LINK_LABELS: Record<MailingLinkPurpose, string> = {
  interesse: 'Interesse an der Nachnutzung bekunden',
  pilot: 'Als Pilotbehörde bewerben',
  bereitschaft: 'Bereitschaft melden',
  'bus-bb': 'Verknüpfung des Online-Dienstes im BUS-BB melden',
  pilotbetrieb: 'Checkliste der Pilotbehörde und Go-live melden',
};

/** Whom a solution's Zuständigkeit addresses, as the multiplier copy names them. */
const ZUSTAENDIGKEIT: Record<ResponsibilityLevel, string> = {
  gemeinde: 'Ämter, amtsfreie Gemeinden, Verbandsgemeinden und kreisfreie Städte',
  kreis: 'Landkreise und kreisfreie Städte',
  liste: 'ausgewählte Behörden',
};

/** A placeholder's value: text, a list of lines, or a list of links – each part lays lists out itself. */
type Value = string | string[] | { label: string; url: string }[];

/** What differs between the recipients of one mailing; everything else in the context is the mailing's. */
export type RecipientPart = Pick<MailContext, 'behoerde' | 'links' | 'erinnerungNummer'>;
type RecipientPlaceholder =
  | 'behoerde.name'
  | 'behoerde.ars'
  | 'link.interesse'
  | 'link.pilot'
  | 'link.bereitschaft'
  | 'link.busbb'
  | 'link.pilotbetrieb'
  | 'link.liste'
  | 'erinnerung.nummer';

function recipientValuesOf(recipient: RecipientPart): Record<RecipientPlaceholder, Value> {
  const { links } = recipient;
  return {
    'behoerde.name': recipient.behoerde?.name ?? NONE,
    'behoerde.ars': recipient.behoerde?.ars ?? NONE,
    'link.interesse': links.interesse ?? NONE,
    'link.pilot': links.pilot ?? NONE,
    'link.bereitschaft': links.bereitschaft ?? NONE,
    'link.busbb': links['bus-bb'] ?? NONE,
    'link.pilotbetrieb': links.pilotbetrieb ?? NONE,
    'link.liste': (Object.keys(LINK_LABELS) as MailingLinkPurpose[]).flatMap((purpose) => {
      const url = links[purpose];
      return url ? [{ label: LINK_LABELS[purpose], url }] : [];
    }),
    'erinnerung.nummer': recipient.erinnerungNummer === undefined ? NONE : String(recipient.erinnerungNummer),
  };
}

function valuesOf(context: MailContext): Record<Placeholder, Value> {
  return { ...sharedValuesOf(context), ...recipientValuesOf(context) };
}

function sharedValuesOf(context: MailContext): Record<Exclude<Placeholder, RecipientPlaceholder>, Value> {
  const { details } = context;
  const offene = context.offene ?? [];
  return {
    'loesung.titel': context.loesung.titel,
    'loesung.ozgId': context.loesung.ozgId,
    'loesung.leikaSchluessel': context.loesung.leikaKeys.length ? context.loesung.leikaKeys.join(', ') : NONE,
    ministerium: context.ministerium,
    'kontakt.name': present(details.kontaktName) ?? `Fachreferat im ${context.ministerium}`,
    'kontakt.email': present(details.kontaktEmail) ?? NONE,
    'kontakt.telefon': present(details.kontaktTelefon) ?? NONE,
    kosten: present(details.kosten) ?? 'werden noch bekannt gegeben',
    termine: present(details.termine) ?? 'werden noch bekannt gegeben',
    sachstand: present(details.sachstand) ?? 'wird noch bekannt gegeben',
    frist: context.frist ? formatGermanDate(context.frist) : 'ohne Frist',
    'offene.anzahl': String(offene.length),
    'offene.liste': offene.map((authority) => `${authority.name} (${authority.ars})`),
    zustaendigkeit: context.zustaendigkeit ? ZUSTAENDIGKEIT[context.zustaendigkeit] : NONE,
    'empfaenger.anzahl': context.empfaengerAnzahl === undefined ? NONE : String(context.empfaengerAnzahl),
  };
}

function substitute(source: string, values: Record<Placeholder, Value>, format: (value: Value) => string): string {
  // One pass: a value that itself contains "{{…}}" is never expanded again.
  return source.replace(TOKEN, (whole, name: string) => {
    const key = name.trim();
    return KNOWN.has(key) ? format(values[key as Placeholder]) : whole;
  });
}

const lineOf = (item: string | { label: string; url: string }) => (typeof item === 'string' ? item : `${item.label}: ${item.url}`);
const asText = (value: Value) => (typeof value === 'string' ? value : value.map((item) => `- ${lineOf(item)}`).join('\n') || NONE);
const asSubject = (value: Value) => (typeof value === 'string' ? value : value.map(lineOf).join(', ') || NONE);
/** Text whose line breaks become <br> – in the mailings' and the ticket mails' HTML. */
export const lineBreaks = (value: string): Html => html`${value.split(/\r?\n/).map((line, index) => (index === 0 ? line : html`<br>\n${line}`))}`;
const asHtml = (value: Value): Html => {
  if (typeof value === 'string') return lineBreaks(value);
  if (!value.length) return html`${NONE}`;
  return html`<ul>${value.map((item) => html`<li>${typeof item === 'string' ? item : html`<a href="${item.url}">${item.label}</a>`}</li>`)}</ul>`;
};

/**
 * A template's HTML part with its placeholders filled in. The template is markup by
 * definition – written by the ministry's staff, checked on saving (validateTemplate) and
 * shown in the preview – so its own text enters as it is; every value filled into it is
 * text and escaped by `html` (asHtml). The architecture test lists this file as one of
 * the few callers of trustedHtml.
 */
function fillHtml(source: string, values: Record<Placeholder, Value>): Html {
  return trustedHtml(substitute(source, values, (value) => asHtml(value).toString()).trim());
}

/**
 * The frame of every HTML mail (mailings and ticket mails); the last argument names the sender in the footer.
 * Inline styles, because many mail clients drop <style>: 16px sans-serif, #1a1a1a on
 * white (contrast > 15:1) and links in #0b4f8a (> 8:1), underlined.
 */
export function htmlDocument(title: string, content: Html, ministerium: string): string {
  return html`<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { margin: 0; padding: 0; background: #ffffff; color: #1a1a1a; }
  a { color: #0b4f8a; text-decoration: underline; }
  h1 { font-size: 1.375em; line-height: 1.3; }
  h2 { font-size: 1.125em; line-height: 1.3; margin-top: 1.5em; }
</style>
</head>
<body style="margin:0;padding:0;background:#ffffff;color:#1a1a1a;">
<div role="article" aria-label="${title}" lang="de" style="max-width:40em;margin:0 auto;padding:24px 16px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;background:#ffffff;">
${content}
<hr style="border:none;border-top:1px solid #6b6b6b;margin:32px 0 12px;">
<p style="font-size:14px;color:#4a4a4a;">${ministerium} – Land Brandenburg</p>
</div>
</body>
</html>
`.toString();
}

const subjectLine = (subject: string) => subject.replace(/\s*[\r\n]+\s*/g, ' ').trim();

export function renderMail(template: MailTemplate, context: MailContext): RenderedMail {
  const values = valuesOf(context);
  const subject = subjectLine(substitute(template.subject, values, asSubject));
  const text = substitute(template.textBody, values, asText);
  return { subject, text, html: htmlDocument(subject, fillHtml(template.htmlBody, values), context.ministerium) };
}

/** A template part as text runs and the recipient's placeholders between them: runs[0] slot[0] runs[1] … */
interface CompiledPart {
  runs: string[];
  slots: RecipientPlaceholder[];
}

/**
 * Fills the mailing's own placeholders once and leaves the recipient's as slots – the same
 * single pass as `substitute`, so a value containing "{{…}}" is never expanded.
 */
function compilePart(source: string, shared: Record<Exclude<Placeholder, RecipientPlaceholder>, Value>, format: (value: Value) => string): CompiledPart {
  const runs: string[] = [];
  const slots: RecipientPlaceholder[] = [];
  let run = '';
  let last = 0;
  for (const match of source.matchAll(TOKEN)) {
    run += source.slice(last, match.index);
    last = match.index + match[0].length;
    const key = match[1]!.trim();
    if (!KNOWN.has(key)) run += match[0];
    else if (key in shared) run += format(shared[key as keyof typeof shared]);
    else {
      runs.push(run);
      slots.push(key as RecipientPlaceholder);
      run = '';
    }
  }
  runs.push(run + source.slice(last));
  return { runs, slots };
}

function fillPart(part: CompiledPart, values: Record<RecipientPlaceholder, Value>, format: (value: Value) => string): string {
  let out = part.runs[0]!;
  for (let i = 0; i < part.slots.length; i++) out += format(values[part.slots[i]!]) + part.runs[i + 1]!;
  return out;
}

/** One mailing's template, prepared once: per recipient only its own placeholders are filled. */
export interface PreparedMail {
  render(recipient: RecipientPart): RenderedMail;
}

/**
 * `renderMail` for many recipients of one mailing: the template is parsed and the mailing's
 * values (solution, ministry, contact, deadline …) formatted once; each recipient's mail is
 * byte for byte what `renderMail` gives for the context with that recipient's part.
 */
export function prepareMail(template: MailTemplate, context: Omit<MailContext, keyof RecipientPart>): PreparedMail {
  const shared = sharedValuesOf({ ...context, behoerde: null, links: {} });
  const subject = compilePart(template.subject, shared, asSubject);
  const text = compilePart(template.textBody, shared, asText);
  const htmlBody = compilePart(template.htmlBody, shared, (value) => asHtml(value).toString());
  return {
    render(recipient) {
      const values = recipientValuesOf(recipient);
      const subjectText = subjectLine(fillPart(subject, values, asSubject));
      // As fillHtml: the template is the staff's markup (trustedHtml), every value filled in is escaped by asHtml.
      const content = trustedHtml(fillPart(htmlBody, values, (value) => asHtml(value).toString()).trim());
      return { subject: subjectText, text: fillPart(text, values, asText), html: htmlDocument(subjectText, content, context.ministerium) };
    },
  };
}
