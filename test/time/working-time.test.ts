import t from 'tap';
import { getHolidays } from 'feiertagejs';
import { berlinTime } from '../../src/time/berlin.clock.ts';
import {
  addWorkingMinutes,
  DEFAULT_OFFICE_HOURS,
  defineOfficeHours,
  isBrandenburgHoliday,
  isWorkingDay,
  parseOfficeHours,
  workingMinutesBetween,
  workingMinutesIn,
  type OfficeHours,
} from '../../src/time/working-time.ts';

// SLA clocks count Brandenburg working time: Mon–Fri 08:00–16:00 Berlin time by
// default, no BB public holidays. Instants are written in UTC: 08:00 Berlin is
// 07:00Z in winter (CET) and 06:00Z in summer (CEST).

const at = (iso: string) => new Date(iso);
const add = (from: string, minutes: number, hours?: OfficeHours) => addWorkingMinutes(at(from), minutes, hours).toISOString();

t.test('Brandenburg public holidays as feiertagejs (region BB) reports them', async (t) => {
  const names = (year: number) => getHolidays(year, 'BB').map((holiday) => `${holiday.date.toISOString().slice(0, 10)} ${holiday.name}`);
  t.same(names(2026), [
    '2026-01-01 NEUJAHRSTAG',
    '2026-04-03 KARFREITAG',
    '2026-04-05 OSTERSONNTAG',
    '2026-04-06 OSTERMONTAG',
    '2026-05-01 TAG_DER_ARBEIT',
    '2026-05-14 CHRISTIHIMMELFAHRT',
    '2026-05-24 PFINGSTSONNTAG',
    '2026-05-25 PFINGSTMONTAG',
    '2026-10-03 DEUTSCHEEINHEIT',
    '2026-10-31 REFORMATIONSTAG',
    '2026-12-25 ERSTERWEIHNACHTSFEIERTAG',
    '2026-12-26 ZWEITERWEIHNACHTSFEIERTAG',
  ], 'the twelve BB holidays of 2026, Easter and Whit Sunday included');
  for (const day of ['2025-10-31', '2025-04-18', '2025-04-21', '2025-12-25', '2025-12-26', '2026-01-01', '2026-04-05', '2026-05-24']) {
    t.ok(isBrandenburgHoliday(day), `${day} is a holiday`);
  }
  // Holidays of other Länder, and days off by custom only, are working days in BB
  t.notOk(isBrandenburgHoliday('2026-01-06'), 'no Heilige Drei Könige');
  t.notOk(isBrandenburgHoliday('2026-03-08'), 'Frauentag is Berlin\'s, not Brandenburg\'s');
  t.notOk(isBrandenburgHoliday('2026-06-04'), 'no Fronleichnam');
  t.notOk(isBrandenburgHoliday('2025-11-01'), 'no Allerheiligen');
  t.notOk(isBrandenburgHoliday('2026-11-18'), 'no Buß- und Bettag (Saxony only)');
  t.notOk(isBrandenburgHoliday('2025-12-24'), 'Heiligabend is no public holiday');
  t.notOk(isBrandenburgHoliday('2025-12-31'), 'nor is Silvester');
  t.throws(() => isBrandenburgHoliday('2025-13-01'), { name: 'RangeError', message: /^date:/ });
});

t.test('working days: weekdays of the office hours minus holidays', async (t) => {
  t.ok(isWorkingDay('2025-10-30'), 'Thursday');
  t.notOk(isWorkingDay('2025-10-31'), 'Reformationstag, a Friday');
  t.notOk(isWorkingDay('2025-11-01'), 'Saturday');
  t.notOk(isWorkingDay('2025-11-02'), 'Sunday');
  t.ok(isWorkingDay('2025-12-24'), 'Heiligabend is a working day by law');
  const everyDay = parseOfficeHours('Mo-So 08:00-16:00');
  t.ok(isWorkingDay('2026-04-12', everyDay), 'an ordinary Sunday when Sundays are worked');
  t.notOk(isWorkingDay('2026-04-05', everyDay), 'Ostersonntag is a BB holiday even so');
  t.notOk(isWorkingDay('2026-05-24', everyDay), 'Pfingstsonntag likewise');
  t.throws(() => isWorkingDay('2026-02-30'), RangeError);
  t.throws(() => isWorkingDay('26.11.2026'), { name: 'RangeError', message: /berlinDate/ });
});

t.test('across a weekend: Fri 15:00 + 2 h → Mon 09:00', async (t) => {
  t.equal(add('2025-11-07T14:00:00Z', 120), '2025-11-10T08:00:00.000Z');
  t.equal(workingMinutesBetween(at('2025-11-07T14:00:00Z'), at('2025-11-10T08:00:00Z')), 120);
  t.equal(add('2025-11-07T14:00:00Z', 60), '2025-11-07T15:00:00.000Z', 'ending at closing time stays on Friday');
});

t.test('across Reformationstag: Thu 30 Oct 15:30 + 1 h → Mon 3 Nov 08:30', async (t) => {
  t.equal(add('2025-10-30T14:30:00Z', 60), '2025-11-03T07:30:00.000Z');
  t.equal(workingMinutesBetween(at('2025-10-30T14:30:00Z'), at('2025-11-03T07:30:00Z')), 60);
  t.equal(add('2025-10-31T09:00:00Z', 0), '2025-11-03T07:00:00.000Z', 'a start on the holiday counts from the next opening');
  t.equal(workingMinutesBetween(at('2025-10-31T06:00:00Z'), at('2025-10-31T16:00:00Z')), 0, 'the holiday itself counts nothing');
});

t.test('Christmas and New Year', async (t) => {
  t.equal(add('2025-12-24T14:00:00Z', 120), '2025-12-29T08:00:00.000Z', 'Wed 24 Dec 15:00 + 2 h: 25/26 Dec and the weekend skipped');
  t.equal(add('2025-12-31T14:00:00Z', 120), '2026-01-02T08:00:00.000Z', 'Wed 31 Dec 15:00 + 2 h → Fri 2 Jan 09:00');
  t.equal(workingMinutesBetween(at('2025-12-22T07:00:00Z'), at('2026-01-05T07:00:00Z')), 7 * 480, 'seven working days in the two weeks');
});

t.test('Easter: Karfreitag and Ostermontag (2026, summer time)', async (t) => {
  t.equal(add('2026-04-02T13:00:00Z', 120), '2026-04-07T07:00:00.000Z', 'Thu 2 Apr 15:00 CEST + 2 h → Tue 7 Apr 09:00 CEST');
  t.equal(workingMinutesBetween(at('2026-03-30T06:00:00Z'), at('2026-04-10T14:00:00Z')), 8 * 480, 'Holy Week and Easter week: 8 working days');
});

t.test('daylight-saving changes: office hours stay Berlin local time', async (t) => {
  // 29 March 2026: 02:00 CET → 03:00 CEST
  t.equal(add('2026-03-27T14:00:00Z', 120), '2026-03-30T07:00:00.000Z', 'Fri 15:00 CET + 2 h → Mon 09:00 CEST');
  t.equal(add('2026-03-27T07:00:00Z', 480 + 30), '2026-03-30T06:30:00.000Z', 'a full Friday, then Mon 08:30 CEST');
  t.equal(workingMinutesBetween(at('2026-03-27T14:00:00Z'), at('2026-03-30T07:00:00Z')), 120);
  // 25 October 2026: 03:00 CEST → 02:00 CET
  t.equal(add('2026-10-23T13:00:00Z', 120), '2026-10-26T08:00:00.000Z', 'Fri 15:00 CEST + 2 h → Mon 09:00 CET');
  t.equal(workingMinutesBetween(at('2026-10-23T13:00:00Z'), at('2026-10-26T08:00:00Z')), 120);
  t.equal(add('2026-10-23T06:00:00Z', 2 * 480), '2026-10-26T15:00:00.000Z', 'two full days end Monday 16:00 CET');

  // Office hours across the change itself count real time: that night is an hour shorter or longer
  const sundayNight = parseOfficeHours('So 00:00-06:00');
  t.equal(workingMinutesBetween(at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'), sundayNight), 300, 'spring: 5 real hours');
  t.equal(workingMinutesBetween(at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'), sundayNight), 420, 'autumn: 7 real hours');
  t.equal(add('2026-03-28T12:00:00Z', 180, sundayNight), '2026-03-29T02:00:00.000Z', '00:00 CET + 3 h is 04:00 CEST');
  t.equal(add('2026-10-24T12:00:00Z', 180, sundayNight), '2026-10-25T01:00:00.000Z', '00:00 CEST + 3 h is 02:00 CET (the second one)');
});

t.test('starts before opening, after closing, on a weekend', async (t) => {
  t.equal(add('2025-11-10T05:00:00Z', 30), '2025-11-10T07:30:00.000Z', 'Mon 06:00 + 30 min → 08:30');
  t.equal(add('2025-11-10T16:00:00Z', 30), '2025-11-11T07:30:00.000Z', 'Mon 17:00 + 30 min → Tue 08:30');
  t.equal(add('2025-11-10T15:00:00Z', 30), '2025-11-11T07:30:00.000Z', 'exactly at closing → next morning');
  t.equal(add('2025-11-08T10:00:00Z', 0), '2025-11-10T07:00:00.000Z', 'Saturday + 0 → Monday opening');
  t.equal(add('2025-11-10T09:17:42.123Z', 0), '2025-11-10T09:17:42.123Z', 'within office hours + 0 is the instant itself');
  t.equal(add('2025-11-10T09:17:42.123Z', 1), '2025-11-10T09:18:42.123Z', 'seconds are kept');
  t.equal(workingMinutesBetween(at('2025-11-10T09:00:00Z'), at('2025-11-10T09:00:30Z')), 0.5, 'exact, not rounded');
  t.equal(workingMinutesBetween(at('2025-11-10T10:00:00Z'), at('2025-11-10T09:00:00Z')), 0, 'to before from');
});

t.test('custom office hours', async (t) => {
  const short = parseOfficeHours('Mo-Do 07:30-15:30');
  t.same(short, { weekdays: [1, 2, 3, 4], start: '07:30', end: '15:30' });
  t.ok(Object.isFrozen(short) && Object.isFrozen(short.weekdays));
  t.equal(add('2025-11-06T14:00:00Z', 60, short), '2025-11-10T07:00:00.000Z', 'Thu 15:00 + 1 h: 30 min Thursday, Friday is off, Mon 08:00');
  t.same(parseOfficeHours(' Mo-Mi,Fr  09:00 - 12:00 ').weekdays, [1, 2, 3, 5]);
  t.same(parseOfficeHours('Sa,Mo 00:00-24:00').weekdays, [1, 6], 'sorted, whole days');
  t.equal(add('2025-11-10T22:00:00Z', 120, parseOfficeHours('Mo-Fr 00:00-24:00')), '2025-11-11T00:00:00.000Z', 'round the clock: through midnight');
  t.same(DEFAULT_OFFICE_HOURS, { weekdays: [1, 2, 3, 4, 5], start: '08:00', end: '16:00' });
  t.same(defineOfficeHours({ start: '09:00' }), { weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '16:00' });
});

t.test('invalid input is refused with the argument named', async (t) => {
  const from = at('2025-11-10T09:00:00Z');
  for (const minutes of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1_000_001, '60' as unknown as number]) {
    t.throws(() => addWorkingMinutes(from, minutes), { name: 'RangeError', message: /^minutes:/ }, `minutes ${String(minutes)}`);
  }
  t.doesNotThrow(() => addWorkingMinutes(from, 1_000_000), 'the upper bound itself');
  t.throws(() => addWorkingMinutes(new Date('nope'), 1), { name: 'RangeError', message: /^from:/ });
  t.throws(() => workingMinutesBetween(from, new Date(Number.NaN)), { name: 'RangeError', message: /^to:/ });
  t.throws(() => workingMinutesIn([{ from, to: 'x' as unknown as Date }]), { name: 'RangeError', message: /^intervals\[0\]\.to:/ });

  t.throws(() => defineOfficeHours({ start: '16:00', end: '08:00' }), { name: 'RangeError', message: /Beginn 16:00 muss vor dem Ende 08:00/ });
  t.throws(() => defineOfficeHours({ start: '08:00', end: '08:00' }), RangeError);
  t.throws(() => defineOfficeHours({ start: '8:00' }), { message: /^hours\.start: 8:00/ });
  t.throws(() => defineOfficeHours({ end: '16:60' }), { message: /^hours\.end/ });
  t.throws(() => defineOfficeHours({ start: '24:00' }), { message: /^hours\.start/ });
  t.throws(() => defineOfficeHours({ weekdays: [] }), { message: /^hours\.weekdays/ });
  t.throws(() => defineOfficeHours({ weekdays: [0, 1] }), { message: /^hours\.weekdays: 0/ });
  t.throws(() => addWorkingMinutes(from, 1, { weekdays: [1], start: '10:00', end: '09:00' }), RangeError, 'hand-built hours are checked too');

  for (const text of ['Mo-Fr', '08:00-16:00', 'Fr-Mo 08:00-16:00', 'Mon-Fri 08:00-16:00', 'Mo-Di-Mi 08:00-16:00', 'Mo-Fr 16:00-08:00', 'Mo-Fr 8-16']) {
    t.throws(() => parseOfficeHours(text), { name: 'RangeError', message: /^SLA_OFFICE_HOURS:/ }, text);
  }
});

t.test('bounded: a million minutes, or hours too short to reach them, end (a bounded walk, not a loop)', async (t) => {
  const started = performance.now();
  const far = addWorkingMinutes(at('2026-01-05T07:00:00Z'), 1_000_000);
  t.equal(workingMinutesBetween(at('2026-01-05T07:00:00Z'), far), 1_000_000, 'about eight years later, and back');
  // One minute a week can never give a million minutes: refused after 100 years of days
  t.throws(() => addWorkingMinutes(at('2026-01-05T07:00:00Z'), 1_000_000, parseOfficeHours('So 10:00-10:01')), { name: 'RangeError', message: /^minutes:/ });
  t.throws(() => workingMinutesBetween(at('2026-01-01T00:00:00Z'), at('2200-01-01T00:00:00Z')), { name: 'RangeError', message: /^to:/ });
  t.comment(`took ${Math.round(performance.now() - started)} ms (reported, not asserted: tests never assert on speed)`);
});

t.test('a paused clock: the caller passes the running intervals', async (t) => {
  // Opened Mon 09:00, waiting for the Kommune Mon 11:00 – Wed 10:00, running again until Thu 12:00
  const running = [
    { from: at('2025-11-10T08:00:00Z'), to: at('2025-11-10T10:00:00Z') },
    { from: at('2025-11-12T09:00:00Z'), to: at('2025-11-13T11:00:00Z') },
  ];
  t.equal(workingMinutesIn(running), 120 + 360 + 240);
  t.equal(workingMinutesIn([]), 0);
  t.equal(workingMinutesIn([...running, { from: at('2025-11-10T09:00:00Z'), to: at('2025-11-10T09:30:00Z') }]), 720, 'overlaps count once');
  t.equal(workingMinutesIn([{ from: at('2025-11-10T10:00:00Z'), to: at('2025-11-10T09:00:00Z') }]), 0, 'an empty interval');
});

// A small seeded generator (mulberry32) keeps the property test repeatable without a dependency
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

t.test('round trip: workingMinutesBetween(a, addWorkingMinutes(a, m)) === m', async (t) => {
  const random = seededRandom(20251031);
  const calendars = [DEFAULT_OFFICE_HOURS, parseOfficeHours('Mo-Do 07:30-15:30'), parseOfficeHours('Sa,So 00:00-06:00'), parseOfficeHours('Mo-So 00:00-24:00')];
  const startRange = [Date.parse('2024-12-01T00:00:00Z'), Date.parse('2027-12-31T00:00:00Z')] as const;
  let failures = 0;
  for (let run = 0; run < 600; run++) {
    const hours = calendars[run % calendars.length]!;
    const a = new Date(Math.floor(startRange[0] + random() * (startRange[1] - startRange[0])));
    const minutes = run % 10 === 0 ? 0 : Math.floor(random() ** 3 * 30_000);
    const b = addWorkingMinutes(a, minutes, hours);
    const back = workingMinutesBetween(a, b, hours);
    if (back !== minutes || b < a) {
      failures++;
      t.fail(`${a.toISOString()} + ${minutes} (${hours.weekdays.join(',')} ${hours.start}-${hours.end}) → ${b.toISOString()} → ${back}`);
    }
  }
  t.equal(failures, 0, '600 random starts over three years, four calendars');
});

t.test('the clock reads Berlin days, whatever the server\'s zone', async (t) => {
  // berlinTime is the reference: a deadline lands at a Berlin wall-clock time
  t.equal(addWorkingMinutes(berlinTime('2026-10-30', 15, 30), 60).toISOString(), berlinTime('2026-11-02', 8, 30).toISOString(), 'Fri 30 Oct 2026 15:30 + 1 h → Mon 2 Nov 08:30 (31 Oct is a Saturday that year)');
});
