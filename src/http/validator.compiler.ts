import type AjvCompilerModule from '@fastify/ajv-compiler';
import type SerializerSelectorModule from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';
import { createRequire } from 'node:module';

/*
 * ajv and fast-json-stringify (with their ~100 modules) are loaded with the first schema
 * compiled, synchronously as Fastify's compilers must be: /health and the pages need
 * neither.
 */
const require = createRequire(import.meta.url);
const loadAjvCompiler = () => require('@fastify/ajv-compiler') as typeof AjvCompilerModule;
const loadSerializerSelector = () => require('@fastify/fast-json-stringify-compiler') as typeof SerializerSelectorModule;

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
  // Our schemas are TypeBox's output, checked by the OpenAPI linter (test/api/openapi.test.ts)
  // and by strict mode here; checking each against the JSON Schema meta-schema made every
  // ajv instance (one per option set and encapsulation context) compile the meta-schema
  // first: ~0.3 s of CPU for a context's first request. fast-json-stringify does the same.
  validateSchema: false,
} as const;

const BODY_OPTIONS = { ...SHARED_OPTIONS, coerceTypes: false } as const;
/** `true`, not Fastify's `'array'`: a single value is never turned into a list or taken out of one. */
const TEXT_PART_OPTIONS = { ...SHARED_OPTIONS, coerceTypes: true } as const;

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;

/** An ajv validate function as Fastify calls it: data and, for a root value it may coerce, its parent. */
interface CompiledValidator {
  (data: unknown, dataContext?: unknown): boolean | PromiseLike<unknown>;
  errors?: unknown;
}

/*
 * Compiled on first use, not at start. Fastify compiles every route's request and
 * response schemas while the routes are registered: with ~250 operations that was about
 * 1.5 s of the start's CPU (ajv and fast-json-stringify generating and V8 compiling
 * their code) and tens of MB of generated functions, for routes a given instance may
 * never serve. The first request of a route now compiles just its own schemas (a few
 * milliseconds). The schemas are the program's own and fixed; the tests send requests
 * through every route (test/api/hostile-input.test.ts), so a schema ajv refuses still
 * fails a test, only no longer the start.
 */
function validateOnFirstUse(compile: () => CompiledValidator): CompiledValidator {
  let compiled: CompiledValidator | undefined;
  const validate: CompiledValidator = (data, dataContext) => {
    compiled ??= compile();
    const result = compiled(data, dataContext);
    validate.errors = compiled.errors;
    return result;
  };
  validate.errors = null;
  // Fastify hands ajv's functions (recognised by schemaEnv) the request as the root
  // value's parent, so that a coerced or defaulted query string reaches the request.
  Object.defineProperty(validate, 'schemaEnv', { value: true });
  return validate;
}

function serializeOnFirstUse(compile: () => (data: unknown) => string): (data: unknown) => string {
  let compiled: ((data: unknown) => string) | undefined;
  return (data) => (compiled ??= compile())(data);
}

/** For `schemaController.compilersFactory.buildSerializer`: Fastify's own (fast-json-stringify), each response schema compiled on first use. */
export function createResponseSerializerFactory(): SerializerFactory {
  let build: ReturnType<typeof SerializerSelectorModule> | undefined;
  return (externalSchemas, options) => {
    let compile: ReturnType<ReturnType<typeof SerializerSelectorModule>> | undefined;
    return (route) => serializeOnFirstUse(() => (compile ??= (build ??= loadSerializerSelector()())(externalSchemas, options))(route));
  };
}

/**
 * For `schemaController.compilersFactory.buildValidator`: called once per encapsulation
 * context with its shared schemas (addSchema); answers the compiler Fastify calls per
 * route and request part. The pool keeps one ajv per option set and schema set.
 * Fastify counts this as a custom compiler and no longer lower-cases `headers` schemas;
 * no route declares one (tokens and content types are read by hooks and parsers).
 */
export function createRequestValidatorFactory(): ValidatorFactory {
  let pool: ReturnType<typeof AjvCompilerModule> | undefined;
  return (externalSchemas, options) => {
    const plugins = options?.plugins ?? [];
    // Each ajv instance is made on first use too: making one compiles its meta-schemas.
    type Compile = ReturnType<ReturnType<typeof AjvCompilerModule>>;
    let strict: Compile | undefined;
    let coercing: Compile | undefined;
    const compile: Compile = (route) =>
      route.httpPart === 'body'
        ? (strict ??= (pool ??= loadAjvCompiler()())(externalSchemas, { plugins, customOptions: BODY_OPTIONS }))(route)
        : (coercing ??= (pool ??= loadAjvCompiler()())(externalSchemas, { plugins, customOptions: TEXT_PART_OPTIONS }))(route);
    // Typed as ajv's function: Fastify only calls it and reads `errors` and `schemaEnv`.
    return (route) => validateOnFirstUse(() => compile(route) as CompiledValidator) as unknown as ReturnType<typeof compile>;
  };
}
