/**
 * Brandenburg working time for SLAs: office hours in Berlin local time on working
 * weekdays, minus Brandenburg's public holidays (feiertagejs, region BB). Pure
 * functions over instants; pausing a clock is the caller's job (workingMinutesIn).
 */

import { getHolidays } from 'feiertagejs';
import { addCalendarDays, berlinDate, berlinTime, isCalendarDate } from './berlin.clock.ts';

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Office hours in Berlin local time; `end` may be 24:00 (midnight at the end of the day). */
export type OfficeHours = Readonly<{ weekdays: readonly Weekday[]; start: string; end: string }>;

export type Interval = Readonly<{ from: Date; to: Date }>;

/** The largest SLA this module computes: about 8 years of 8-hour working days. */
export const MAX_WORKING_MINUTES = 1_000_000;

// Bounds every day-by-day walk whatever the office hours (even one minute on one
// weekday): past this many calendar days the question is a configuration error.
const MAX_CALENDAR_DAYS = 100 * 366;

const MINUTE_MS = 60_000;
const WEEKDAY_NAMES = ['Mo', 'Di', 'Mi', 'Do', 'Fr', 'Sa', 'So'] as const;

type CompiledHours = Readonly<{
  weekdays: ReadonlySet<number>;
  start: readonly [number, number];
  end: readonly [number, number];
}>;

function parseClock(value: unknown, allowMidnightEnd: boolean): [number, number] | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{2}):(\d{2})$/.exec(value);
  if (!match) return undefined;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  if (minute > 59) return undefined;
  if (hour < 24 || (allowMidnightEnd && hour === 24 && minute === 0)) return [hour, minute];
  return undefined;
}

const compiledCache = new WeakMap<OfficeHours, CompiledHours>();

// Every public function goes through here, so a hand-built OfficeHours is validated too.
function compileHours(hours: OfficeHours, name = 'hours'): CompiledHours {
  const cached = compiledCache.get(hours);
  if (cached) return cached;
  if (typeof hours !== 'object' || hours === null) throw new RangeError(`${name}: Bürozeiten fehlen`);
  const weekdays = hours.weekdays;
  if (!Array.isArray(weekdays) || weekdays.length === 0) {
    throw new RangeError(`${name}.weekdays: mindestens ein Arbeitstag (1 = Montag … 7 = Sonntag) nötig`);
  }
  for (const day of weekdays) {
    if (!Number.isInteger(day) || day < 1 || day > 7) {
      throw new RangeError(`${name}.weekdays: ${String(day)} ist kein Wochentag (1 = Montag … 7 = Sonntag)`);
    }
  }
  const start = parseClock(hours.start, false);
  if (!start) throw new RangeError(`${name}.start: ${String(hours.start)} ist keine Uhrzeit HH:MM`);
  const end = parseClock(hours.end, true);
  if (!end) throw new RangeError(`${name}.end: ${String(hours.end)} ist keine Uhrzeit HH:MM`);
  if (start[0] * 60 + start[1] >= end[0] * 60 + end[1]) {
    throw new RangeError(`${name}: Beginn ${hours.start} muss vor dem Ende ${hours.end} liegen`);
  }
  const compiled: CompiledHours = { weekdays: new Set(weekdays), start, end };
  compiledCache.set(hours, compiled);
  return compiled;
}

/** Validated, frozen office hours; defaults Mon–Fri 08:00–16:00. */
export function defineOfficeHours(input: { weekdays?: readonly number[]; start?: string; end?: string } = {}, name = 'hours'): OfficeHours {
  const weekdays = [...new Set(input.weekdays ?? [1, 2, 3, 4, 5])].sort((a, b) => a - b);
  const hours = { weekdays: Object.freeze(weekdays) as readonly Weekday[], start: input.start ?? '08:00', end: input.end ?? '16:00' };
  compileHours(hours, name);
  return Object.freeze(hours);
}

export const DEFAULT_OFFICE_HOURS: OfficeHours = defineOfficeHours();

/**
 * Office hours from an env-style value such as `Mo-Fr 08:00-16:00` or
 * `Mo-Mi,Fr 07:30-15:30` (German weekday abbreviations, ranges and lists).
 * Errors name `name` (the configuration variable).
 */
export function parseOfficeHours(text: string, name = 'SLA_OFFICE_HOURS'): OfficeHours {
  const match = /^\s*(\S+)\s+(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})\s*$/.exec(text);
  if (!match) throw new RangeError(`${name}: "${text}" hat nicht die Form "Mo-Fr 08:00-16:00"`);
  const weekdays: number[] = [];
  for (const part of match[1]!.split(',')) {
    const [first, last, extra] = part.split('-');
    const from = WEEKDAY_NAMES.indexOf(first as (typeof WEEKDAY_NAMES)[number]) + 1;
    const to = last === undefined ? from : WEEKDAY_NAMES.indexOf(last as (typeof WEEKDAY_NAMES)[number]) + 1;
    if (extra !== undefined || from === 0 || to === 0 || to < from) {
      throw new RangeError(`${name}: "${part}" ist kein Wochentag oder Bereich (Mo, Di, Mi, Do, Fr, Sa, So; z. B. Mo-Fr)`);
    }
    for (let day = from; day <= to; day++) weekdays.push(day);
  }
  return defineOfficeHours({ weekdays, start: match[2], end: match[3] }, name);
}

// Holidays keyed by their calendar day. feiertagejs dates are 12:00 UTC of the day;
// its `dateString` is formatted in the server's time zone and can be a day off.
const holidayCache = new Map<number, ReadonlySet<string>>();

function brandenburgHolidays(year: number): ReadonlySet<string> {
  let days = holidayCache.get(year);
  if (!days) {
    days = new Set(getHolidays(year, 'BB').map((holiday) => holiday.date.toISOString().slice(0, 10)));
    holidayCache.set(year, days);
  }
  return days;
}

/** Whether `date` (YYYY-MM-DD) is a Brandenburg public holiday (feiertagejs, region BB). */
export function isBrandenburgHoliday(date: string): boolean {
  if (!isCalendarDate(date)) throw new RangeError(`date: ${String(date)} ist kein Kalenderdatum YYYY-MM-DD`);
  return brandenburgHolidays(Number(date.slice(0, 4))).has(date);
}

function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

function isWorkingDayCompiled(date: string, hours: CompiledHours): boolean {
  return hours.weekdays.has(isoWeekday(date)) && !brandenburgHolidays(Number(date.slice(0, 4))).has(date);
}

/** Whether the Berlin calendar day `date` (YYYY-MM-DD) is a working day: a working weekday and no BB holiday. */
export function isWorkingDay(date: string, hours: OfficeHours = DEFAULT_OFFICE_HOURS): boolean {
  if (!isCalendarDate(date)) throw new RangeError(`berlinDate: ${String(date)} ist kein Kalenderdatum YYYY-MM-DD`);
  return isWorkingDayCompiled(date, compileHours(hours));
}

/** Opening and closing instants of `date` – real instants, so a day with a clock change inside office hours is shorter or longer. */
function officeWindow(date: string, hours: CompiledHours): [number, number] {
  return [berlinTime(date, hours.start[0], hours.start[1]).getTime(), berlinTime(date, hours.end[0], hours.end[1]).getTime()];
}

function checkInstant(value: unknown, name: string): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new RangeError(`${name}: kein gültiger Zeitpunkt`);
  return value.getTime();
}

/**
 * The instant after `minutes` of working time counted from `from`; outside office
 * hours counting starts at the next opening (so 0 minutes from a Saturday is Monday's
 * opening). Minutes that end exactly at closing time give the closing instant.
 */
export function addWorkingMinutes(from: Date, minutes: number, hours: OfficeHours = DEFAULT_OFFICE_HOURS): Date {
  const start = checkInstant(from, 'from');
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > MAX_WORKING_MINUTES) {
    throw new RangeError(`minutes: ${String(minutes)} ist keine ganze Zahl von 0 bis ${MAX_WORKING_MINUTES}`);
  }
  const compiled = compileHours(hours);
  let remaining = minutes * MINUTE_MS;
  let day = berlinDate(from);
  for (let walked = 0; walked <= MAX_CALENDAR_DAYS; walked++, day = addCalendarDays(day, 1)) {
    if (!isWorkingDayCompiled(day, compiled)) continue;
    const [open, close] = officeWindow(day, compiled);
    const cursor = Math.max(start, open);
    if (cursor >= close) continue;
    if (remaining <= close - cursor) return new Date(cursor + remaining);
    remaining -= close - cursor;
  }
  throw new RangeError(`minutes: ${minutes} Arbeitsminuten reichen mit diesen Bürozeiten über ${MAX_CALENDAR_DAYS} Kalendertage hinaus`);
}

function workingMsBetween(from: number, to: number, hours: CompiledHours, toName: string): number {
  if (to <= from) return 0;
  let total = 0;
  const last = berlinDate(new Date(to));
  let day = berlinDate(new Date(from));
  for (let walked = 0; ; walked++, day = addCalendarDays(day, 1)) {
    if (walked > MAX_CALENDAR_DAYS) throw new RangeError(`${toName}: mehr als ${MAX_CALENDAR_DAYS} Kalendertage nach dem Beginn`);
    if (isWorkingDayCompiled(day, hours)) {
      const [open, close] = officeWindow(day, hours);
      total += Math.max(0, Math.min(close, to) - Math.max(open, from));
    }
    if (day === last) return total;
  }
}

/**
 * Working minutes between two instants (0 if `to` <= `from`). Exact, so fractional
 * when an instant is not on a whole minute; the inverse of addWorkingMinutes.
 */
export function workingMinutesBetween(from: Date, to: Date, hours: OfficeHours = DEFAULT_OFFICE_HOURS): number {
  const start = checkInstant(from, 'from');
  const end = checkInstant(to, 'to');
  return workingMsBetween(start, end, compileHours(hours), 'to') / MINUTE_MS;
}

/**
 * Working minutes in the running intervals of a clock that can be paused (an SLA in
 * `wartet-auf-kommune`): the caller passes the un-paused intervals. Overlapping
 * intervals are counted once.
 */
export function workingMinutesIn(intervals: readonly Interval[], hours: OfficeHours = DEFAULT_OFFICE_HOURS): number {
  const compiled = compileHours(hours);
  const spans = intervals
    .map((interval, index) => [checkInstant(interval?.from, `intervals[${index}].from`), checkInstant(interval?.to, `intervals[${index}].to`), index] as const)
    .filter(([from, to]) => to > from)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let coveredUntil = -Infinity;
  for (const [from, to, index] of spans) {
    const start = Math.max(from, coveredUntil);
    if (to > start) total += workingMsBetween(start, to, compiled, `intervals[${index}].to`);
    coveredUntil = Math.max(coveredUntil, to);
  }
  return total / MINUTE_MS;
}
