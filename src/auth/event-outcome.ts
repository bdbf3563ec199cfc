import type { EventResult } from '../engine/workflow.engine.ts';
import { choiceForRole, withoutTicketDetails, type EventMachine, type Role } from './roles.ts';
import { ConflictError, ForbiddenError, NotFoundError, InvalidInputError } from '../errors/domain.errors.ts';

/**
 * What the caller learns of an event the engine applied or refused: an applied event is
 * the answer; every other outcome is thrown as the domain error it is (errors/), which the
 * http layer (http/problem.ts) alone turns into a problem. `reader`: the caller's role –
 * its allowed and blocked events are those it may send to `machine`, and a refusal's
 * details name tickets only to roles that may read them (roles.ts). The event's fields are
 * named as the caller sent them: the body of the request (`/body/…`).
 */
export function eventOutcomeForCaller(engineResult: EventResult, reader: Role, machine: EventMachine) {
  const result = 'allowedEvents' in engineResult ? choiceForRole(engineResult, reader, machine) : engineResult;
  switch (result.kind) {
    case 'applied': {
      const { fromStage, stage, revision, context, allowedEvents, blockedEvents, historyId } = result;
      return { fromStage, stage, revision, context, allowedEvents, blockedEvents, historyId };
    }
    case 'already-applied':
      throw new ConflictError('Das Ereignis wurde bereits angewandt.', { stage: result.stage, historyId: result.historyId });
    case 'refused':
      throw new ConflictError(result.reason, {
        stage: result.stage,
        allowedEvents: result.allowedEvents,
        blockedEvents: result.blockedEvents,
        ...(result.facts ? { facts: result.facts } : {}),
      });
    case 'precondition-failed':
      throw new ConflictError(result.reason, {
        ...withoutTicketDetails(result.details, reader),
        stage: result.stage,
        allowedEvents: result.allowedEvents,
        blockedEvents: result.blockedEvents,
      });
    case 'solution-inactive':
      throw new ConflictError(result.reason, {
        solutionStage: result.solutionStage,
        allowedEvents: result.allowedEvents,
        blockedEvents: result.blockedEvents,
      });
    case 'not-found':
      throw new NotFoundError(result.reason);
    case 'invalid':
      // The engine names the event's fields (`/event/reason`); over HTTP the event is the body.
      throw new InvalidInputError(
        result.reason,
        result.errors.map((error) => ({ ...error, field: error.field.replace(/^\/event(?=\/|$)/, '/body') })),
      );
    case 'system-only':
      throw new ForbiddenError(result.reason);
  }
}
