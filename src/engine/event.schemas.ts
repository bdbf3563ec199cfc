import { Type, type TObject, type TProperties, type TSchema } from 'typebox';

/**
 * How a target describes its events: one TypeBox schema per event type, closed (unknown
 * properties are refused, not stored in the history) and bounded (every text, list and
 * number). The routes validate request bodies with the client union (and show it in the
 * OpenAPI document); the engine validates every event with the same schemas, because
 * effects and link answers send events without HTTP.
 *
 * `at` and `facts` are not in them: the engine sets them itself after validation.
 */

/** Named (`<Machine>Event.<TYPE>`), so that the OpenAPI document can show each as a schema of its own that the discriminator selects. */
export const defineEvent = <Type extends string, Properties extends TProperties>(machine: string, type: Type, description: string, properties: Properties) =>
  Type.Object({ type: Type.Literal(type), ...properties }, { $id: `${machine}Event.${type}`, additionalProperties: false, description, title: type });

/**
 * The body an API caller may send: one branch per client event, chosen by `type`
 * (a discriminated union, so that a 422 speaks of the event sent, not of all of them).
 * The system's events stay in the union as one open branch: a client that sends one gets
 * the engine's 403 with the explanation who sends it, not a schema error. The branches
 * are shared schemas (add them with fastify.addSchema where the event routes live),
 * referenced by $ref.
 */
export function clientEventBody(
  machine: string,
  schemas: Record<string, TObject>,
  types: readonly string[],
  systemEvents: Readonly<Partial<Record<string, string>>>,
  description: string,
) {
  const system = types.filter((type) => systemEvents[type]);
  const branches: TSchema[] = types.filter((type) => !systemEvents[type]).map((type) => schemas[type]!);
  if (system.length) {
    branches.push(
      Type.Object(
        { type: Type.Enum(system) },
        {
          $id: `${machine}Event.System`,
          additionalProperties: true,
          title: 'Systemereignis',
          description: `sendet nur das System (${system.join(', ')}); ein Client erhält 403 mit der Erklärung`,
        },
      ),
    );
  }
  const body = Type.Unsafe<{ type: string } & Record<string, unknown>>({
    type: 'object',
    oneOf: branches.map((branch) => ({ $ref: `${String((branch as { $id?: string }).$id)}#` })),
    discriminator: { propertyName: 'type' },
    description,
  });
  return { body, branches };
}
