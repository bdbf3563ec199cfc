import t from 'tap';
import { addCalendarDays, berlinDate, berlinOffsetMs, berlinTime, isCalendarDate } from '../../src/time/berlin.clock.ts';
import { reminderDueAt } from '../../src/mailings/mailing.service.ts';

// Brandenburg's day and morning, across both daylight-saving changes of 2026
// (29 March: 02:00 CET → 03:00 CEST; 25 October: 03:00 CEST → 02:00 CET).

t.test('"today" is Berlin\'s day, not UTC\'s', async (t) => {
  t.equal(berlinDate(new Date('2026-03-29T21:59:00Z')), '2026-03-29', '23:59 CEST');
  t.equal(berlinDate(new Date('2026-03-29T22:00:00Z')), '2026-03-30', 'midnight CEST is still the 29th in UTC');
  t.equal(berlinDate(new Date('2026-11-26T23:30:00Z')), '2026-11-27', '00:30 CET');
  t.equal(berlinDate(new Date('2026-11-26T22:59:00Z')), '2026-11-26');
});

t.test('the offset follows the daylight-saving changes', async (t) => {
  t.equal(berlinOffsetMs(new Date('2026-03-29T00:59:59Z')), 3_600_000, 'CET just before the change');
  t.equal(berlinOffsetMs(new Date('2026-03-29T01:00:00Z')), 7_200_000, 'CEST from 01:00 UTC');
  t.equal(berlinOffsetMs(new Date('2026-10-25T00:59:59Z')), 7_200_000);
  t.equal(berlinOffsetMs(new Date('2026-10-25T01:00:00Z')), 3_600_000);
});

t.test('08:00 in Berlin is 07:00 UTC in winter and 06:00 UTC in summer', async (t) => {
  t.equal(berlinTime('2026-03-28', 8).toISOString(), '2026-03-28T07:00:00.000Z');
  t.equal(berlinTime('2026-03-29', 8).toISOString(), '2026-03-29T06:00:00.000Z', 'the morning of the change');
  t.equal(berlinTime('2026-10-25', 8).toISOString(), '2026-10-25T07:00:00.000Z', 'the morning of the change back');
  t.equal(berlinTime('2026-10-24', 23, 30).toISOString(), '2026-10-24T21:30:00.000Z');
  t.throws(() => berlinTime('2025-02-30', 8));
});

t.test('calendar days are days, not 24-hour steps', async (t) => {
  t.equal(addCalendarDays('2026-03-28', 1), '2026-03-29');
  t.equal(addCalendarDays('2026-02-28', 1), '2026-03-01');
  t.equal(addCalendarDays('2028-02-28', 1), '2028-02-29', 'leap year');
  t.equal(addCalendarDays('2026-12-31', 1), '2027-01-01');
  t.ok(isCalendarDate('2028-02-29'));
  t.notOk(isCalendarDate('2026-02-29'));
});

t.test('reminders go out at 08:00 Brandenburg time on the mornings after the deadline', async (t) => {
  t.equal(reminderDueAt('2026-03-28', 7, 1).toISOString(), '2026-03-29T06:00:00.000Z', 'first morning in summer time');
  t.equal(reminderDueAt('2026-03-20', 7, 2).toISOString(), '2026-03-28T07:00:00.000Z', 'second reminder still in winter');
  t.equal(reminderDueAt('2026-03-20', 7, 3).toISOString(), '2026-04-04T06:00:00.000Z', 'third one after the change: still 08:00 local');
  t.equal(reminderDueAt('2026-10-24', 3, 1).toISOString(), '2026-10-25T07:00:00.000Z', 'back in winter time');
});
