import { html, type Html } from '../markup/html.ts';
import { BOARD_PATH } from './ticket-board.page.ts';
import { EMPTY_CHOICE, queryOfChoice, type TicketFilterChoice } from './ticket-filter.ts';

/** The Lagebild's numbers and where they lead: the path, a number as a link with its purpose for screen readers, the board's filters. */

export const LAGEBILD_PATH = '/verwaltung/lagebild';

export const count = (n: number) => n.toLocaleString('de-DE');

export const percentText = (n: number) => `${count(n)} %`;

/** A number that opens the list behind it; 0 has no list and stays text. */
export function linkedCount(n: number, href: string, purpose: string): Html {
  if (n === 0) return html`0`;
  return html`<a href="${href}">${count(n)}<span class="unsichtbar"> – ${purpose}</span></a>`;
}

/** The ticket board with a filter, as its own form writes it (ticket-filter.ts). */
export function boardLink(choice: Partial<TicketFilterChoice>): string {
  return `${BOARD_PATH}?${queryOfChoice({ ...EMPTY_CHOICE, ...choice })}`;
}
