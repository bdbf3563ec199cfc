import type { FieldError } from '../errors/domain.errors.ts';
import { berlinDate } from '../time/berlin.clock.ts';
import { fieldErrorsOf, schemaIssuesOf } from '../validation/field-errors.ts';
import type { WorkflowRegistry } from './workflow.types.ts';

/**
 * Checks an event's payload before it reaches a machine, so that a missing reason is a
 * 422 naming the field – not a silently refused transition. The shape of every event is
 * the schema its target registered (the same the routes validate and document); then the
 * target's rules for what a schema cannot say (which fields a status needs, dates that may
 * not lie in Brandenburg's future). The machines' guards check the essentials again.
 *
 * An event type of any registered machine passes the schema check; whether this
 * instance takes it is the machine's answer (refused), not a payload error.
 */
export function validateEventPayload(workflows: WorkflowRegistry, event: Record<string, unknown>, now: Date): FieldError[] {
  const type = event.type;
  // Timer events (xstate.after.*) are the machines' own; the engine lets only the system send them.
  if (typeof type === 'string' && type.startsWith('xstate.')) return [];
  const schema = typeof type === 'string' ? workflows.eventSchemaOf(type) : undefined;
  if (!schema) return [{ field: '/event/type', message: `unbekannter Ereignistyp „${String(type)}“` }];
  const issues = schemaIssuesOf(schema, event);
  if (issues.length) return fieldErrorsOf(issues, '/event');
  return workflows.ownerOf(type as string)?.payloadRules?.(event, berlinDate(now)) ?? [];
}
