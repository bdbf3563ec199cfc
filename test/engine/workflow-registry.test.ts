import t from 'tap';
import { Type } from 'typebox';
import { createWorkflowRegistry } from '../../src/engine/workflow.registry.ts';
import type { MachineToolkit, TargetDefinition } from '../../src/engine/workflow.types.ts';
import { composeWorkflows } from '../../src/composition.ts';
import { blockingTicketsGate } from '../../src/tickets/blocking-tickets.gate.ts';

const toolkit: MachineToolkit = { restoreSnapshot: () => ({}) as never, allowedEvents: () => [] };

function target(name: string, events: string[]): TargetDefinition {
  return {
    name,
    machines: {},
    events: Object.fromEntries(events.map((type) => [type, Type.Object({ type: Type.Literal(type) })])),
    systemEvents: {},
    stageOf: () => 'x',
    open: () => {
      throw new Error('not opened in this test');
    },
  };
}

t.test('the registry refuses a registration that cannot work, at composition', async (t) => {
  t.throws(() => createWorkflowRegistry(toolkit, [(r) => r.addTarget(target('a', ['X'])), (r) => r.addTarget(target('a', ['Y']))]), /zweimal/);
  t.throws(() => createWorkflowRegistry(toolkit, [(r) => r.addTarget(target('a', ['X'])), (r) => r.addTarget(target('b', ['X']))]), /gehört zu/);
  t.throws(
    () => createWorkflowRegistry(toolkit, [(r) => r.addPrecondition('nobody', { events: ['X'], check: async () => null })]),
    /unbekannte Ziel „nobody“/,
  );
  t.throws(
    () => createWorkflowRegistry(toolkit, [(r) => r.addTarget(target('a', ['X'])), (r) => r.addReaction('a', { events: ['Y'], react: async () => {} })]),
    /Y, das „a“ nicht kennt/,
  );
  t.throws(() => createWorkflowRegistry(toolkit, []).target('a'), /kein Ziel „a“/);
});

t.test('a feature that registers a target needs no engine change: the registry finds its events and rules', async (t) => {
  const registry = createWorkflowRegistry(toolkit, [
    (r) => r.addTarget({ ...target('neu', ['ANLEGEN']), payloadRules: () => [{ field: '/event/x', message: 'nein' }] }),
    (r) => r.classifyJobKinds('k', ['a', 'b']),
    (r) => r.classifyJobKinds('k', ['b', 'c']),
  ]);
  t.equal(registry.ownerOf('ANLEGEN')?.name, 'neu');
  t.ok(registry.eventSchemaOf('ANLEGEN'));
  t.equal(registry.eventSchemaOf('constructor'), undefined, 'only own event types');
  t.same(registry.jobKinds('k'), ['a', 'b', 'c']);
  t.same(registry.jobKinds('none'), []);
});

t.test('the composed workflows: three targets, the go-live meets the blocking tickets before the checklist', async (t) => {
  const registry = composeWorkflows();
  t.same(registry.targets.map((target) => target.name), ['solution', 'participant', 'ticket']);
  const pilotLive = registry.preconditionsFor('participant', 'PILOT_LIVE_MELDEN');
  t.equal(pilotLive.length, 2);
  t.equal(pilotLive[0], blockingTicketsGate, 'blocking tickets first');
  t.same(registry.preconditionsFor('participant', 'LIVE_BESTAETIGEN'), [blockingTicketsGate]);
  t.equal(registry.reactionsFor('participant', 'BEREITSCHAFT_MELDEN').length, 1, 'automatic tickets');
  t.equal(registry.reactionsFor('ticket', 'LOESEN').length, 1, 'the notice of the solution');
  t.same([...registry.jobKinds('rollout.outlives-the-end')].sort(), ['mail.send', 'ticket.benachrichtigen']);
  t.same([...registry.jobKinds('rollout.reminds-the-authority')].sort(), ['effect.escalateParticipant', 'effect.remindParticipant', 'mailing.reminder']);
});
