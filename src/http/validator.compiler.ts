import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

/**
 * Fastify's request validation with two ajv instances instead of one. A JSON body says
 * what type each value has: it is validated exactly as the OpenAPI document declares it,
 * and a wrong type is a 422 – `{"blocking": null}` must not become `false` and lift a
 * go-live block, `"42"` is no number, `["x"]` no string. Path, query string and headers
 * are text by nature: there ajv may read `limit=20` as a number and `probelauf=true` as a
 * boolean, nothing more (no query parameter is declared as a list; lists are
 * comma-separated strings). Both instances share everything else: Fastify's defaults,
 * the formats and the options below.
 */
const SHARED_OPTIONS = {
  // unknown properties are refused (additionalProperties: false), never silently dropped
  removeAdditional: false,
  useDefaults: true,
  allErrors: true,
  // event bodies are one schema per `type`, and only the matching one reports errors
  discriminator: true,
  // a failed pattern can be explained by its schema's description
  verbose: true,
} as const;

const BODY_OPTIONS = { ...SHARED_OPTIONS, coerceTypes: false } as const;
/** `true`, not Fastify's `'array'`: a single value is never turned into a list or taken out of one. */
const TEXT_PART_OPTIONS = { ...SHARED_OPTIONS, coerceTypes: true } as const;

type ValidatorFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']>;

/**
 * For `schemaController.compilersFactory.buildValidator`: called once per encapsulation
 * context with its shared schemas (addSchema); answers the compiler Fastify calls per
 * route and request part. The pool keeps one ajv per option set and schema set.
 * Fastify counts this as a custom compiler and no longer lower-cases `headers` schemas;
 * no route declares one (tokens and content types are read by hooks and parsers).
 */
export function createRequestValidatorFactory(): ValidatorFactory {
  const pool = AjvCompiler();
  return (externalSchemas, options) => {
    const plugins = options?.plugins ?? [];
    const strict = pool(externalSchemas, { plugins, customOptions: BODY_OPTIONS });
    const coercing = pool(externalSchemas, { plugins, customOptions: TEXT_PART_OPTIONS });
    return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
  };
}
