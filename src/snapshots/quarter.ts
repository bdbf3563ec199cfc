import { berlinDate, berlinTime } from '../time/berlin.clock.ts';

/**
 * Quarters as Brandenburg's calendar counts them: '2026-Q4' runs from 1 October 00:00 to
 * 1 January 00:00 Berlin time. A quarter's snapshot is due at its end – the first instant
 * of the next quarter – and records the quarter that has just ended.
 */

export const QUARTER_PATTERN = '^\\d{4}-Q[1-4]$';
const QUARTER = /^(\d{4})-Q([1-4])$/;

export function isQuarter(value: unknown): value is string {
  return typeof value === 'string' && QUARTER.test(value);
}

function parts(quarter: string): { year: number; q: number } {
  const match = QUARTER.exec(quarter);
  if (!match) throw new RangeError(`kein Quartal: ${quarter}`);
  return { year: Number(match[1]), q: Number(match[2]) };
}

const label = (year: number, q: number) => `${year}-Q${q}`;

/** The quarter Berlin's calendar is in at `instant`. */
export function quarterOf(instant: Date): string {
  const [year, month] = berlinDate(instant).split('-').map(Number) as [number, number];
  return label(year, Math.ceil(month / 3));
}

export function nextQuarter(quarter: string): string {
  const { year, q } = parts(quarter);
  return q === 4 ? label(year + 1, 1) : label(year, q + 1);
}

export function previousQuarter(quarter: string): string {
  const { year, q } = parts(quarter);
  return q === 1 ? label(year - 1, 4) : label(year, q - 1);
}

/** The first instant of the quarter in Berlin (1 October 00:00 for Q4). */
export function quarterStart(quarter: string): Date {
  const { year, q } = parts(quarter);
  return berlinTime(`${year}-${String((q - 1) * 3 + 1).padStart(2, '0')}-01`, 0, 0);
}

/** The instant the quarter ends: the first of the next; its snapshot is due then. */
export const quarterEnd = (quarter: string): Date => quarterStart(nextQuarter(quarter));

/** The newest quarter that has ended at `instant` (on 5 January 2027: '2026-Q4'). */
export const lastEndedQuarter = (instant: Date): string => previousQuarter(quarterOf(instant));

/** „4. Quartal 2026“. */
export function quarterWords(quarter: string): string {
  const { year, q } = parts(quarter);
  return `${q}. Quartal ${year}`;
}
