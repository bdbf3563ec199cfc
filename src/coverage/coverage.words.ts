import { berlinDate } from '../time/berlin.clock.ts';
import type { CoverageBlocker } from './coverage.queries.ts';
import { READINESS_REASON_WORDS } from '../responses/stage.words.ts';

/**
 * What a missing authority waits for, in words – one wording for the coverage page and
 * the CSV export. Plain text, no markup; ticket numbers and titles only where the
 * coverage carries them (roles with ticket access).
 */

/** YYYY-MM-DD → dd.mm.yyyy. */
export function dayWords(date: string): string {
  const [year, month, day] = date.slice(0, 10).split('-');
  return `${day}.${month}.${year}`;
}

const tickets = (count: number, what: string) => (count === 1 ? `1 ${what} Ticket` : `${count} ${what} Tickets`);
const ticketList = (blocker: CoverageBlocker) => (blocker.tickets?.length ? `: ${blocker.tickets.map((t) => `#${t.number} „${t.title}“`).join(', ')}` : '');

export function blockerWords(blocker: CoverageBlocker): string {
  switch (blocker.kind) {
    case 'nicht-bereit': {
      const gruende = (blocker.gruende ?? []).map((g) => READINESS_REASON_WORDS[g] ?? g).join(', ');
      return `nicht bereit${gruende ? `: ${gruende}` : ''}${blocker.freitext ? ` („${blocker.freitext}“)` : ''}`;
    }
    case 'bereit-ab':
      return `bereit ab ${dayWords(blocker.ab ?? '')}`;
    case 'blockierende-tickets':
      return `${tickets(blocker.count ?? 0, blocker.count === 1 ? 'offenes blockierendes' : 'offene blockierende')} bei der Kaz${ticketList(blocker)}`;
    case 'offene-tickets':
      return `${tickets(blocker.count ?? 0, blocker.count === 1 ? 'weiteres offenes' : 'weitere offene')}${ticketList(blocker)}`;
    case 'ueberfaellig':
      return blocker.fristBis ? `Antwort überfällig (Frist bis ${dayWords(berlinDate(new Date(blocker.fristBis)))})` : 'Antwort überfällig';
    case 'abgelehnt':
      return `Nachnutzung abgelehnt${blocker.reason ? `: „${blocker.reason}“` : ''}`;
    case 'keine-antwort':
      return 'noch keine Antwort';
  }
}

/** All blockers in one line; '–' when none (the stage itself says what comes next). */
export function waitingWords(blockers: readonly CoverageBlocker[]): string {
  return blockers.length ? blockers.map(blockerWords).join('; ') : '–';
}
