import type { FieldError } from '../errors/domain.errors.ts';
import type { ParticipantFilter, ParticipantSort } from '../solutions/participant.queries.ts';
import { COVERAGE_GROUPS, type CoverageGroup } from '../solutions/coverage-groups.ts';
import { OFFSET_MAX } from '../validation/common.schemas.ts';
import { PARTICIPANT_STAGES, READINESS_GRUENDE } from '../../workflows/index.ts';
import { formText, isArs, isUuid } from './staff-route.kit.ts';

/**
 * The participant table's address: its filters, sorting and page as GET parameters in
 * German (`?stadium=informiert&sortierung=aenderung&richtung=ab&seite=2`), read with the
 * bounds of the API's querystring (GET /api/v1/solutions/:id/participants) – a value the
 * API would refuse with 422 is refused here too, naming the field – and turned into the
 * same ParticipantFilter the API route builds.
 */

export const PAGE_SIZE = 50;
const SEARCH_MAX = 200;
/** The last page an offset within the API's bound can reach. */
const PAGE_MAX = Math.floor(OFFSET_MAX / PAGE_SIZE) + 1;

/** Column → sort key of the query; the German names are the page's. */
export const SORT_KEYS: Readonly<Record<string, ParticipantSort>> = { name: 'name', ars: 'ars', stadium: 'stage', aenderung: 'updatedAt' };

export interface ListQuery {
  stadium: string;
  kreis: string;
  welle: string;
  grund: string;
  blockiert: '' | 'ja' | 'nein';
  abdeckung: '' | CoverageGroup;
  /** 'ueberschritten': only those whose answer is overdue (the statewide overview links here). */
  frist: '' | 'ueberschritten';
  suche: string;
  sortierung: string;
  richtung: 'auf' | 'ab';
  seite: number;
}

export const EMPTY_QUERY: ListQuery = { stadium: '', kreis: '', welle: '', grund: '', blockiert: '', abdeckung: '', frist: '', suche: '', sortierung: 'name', richtung: 'auf', seite: 1 };

/** The query read from the URL, or the fields that are wrong (the page answers 422 with them). */
export function parseListQuery(raw: Record<string, unknown>): { query: ListQuery; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const query: ListQuery = { ...EMPTY_QUERY };
  const check = (field: keyof ListQuery, ok: (value: string) => boolean, message: string) => {
    const value = formText(raw, field);
    if (value === '') return;
    if (ok(value)) (query as unknown as Record<string, string>)[field] = value;
    else errors.push({ field, message });
  };
  check('stadium', (v) => (PARTICIPANT_STAGES as readonly string[]).includes(v), 'Dieses Stadium gibt es nicht.');
  check('kreis', isArs, 'Bitte einen Kreis aus der Liste wählen.');
  check('welle', isUuid, 'Bitte eine Welle aus der Liste wählen.');
  check('grund', (v) => (READINESS_GRUENDE as readonly string[]).includes(v), 'Diesen Grund gibt es nicht.');
  check('blockiert', (v) => v === 'ja' || v === 'nein', 'Bitte „ja“ oder „nein“ wählen.');
  check('abdeckung', (v) => (COVERAGE_GROUPS as readonly string[]).includes(v), 'Bitte eine Abdeckung aus der Liste wählen.');
  check('frist', (v) => v === 'ueberschritten', 'Bitte „Antwortfrist überschritten“ oder „alle“ wählen.');
  check('suche', (v) => v.length <= SEARCH_MAX && !/[\p{Cc}]/u.test(v), `Bitte höchstens ${SEARCH_MAX} Zeichen ohne Steuerzeichen eingeben.`);
  check('sortierung', (v) => v in SORT_KEYS, 'Nach dieser Spalte lässt sich nicht sortieren.');
  check('richtung', (v) => v === 'auf' || v === 'ab', 'Bitte „auf“ oder „ab“.');
  const page = formText(raw, 'seite');
  if (page !== '') {
    if (/^[0-9]{1,7}$/.test(page) && Number(page) >= 1 && Number(page) <= PAGE_MAX) query.seite = Number(page);
    else errors.push({ field: 'seite', message: `Bitte eine Seitenzahl von 1 bis ${PAGE_MAX}.` });
  }
  query.suche = query.suche.trim();
  return { query, errors };
}

/** The same filter the API route builds from its querystring; `now` judges the answer deadline (frist). */
export function filterOf(query: ListQuery, now?: Date): ParticipantFilter {
  return {
    ...(query.frist && now ? { answerOverdueAt: now } : {}),
    ...(query.stadium ? { stage: [query.stadium] } : {}),
    ...(query.kreis ? { kreisArs: query.kreis } : {}),
    ...(query.welle ? { waveId: query.welle } : {}),
    ...(query.grund ? { readinessReason: query.grund } : {}),
    ...(query.blockiert ? { blocked: query.blockiert === 'ja' } : {}),
    ...(query.abdeckung ? { coverage: query.abdeckung } : {}),
    ...(query.suche ? { q: query.suche } : {}),
    sort: SORT_KEYS[query.sortierung] ?? 'name',
    descending: query.richtung === 'ab',
    limit: PAGE_SIZE,
    offset: (query.seite - 1) * PAGE_SIZE,
  };
}

/** `?stadium=…&seite=2`: only what differs from the defaults. */
export function searchOf(query: ListQuery, change: Partial<ListQuery> = {}): string {
  const merged = { ...query, ...change };
  const params = new URLSearchParams();
  for (const key of Object.keys(EMPTY_QUERY) as (keyof ListQuery)[]) {
    const value = String(merged[key]);
    if (value !== String(EMPTY_QUERY[key])) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
