import t from 'tap';
import { initialTransition, transition } from 'xstate';
import { allowedEvents, persistSnapshot, restoreSnapshot, ticketMachine, ticketStage, type TicketEvent } from '../../workflows/index.ts';

type Snapshot = ReturnType<typeof initialTransition<typeof ticketMachine>>[0];
const AT = '2025-10-30T09:00:00.000Z';
const UNTIL = '2025-11-13T09:00:00.000Z';

const start = (): Snapshot => initialTransition(ticketMachine)[0];
const send = (snapshot: Snapshot, ...events: TicketEvent[]): Snapshot =>
  events.reduce((current, event) => transition(ticketMachine, current, event)[0], snapshot);

t.test('the flow from neu to geschlossen, with a pause for the authority', async (t) => {
  let s = start();
  t.equal(ticketStage(s), 'neu');
  t.same(allowedEvents(ticketMachine, s).sort(), ['AUF_KOMMUNE_WARTEN', 'BEARBEITUNG_BEGINNEN', 'LOESEN']);
  s = send(s, { type: 'BEARBEITUNG_BEGINNEN', at: AT });
  t.equal(ticketStage(s), 'in-bearbeitung');
  s = send(s, { type: 'AUF_KOMMUNE_WARTEN', grund: ' Zugangsdaten ', at: AT });
  t.equal(ticketStage(s), 'wartet-auf-kommune');
  t.equal(s.context.wartetAuf, 'Zugangsdaten');
  s = send(s, { type: 'KOMMUNE_ANTWORTET', at: AT });
  t.equal(ticketStage(s), 'in-bearbeitung');
  t.equal(s.context.wartetAuf, null);
  s = send(s, { type: 'LOESEN', loesung: 'Schnittstelle freigeschaltet', at: AT });
  t.equal(ticketStage(s), 'geloest');
  s = send(s, { type: 'SCHLIESSEN', at: AT });
  t.equal(ticketStage(s), 'geschlossen');
  const restored = restoreSnapshot(ticketMachine, persistSnapshot(ticketMachine, s));
  t.equal(ticketStage(restored), 'geschlossen', 'survives the JSON round trip');
});

t.test('blank reasons and solutions are refused by the guards', async (t) => {
  const s = send(start(), { type: 'BEARBEITUNG_BEGINNEN', at: AT });
  t.equal(ticketStage(send(s, { type: 'AUF_KOMMUNE_WARTEN', grund: '  ', at: AT })), 'in-bearbeitung');
  t.equal(ticketStage(send(s, { type: 'LOESEN', loesung: '', at: AT })), 'in-bearbeitung');
  t.equal(ticketStage(send(s, { type: 'SCHLIESSEN', at: AT })), 'in-bearbeitung', 'only a solved ticket is closed');
});

t.test('reopen within the period from geloest and geschlossen, not after it', async (t) => {
  const solved = send(start(), { type: 'LOESEN', loesung: 'erledigt', at: AT });
  const reopen = (at: string, reopenUntil: string | null): TicketEvent => ({ type: 'WIEDEREROEFFNEN', grund: 'wieder kaputt', at, facts: { reopenUntil } });
  const again = send(solved, reopen('2025-11-01T09:00:00.000Z', UNTIL));
  t.equal(ticketStage(again), 'in-bearbeitung');
  t.equal(again.context.reopenCount, 1);
  t.equal(again.context.lastReopenReason, 'wieder kaputt');
  const closed = send(solved, { type: 'SCHLIESSEN', at: AT });
  t.equal(ticketStage(send(closed, reopen(UNTIL, UNTIL))), 'in-bearbeitung', 'the last moment of the period still counts');
  t.equal(ticketStage(send(closed, reopen('2025-11-13T09:00:00.001Z', UNTIL))), 'geschlossen', 'after the period: refused');
  t.equal(ticketStage(send(closed, reopen(AT, null))), 'geschlossen', 'without facts: refused');
  t.equal(ticketStage(send(closed, { type: 'WIEDEREROEFFNEN', grund: ' ', at: AT, facts: { reopenUntil: UNTIL } })), 'geschlossen', 'a reason is needed');
});
