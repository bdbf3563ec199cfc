import { errorCodes, type FastifyRequest } from 'fastify';
import { InvalidInputError, type FieldError } from '../errors/domain.errors.ts';
import { escapePointer, MAX_FIELD_ERRORS } from '../validation/field-errors.ts';

/**
 * One door for every string a request brings (path, query string, JSON body, form):
 * NUL bytes and lone UTF-16 surrogates are refused with a 422 naming the field before
 * any schema or service sees them. PostgreSQL cannot store a NUL in text or jsonb, and a
 * lone surrogate is no Unicode at all – both used to end as a 500 or as a silently
 * replaced character. The same walk bounds the nesting depth, so that a 10,000-level
 * JSON document is refused here instead of being validated, stored or serialised.
 * Raw bodies (the directory upload's bytes) are not strings and are left to their route.
 */

/** Deeper than any request of this API nests (a mailing filter is three levels). */
export const MAX_NESTING_DEPTH = 16;

const PARTS = [
  ['params', 'params'],
  ['query', 'querystring'],
  ['body', 'body'],
] as const;

/** What is wrong with one string, if anything. */
function stringProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'enthält ein NUL-Zeichen (\\u0000)';
  if (!value.isWellFormed()) return 'enthält ein einzelnes UTF-16-Ersatzzeichen (kein gültiges Unicode)';
  return null;
}

/** A property name as it may appear in a field pointer: readable even if it is the culprit. */
function nameInPointer(key: string): string {
  return escapePointer(key.replace(/\u0000/g, '\\u0000').toWellFormed());
}

/**
 * Field errors for NUL bytes, lone surrogates (in values and property names) and nesting
 * deeper than MAX_NESTING_DEPTH. Iterative, so that depth cannot overflow the stack.
 */
export function findUnsafeInput(value: unknown, prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  const stack: { value: unknown; pointer: string; depth: number }[] = [{ value, pointer: prefix, depth: 0 }];
  while (stack.length && errors.length < MAX_FIELD_ERRORS) {
    const { value: current, pointer, depth } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = stringProblem(current);
      if (problem) errors.push({ field: pointer, message: problem });
      continue;
    }
    if (current === null || typeof current !== 'object' || Buffer.isBuffer(current)) continue;
    if (depth >= MAX_NESTING_DEPTH) {
      errors.push({ field: pointer, message: `ist tiefer als ${MAX_NESTING_DEPTH} Ebenen verschachtelt` });
      continue;
    }
    const entries: [string, unknown][] = Array.isArray(current) ? current.map((item, index) => [String(index), item]) : Object.entries(current);
    for (const [key, item] of entries.reverse()) {
      const keyProblem = Array.isArray(current) ? null : stringProblem(key);
      const itemPointer = `${pointer}/${nameInPointer(key)}`;
      if (keyProblem) errors.push({ field: itemPointer, message: `Name der Angabe ${keyProblem}` });
      else stack.push({ value: item, pointer: itemPointer, depth: depth + 1 });
    }
  }
  return errors;
}

/**
 * JSON is UTF-8 (RFC 8259): a JSON body declared in another charset (`application/json;
 * charset=iso-8859-1`) would be read as UTF-8 all the same, so it is refused with 415
 * naming the Content-Type instead of being taken for what it is not.
 */
function refuseForeignJsonCharset(request: FastifyRequest): void {
  const type = request.headers['content-type'];
  if (typeof type !== 'string' || !/^\s*application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i.test(type)) return;
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(type)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) throw new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(type);
}

/** preValidation hook (every route): refuses what no schema should have to consider. */
export async function refuseUnsafeInput(request: FastifyRequest): Promise<void> {
  refuseForeignJsonCharset(request);
  const errors = PARTS.flatMap(([part, name]) => findUnsafeInput(request[part], `/${name}`));
  if (errors.length) throw new InvalidInputError(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

/**
 * preHandler hook (every route): ajv's type coercion turns the query value `Infinity`
 * into a number that passes `integer` and skips `maximum` (and JSON turns 1e400 into
 * Infinity). Checked after validation, when the values have their final types.
 */
export async function refuseNonFiniteNumbers(request: FastifyRequest): Promise<void> {
  const errors: FieldError[] = [];
  for (const [part, name] of PARTS) {
    const stack: { value: unknown; pointer: string }[] = [{ value: request[part], pointer: `/${name}` }];
    while (stack.length && errors.length < MAX_FIELD_ERRORS) {
      const { value, pointer } = stack.pop()!;
      if (typeof value === 'number' && !Number.isFinite(value)) errors.push({ field: pointer, message: 'muss eine endliche Zahl sein' });
      else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
        for (const [key, item] of Object.entries(value)) stack.push({ value: item, pointer: `${pointer}/${escapePointer(key)}` });
      }
    }
  }
  if (errors.length) throw new InvalidInputError(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}
