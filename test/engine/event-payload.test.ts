import t from 'tap';
import { Value } from 'typebox/value';
import { validateEventPayload } from '../../src/composition.ts';
import { SOLUTION_EVENT_SCHEMAS } from '../../src/solutions/event.schemas.ts';
import { CalendarDate } from '../../src/validation/common.schemas.ts';

t.test('event payloads: the schemas decide, a few rules need code', async (t) => {
  const now = new Date('2026-03-10T12:00:00Z');
  const fields = (event: Record<string, unknown>) => validateEventPayload(event, now).map((e) => e.field);
  t.same(fields({ type: 'PAUSIEREN', reason: 'Haushaltssperre' }), []);
  t.same(fields({ type: 'PAUSIEREN' }), ['/event/reason']);
  t.same(fields({ type: 'PAUSIEREN', reason: '   ' }), ['/event/reason'], 'blank is no reason');
  t.same(fields({ type: 'PAUSIEREN', reason: 'x'.repeat(2001) }), ['/event/reason'], '2000 characters at most');
  t.same(fields({ type: 'PAUSIEREN', reason: 'ok', tief: { a: { b: 1 } } }), ['/event/tief'], 'unknown properties are refused');
  t.same(fields({ type: 'WELLE_STARTEN', label: 'W1', authorities: ['120540000000'], fristTage: 1.5 }), ['/event/fristTage']);
  t.same(fields({ type: 'WELLE_STARTEN', label: 'W1', authorities: ['120540000000'], fristTage: 1e9 }), ['/event/fristTage']);
  t.same(fields({ type: 'WELLE_STARTEN', label: 'W1', authorities: ['120540000000', '120540000000'] }), ['/event/authorities'], 'no duplicates');
  t.same(fields({ type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://x.example', verknuepftAm: '2025-02-30' }), ['/event/verknuepftAm']);
  t.same(fields({ type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://x.example', verknuepftAm: '2026-03-11' }), ['/event/verknuepftAm'], 'not tomorrow');
  t.same(fields({ type: 'BEREITSCHAFT_MELDEN', status: 'bereit-ab' }), ['/event/ab']);
  t.same(fields({ type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['sonstiges'] }), ['/event/freitext']);
  t.same(fields({ type: 'GIBT_ES_NICHT' }), ['/event/type']);
  t.same(fields({ type: 'xstate.after.antwortfrist.participant.eingeladen' }), [], 'timer events are the machines’ own');
  t.equal((SOLUTION_EVENT_SCHEMAS.PAUSIEREN as { additionalProperties?: unknown }).additionalProperties, false, 'closed');
  t.notOk(Value.Check(CalendarDate(), '2025-02-30'));
  t.ok(Value.Check(CalendarDate(), '2024-02-29'));
});
