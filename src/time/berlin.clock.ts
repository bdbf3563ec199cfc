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

/**
 * The years a date of this service may fall in (as CALENDAR_DATE_PATTERN of the request
 * schemas): PostgreSQL has no year 0000, and days added to 9999-12-31 leave YYYY-MM-DD.
 */
const FIRST_YEAR = 1900;
const LAST_YEAR = 2999;

/** Whether `value` is a real calendar date in the form YYYY-MM-DD (2025-02-30 is not), from 1900 to 2999. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < FIRST_YEAR || year > LAST_YEAR) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const BERLIN_WALL = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Berlin',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Berlin's offset from UTC at `instant` in milliseconds (+1 h in winter, +2 h in summer). */
export function berlinOffsetMs(instant: Date): number {
  const parts = Object.fromEntries(BERLIN_WALL.formatToParts(instant).map((part) => [part.type, part.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant at which Berlin's clocks show `hour:minute` on the calendar day `date`
 * (YYYY-MM-DD) – 08:00 is 07:00 UTC in winter and 06:00 UTC in summer.
 */
export function berlinTime(date: string, hour: number, minute = 0): Date {
  if (!isCalendarDate(date)) throw new RangeError(`kein Kalenderdatum: ${date}`);
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The offset at the wall time read as UTC is right except within the hour of a change;
  // a second look at the corrected instant settles it.
  const first = wall - berlinOffsetMs(new Date(wall));
  return new Date(wall - berlinOffsetMs(new Date(first)));
}

/** The calendar day `days` after `date` (YYYY-MM-DD), counted in days, not in 24-hour steps. */
export function addCalendarDays(date: string, days: number): string {
  if (!isCalendarDate(date)) throw new RangeError(`kein Kalenderdatum: ${date}`);
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

const DATE_TIME = new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const WEEKDAY_DATE_TIME = new Intl.DateTimeFormat('de-DE', {
  timeZone: 'Europe/Berlin',
  weekday: 'long',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** "27.10.2025 11:00": Berlin's local time in digits only, as a spreadsheet reads a date and time (the exports). */
export function berlinDateTimeDigits(date: Date): string {
  return DATE_TIME.format(date).replace(', ', ' ');
}

/** "27.10.2025, 11:00 Uhr" (with `weekday`: "Montag, 27.10.2025, 11:00 Uhr") in Berlin's local time on that day; an invalid value as it is. */
export function germanDateTime(value: string | Date, options: { weekday?: boolean } = {}): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return String(value);
  return `${(options.weekday ? WEEKDAY_DATE_TIME : DATE_TIME).format(date)} Uhr`;
}
