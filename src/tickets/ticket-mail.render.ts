import type { TicketCategory } from '../db/schema.ts';
import { htmlDocument, lineBreaks } from '../mailings/template.render.ts';
import { html, joinHtml, type Html } from '../markup/html.ts';
import type { TicketNoticeOccasion } from './ticket-notices.ts';
import { TICKET_CATEGORY_LABELS } from './ticket.views.ts';
import { germanDateTime } from '../time/berlin.clock.ts';

/**
 * The words of a ticket mail: subject, text and HTML from what the mail row says
 * (`details`, fixed when the notice was turned into mails) and one link. Pure, so a
 * delivery retry sends the identical mail.
 *
 * Two audiences: the authority hears what it needs to act – never the assignee, the
 * priority, the SLA or an internal note – and always gets the page of its ticket; the
 * Kaz (assignee, queue) and the ministry get the facts of the queue and the ticket's API
 * address, never a link token (the token would let them answer as the authority).
 */

/** What a ticket mail row keeps in `details`: the notice's own details plus the ticket's facts. */
export interface TicketMailDetails {
  anlass: TicketNoticeOccasion;
  nummer: number;
  titel: string;
  kategorie: TicketCategory;
  solutionId: string;
  loesungTitel: string;
  behoerde: string;
  /** When the change happened (ISO): the link's expiry counts from it. */
  ausgeloestAm: string;
  prioritaet: string;
  blockierend: boolean;
  /** Kaz mails: the ticket's next due time (ISO) and which one; null while it waits for the authority. */
  faelligAm: string | null;
  frist: 'erste-reaktion' | 'loesung' | null;
  /** Why there is no due time: the ticket waits for the authority, or is solved or closed. */
  ohneFrist?: string;
  /** geloest: how many days the authority may still report that the problem persists. */
  wiedereroeffnenTage?: number;
  [detail: string]: unknown;
}

export type TicketMailAudience = 'behoerde' | 'kaz' | 'ministerium';

export interface TicketMailInput {
  details: TicketMailDetails;
  audience: TicketMailAudience;
  /** The authority's ticket page (audience behoerde) or the ticket's API address (otherwise). */
  url: string;
}

/** Who opened a ticket, as the Kaz reads it in the mail of a new ticket. */
const SOURCE_WORDS: Readonly<Record<string, string>> = {
  behoerde: 'gemeldet von der Behörde über ihre Seite',
  automatisch: 'automatisch eröffnet, weil die Behörde „nicht bereit“ gemeldet hat',
  ministerium: 'eröffnet vom Ministerium',
};

const FRIST_LABELS = { 'erste-reaktion': 'erste Reaktion', loesung: 'Lösung' } as const;

const SENDER = 'Kommunales Anwendungszentrum (Kaz) der ZIT-BB';

type Block =
  | { kind: 'absatz'; text: string }
  | { kind: 'angaben'; rows: [label: string, value: string][] }
  | { kind: 'zitat'; label: string; text: string }
  | { kind: 'link'; label: string; url: string };

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/**
 * The authority's replies a behoerde-antwort notice gathered (ticket-notices.ts), oldest
 * first; a row written before replies were gathered has one `text`.
 */
function authorityReplies(details: TicketMailDetails): { text: string; at: string | null }[] {
  if (Array.isArray(details.antworten)) {
    return (details.antworten as { text?: unknown; at?: unknown }[]).map((reply) => ({ text: text(reply.text), at: typeof reply.at === 'string' ? reply.at : null }));
  }
  return [{ text: text(details.text), at: null }];
}
const oneLine = (value: string) => value.replace(/\s*[\r\n]+\s*/g, ' ').trim();

function whatHappened(details: TicketMailDetails): string {
  const frist = details.frist ? FRIST_LABELS[details.frist] : 'Frist';
  switch (details.anlass) {
    case 'eroeffnet':
      return 'Ticket eröffnet';
    case 'rueckfrage':
      return 'Rückfrage an Ihre Behörde';
    case 'antwort':
      return 'neue Antwort';
    case 'geloest':
      return 'gelöst';
    case 'zugewiesen':
      return 'Ihnen zugewiesen';
    case 'behoerde-antwort': {
      const count = authorityReplies(details).length;
      if (details.wiedereroeffnet === true) return count > 1 ? `von der Behörde wiedereröffnet (${count} Antworten)` : 'von der Behörde wiedereröffnet';
      return count > 1 ? `${count} Antworten der Behörde` : 'Antwort der Behörde';
    }
    case 'sla-warnung':
      return `Frist „${frist}“ bald erreicht`;
    case 'eskalation':
      return `Frist „${frist}“ überschritten`;
  }
}

function authorityBlocks(details: TicketMailDetails, pageUrl: string): Block[] {
  const about: Block = {
    kind: 'angaben',
    rows: [
      ['Ticket', `${details.nummer} – ${details.titel}`],
      ['EfA-Lösung', details.loesungTitel],
      ['Thema', TICKET_CATEGORY_LABELS[details.kategorie] ?? details.kategorie],
    ],
  };
  const page: Block = { kind: 'link', label: 'Ihr Ticket ansehen und beantworten', url: pageUrl };
  const greeting: Block = { kind: 'absatz', text: `Guten Tag,` };
  switch (details.anlass) {
    case 'eroeffnet': {
      const why =
        details.quelle === 'automatisch'
          ? 'Sie haben gemeldet, dass Ihre Behörde für die EfA-Lösung noch nicht bereit ist. Für diesen Grund hat das Kommunale Anwendungszentrum (Kaz) der ZIT-BB ein Ticket angelegt, um Sie bei der Anbindung zu unterstützen.'
          : `für Ihre Behörde (${details.behoerde}) ist beim Kommunalen Anwendungszentrum (Kaz) der ZIT-BB ein Ticket zur EfA-Lösung eröffnet worden.`;
      return [
        greeting,
        { kind: 'absatz', text: why },
        about,
        { kind: 'zitat', label: 'Gemeldet wurde', text: text(details.beschreibung) },
        {
          kind: 'absatz',
          text: 'Wie es weitergeht: Das Kaz prüft das Anliegen und meldet sich bei Ihnen, sobald es eine Antwort oder eine Rückfrage gibt. Auf der Seite Ihres Tickets sehen Sie jederzeit den Stand und können Angaben ergänzen.',
        },
        page,
      ];
    }
    case 'rueckfrage':
      return [
        greeting,
        { kind: 'absatz', text: 'zu Ihrem Ticket benötigt das Kommunale Anwendungszentrum (Kaz) der ZIT-BB noch Angaben von Ihrer Behörde. Bis Ihre Antwort vorliegt, ruht die Bearbeitung.' },
        about,
        { kind: 'zitat', label: 'Das Kaz benötigt', text: text(details.grund) },
        { kind: 'absatz', text: 'Bitte antworten Sie auf der Seite Ihres Tickets.' },
        page,
      ];
    case 'antwort':
      return [
        greeting,
        { kind: 'absatz', text: 'zu Ihrem Ticket gibt es eine neue Antwort.' },
        about,
        { kind: 'zitat', label: 'Antwort', text: text(details.text) },
        { kind: 'absatz', text: 'Auf der Seite Ihres Tickets können Sie darauf antworten.' },
        page,
      ];
    case 'geloest': {
      const days = details.wiedereroeffnenTage;
      return [
        greeting,
        { kind: 'absatz', text: 'Ihr Ticket ist gelöst.' },
        about,
        { kind: 'zitat', label: 'Lösung', text: text(details.loesung) },
        {
          kind: 'absatz',
          text: `Besteht das Problem weiter, antworten Sie bitte ${days ? `innerhalb von ${days} Tagen ` : ''}auf der Seite Ihres Tickets; das Kaz nimmt die Bearbeitung dann wieder auf.`,
        },
        page,
      ];
    }
    default:
      // Only the occasions above reach an authority (see the activity's recipients).
      throw new Error(`Anlass ${details.anlass} geht nicht an die Behörde`);
  }
}

function internalBlocks(details: TicketMailDetails, audience: 'kaz' | 'ministerium', pageUrl: string): Block[] {
  const due = details.faelligAm ? `${germanDateTime(details.faelligAm, { weekday: true })}${details.frist ? ` (${FRIST_LABELS[details.frist]})` : ''}` : `keine (${details.ohneFrist ?? 'wartet auf die Behörde'})`;
  const facts: Block = {
    kind: 'angaben',
    rows: [
      ['Ticket', `${details.nummer} – ${details.titel}`],
      ['Behörde', details.behoerde],
      ['EfA-Lösung', details.loesungTitel],
      ['Thema', TICKET_CATEGORY_LABELS[details.kategorie] ?? details.kategorie],
      ['Priorität', details.prioritaet],
      ['Blockiert den Live-Gang', details.blockierend ? 'ja' : 'nein'],
      ['Fällig', due],
    ],
  };
  const api: Block = { kind: 'link', label: 'Ticket in der Weboberfläche öffnen', url: pageUrl };
  const intro = ((): Block[] => {
    switch (details.anlass) {
      case 'eroeffnet':
        return [
          { kind: 'absatz', text: `ein neues Ticket ist eingegangen – ${SOURCE_WORDS[text(details.quelle)] ?? 'eröffnet'}.` },
          { kind: 'zitat', label: 'Beschreibung', text: text(details.beschreibung) },
        ];
      case 'zugewiesen':
        return [{ kind: 'absatz', text: `das folgende Ticket ist Ihnen zugewiesen worden${text(details.zugewiesenVon) ? ` (von ${text(details.zugewiesenVon)})` : ''}.` }];
      case 'behoerde-antwort': {
        const replies = authorityReplies(details);
        const many = replies.length > 1;
        return [
          details.wiedereroeffnet === true
            ? { kind: 'absatz', text: 'die Behörde meldet auf der Seite ihres Tickets, dass das Problem weiter besteht; das Ticket ist wieder in Bearbeitung.' }
            : { kind: 'absatz', text: many ? `die Behörde hat auf der Seite ihres Tickets ${replies.length}-mal geantwortet.` : 'die Behörde hat auf der Seite ihres Tickets geantwortet.' },
          ...replies.map(
            (reply, index): Block => ({
              kind: 'zitat',
              label: many ? `Antwort ${index + 1} von ${replies.length}${reply.at ? ` (${germanDateTime(reply.at)})` : ''}` : 'Antwort der Behörde',
              text: reply.text,
            }),
          ),
        ];
      }
      case 'sla-warnung':
        return [{ kind: 'absatz', text: `75 % der Zeit für die ${details.frist ? FRIST_LABELS[details.frist] : 'Frist'} sind verbraucht.` }];
      case 'eskalation':
        return [
          {
            kind: 'absatz',
            text:
              audience === 'ministerium'
                ? `die Frist für die ${details.frist ? FRIST_LABELS[details.frist] : 'Bearbeitung'} eines Tickets ist überschritten. Das Ticket hält den Live-Gang der Behörde auf; das Kaz ist informiert.`
                : `die Frist für die ${details.frist ? FRIST_LABELS[details.frist] : 'Bearbeitung'} ist überschritten.`,
          },
        ];
      default:
        throw new Error(`Anlass ${details.anlass} geht nicht an das Kaz`);
    }
  })();
  return [{ kind: 'absatz', text: 'Guten Tag,' }, ...intro, facts, api];
}

function asText(blocks: Block[]): string {
  const parts = blocks.map((block) => {
    switch (block.kind) {
      case 'absatz':
        return block.text;
      case 'angaben':
        return block.rows.map(([label, value]) => `${label}: ${oneLine(value)}`).join('\n');
      case 'zitat':
        return `${block.label}:\n${block.text || '–'}`;
      case 'link':
        return `${block.label}:\n${block.url}`;
    }
  });
  return `${[...parts, `Mit freundlichen Grüßen\n${SENDER}`].join('\n\n')}\n`;
}

function blockHtml(block: Block): Html {
  switch (block.kind) {
    case 'absatz':
      return html`<p>${lineBreaks(block.text)}</p>`;
    case 'angaben':
      return html`<ul>${block.rows.map(([label, value]) => html`<li>${label}: ${oneLine(value)}</li>`)}</ul>`;
    case 'zitat':
      return html`<h2>${block.label}</h2>\n<blockquote style="margin:0 0 0 12px;padding-left:12px;border-left:3px solid #6b6b6b;"><p>${lineBreaks(block.text || '–')}</p></blockquote>`;
    case 'link':
      return html`<p><a href="${block.url}">${block.label}</a><br>\n${block.url}</p>`;
  }
}

function asHtml(blocks: Block[]): Html {
  return joinHtml([...blocks.map(blockHtml), html`<p>Mit freundlichen Grüßen<br>\n${SENDER}</p>`], '\n');
}

export function renderTicketMail(input: TicketMailInput): { subject: string; text: string; html: string } {
  const { details, audience, url } = input;
  const subject = oneLine(`[Kaz-Ticket ${details.nummer}] ${details.titel} – ${whatHappened(details)}`);
  const blocks = audience === 'behoerde' ? authorityBlocks(details, url) : internalBlocks(details, audience, url);
  return { subject, text: asText(blocks), html: htmlDocument(subject, asHtml(blocks), SENDER) };
}
