/**
 * Brandenburg's calendar: "today", a deadline's day and dates typed by people are all
 * meant in Europe/Berlin, never in the server's or UTC's day. One module, used by all.
 */

const BERLIN_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar day in Brandenburg at `instant`, YYYY-MM-DD. */
export function berlinDate(instant: Date): string {
  // en-CA formats as YYYY-MM-DD
  return BERLIN_DATE.format(instant);
}

/** Whether `value` is a real calendar date in the form YYYY-MM-DD (2025-02-30 is not). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
