import type { Coverage } from '../coverage/coverage.queries.ts';
import { dayWords, waitingWords } from '../coverage/coverage.words.ts';
import { READINESS_REASON_WORDS } from '../responses/stage.words.ts';
import type { CsvCell } from './csv.ts';

/**
 * The coverage as a spreadsheet wants it: one row per missing authority with its Kreis's
 * figures in front (filter and sort by any column), and one row for each Kreis nobody is
 * missing in, its authority columns empty – so every Kreis appears. JSON: the Kreise as
 * GET …/coverage answers them.
 */

export const COVERAGE_HEADERS = [
  'Kreis (ARS)',
  'Kreis',
  'Zuständig',
  'Live',
  'Prozent live',
  'Flächendeckend',
  'ARS',
  'Behörde',
  'Stadium',
  'Wartet auf',
  'Bereit ab',
  'Gründe „nicht bereit“',
  'Freitext „nicht bereit“',
  'Offene blockierende Tickets',
  'Weitere offene Tickets',
  'Antwort überfällig',
  'Ablehnungsgrund',
];

export function coverageRows(coverage: Coverage): CsvCell[][] {
  return coverage.kreise.flatMap((kreis) => {
    const front: CsvCell[] = [kreis.kreisArs, kreis.name, kreis.responsible, kreis.live, kreis.percent, kreis.flaechendeckend];
    if (kreis.missing.length === 0) return [[...front, ...COVERAGE_HEADERS.slice(front.length).map(() => null)]];
    return kreis.missing.map((m) => {
      const of = (kind: string) => m.blockers.find((b) => b.kind === kind);
      return [
        ...front,
        m.ars,
        m.name,
        m.stageLabel,
        waitingWords(m.blockers),
        of('bereit-ab')?.ab ? dayWords(of('bereit-ab')!.ab!) : '',
        (of('nicht-bereit')?.gruende ?? []).map((g) => READINESS_REASON_WORDS[g] ?? g).join(', '),
        of('nicht-bereit')?.freitext ?? '',
        of('blockierende-tickets')?.count ?? 0,
        of('offene-tickets')?.count ?? 0,
        of('ueberfaellig') !== undefined,
        of('abgelehnt')?.reason ?? '',
      ];
    });
  });
}
