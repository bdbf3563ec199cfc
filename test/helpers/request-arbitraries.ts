import fc from 'fast-check';
import type { Json } from './operation-samples.ts';

/**
 * fast-check arbitraries drawn from the app's own OpenAPI document (test/api/api-properties.test.ts):
 * values that match a request schema, and mutations that spoil one place of a valid body –
 * a wrong JSON type, a missing or an unknown property, a number out of range, a NUL byte,
 * a lone surrogate, a megabyte string, deep nesting – each naming the pointer it spoils.
 * Some mutations cannot be written as a JSON value (a lone surrogate, 1e400, 10,000 levels):
 * they are spliced into the JSON text in place of a marker.
 */

export type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: Json[];
  const?: Json;
  oneOf?: Schema[];
  anyOf?: Schema[];
  discriminator?: { propertyName: string };
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  minProperties?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
};

/** Values to prefer for a string of this schema and property name (ARS of the directory, the world's ids), if any. */
export type StringHints = (schema: Schema, name: string) => readonly string[] | undefined;

export interface SchemaContext {
  components: Record<string, Schema>;
  hints: StringHints;
  /** 'YYYY-MM-DD' of the test clock's today. */
  today: string;
}

export function resolveSchema(context: Pick<SchemaContext, 'components'>, schema: Schema): Schema {
  return schema.$ref ? resolveSchema(context, context.components[schema.$ref.replace('#/components/schemas/', '')]!) : schema;
}

const DAY = 24 * 60 * 60 * 1000;
/** Longest string a valid value gets: the limits themselves are the mutations' business. */
const VALID_STRING_MAX = 40;

/** Calendar dates at the edges of what a date column and Date take. */
const EDGE_DATES = ['0000-01-01', '0001-01-01', '1000-01-01', '1900-02-28', '1970-01-01', '2024-02-29', '2038-01-19', '9999-12-31'];

/** Text that trips up code that builds SQL patterns, templates, CSV, HTML or headers from it (kept only where the schema allows it). */
const AWKWARD_TEXTS = [
  '\\', 'a\\', '%', '_', '%_\\', "'", "O'Brien", '"', '$1', '${x}', '{{', '}}', '{{loesung.titel}}', '{{{x}}}', '{{#each x}}', '{{unbekannt}}',
  '<script>alert(1)</script>', '=1+1', '@SUMME(A1)', 'ä', 'ß', 'ﬁ', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '👩‍👩‍👧', 'e\u0301', '\u202e', '\u2028', '\ufeff', ' ', '\t', 'a\tb', 'null', 'undefined', 'NaN', '0', '-1', '..', '/',
];

/** Strings as ajv (unicode mode) and PostgreSQL take them: well-formed, no NUL. */
const storable = (value: string) => value.isWellFormed() && !value.includes('\u0000');

function stringArbitrary(context: SchemaContext, schema: Schema, name: string): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Number.MAX_SAFE_INTEGER;
  const pattern = schema.pattern ? new RegExp(schema.pattern, 'u') : null;
  const fits = (value: string) => value.length >= min && value.length <= max && (!pattern || pattern.test(value)) && storable(value);
  let base: fc.Arbitrary<string>;
  if (schema.format === 'uuid') base = fc.uuid();
  else if (schema.format === 'date') {
    base = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: -400, max: 400 }).map((days) => new Date(Date.parse(context.today) + days * DAY).toISOString().slice(0, 10)) },
      { weight: 1, arbitrary: fc.constantFrom(...EDGE_DATES) },
    );
  }
  else if (schema.format === 'email') base = fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}[a-z0-9]@[a-z]{1,10}\.example$/);
  else if (pattern) {
    try {
      base = fc.stringMatching(new RegExp(schema.pattern!));
    } catch {
      // a look-ahead fast-check cannot generate from: any text, kept if it matches
      base = fc.string({ minLength: Math.max(min, 1), maxLength: Math.min(max, VALID_STRING_MAX), unit: 'grapheme' });
    }
  } else base = fc.string({ minLength: min, maxLength: Math.min(max, VALID_STRING_MAX), unit: 'grapheme' });
  if (!schema.format) base = fc.oneof({ weight: 4, arbitrary: base }, { weight: 1, arbitrary: fc.constantFrom(...AWKWARD_TEXTS) });
  base = base.map((value) => (value.length > VALID_STRING_MAX && VALID_STRING_MAX >= min ? value.slice(0, Math.max(min, VALID_STRING_MAX)) : value)).filter(fits);
  const known = context.hints(schema, name)?.filter(fits);
  return known?.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: base }) : base;
}

/** A value the schema accepts (as far as the schema says: the service's own rules may still refuse it). */
export function valueArbitrary(context: SchemaContext, input: Schema, name = ''): fc.Arbitrary<Json> {
  const schema = resolveSchema(context, input);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.oneOf ?? schema.anyOf;
  if (union) {
    // a discriminated union's open branch is the system's events: a client's is refused before its fields matter
    const branches = union.map((branch) => resolveSchema(context, branch)).filter((branch) => !schema.discriminator || branch.additionalProperties === false);
    return fc.oneof(...branches.map((branch) => valueArbitrary(context, branch, name)));
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : (schema.type ?? (schema.properties ? 'object' : undefined));
  switch (type) {
    case 'object': {
      const properties = Object.entries(schema.properties ?? {});
      const record = fc.record(Object.fromEntries(properties.map(([key, property]) => [key, valueArbitrary(context, property, key)])), {
        requiredKeys: (schema.required ?? []).filter((key) => schema.properties?.[key]),
      }) as fc.Arbitrary<Record<string, Json>>;
      return schema.minProperties ? record.filter((value) => Object.keys(value).length >= schema.minProperties!) : record;
    }
    case 'array': {
      const items = valueArbitrary(context, schema.items ?? {}, name);
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 4, 4));
      return schema.uniqueItems ? fc.uniqueArray(items, { minLength, maxLength, selector: (value) => JSON.stringify(value) }) : fc.array(items, { minLength, maxLength });
    }
    case 'string':
      return stringArbitrary(context, schema, name);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;
  }
}

// ---------------------------------------------------------------------------------------
// Mutations of a body

/** Stands in a JSON text for what JSON.stringify cannot write; replaced with `raw` when serialised. */
const RAW_MARK = '__raw_value_3f9c__';
export const MEGABYTE = 1024 * 1024;

export type Mutation =
  | { kind: 'wrong type'; pointer: string; value: Json }
  | { kind: 'missing'; pointer: string }
  | { kind: 'unknown property'; pointer: string; value: Json }
  | { kind: 'raw value'; pointer: string; what: string; raw: string }
  | { kind: 'string'; pointer: string; what: string; value: string }
  | { kind: 'whole body'; what: string; text: string; contentType?: string };

/** Every place of a JSON value: pointer, value and whether it is an object's property. */
function placesOf(value: Json, pointer = ''): { pointer: string; value: Json; property: boolean }[] {
  const children: [string, Json][] = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : value !== null && typeof value === 'object' ? Object.entries(value) : [];
  return children.flatMap(([key, item]) => {
    const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return [{ pointer: at, value: item, property: !Array.isArray(value) }, ...placesOf(item, at)];
  });
}

const nested = (levels: number, kind: 'objects' | 'arrays') => (kind === 'objects' ? '{"a":'.repeat(levels) + '1' + '}'.repeat(levels) : '['.repeat(levels) + ']'.repeat(levels));

const NUMBER_LITERALS = ['-1', '0', '1001', '100000', '1.5', '-0.5', '1e20', '2147483648', '9007199254740993', '9223372036854775808', '1e400', '-1e400', '1e-400'];
const WRONG_TYPES: Json[] = [null, true, false, 0, 1, '', 'x', '1', 'true', [], ['x'], {}, { a: 1 }];

/** A mutation of one place of `body` (or of the whole body). */
export function mutationArbitrary(body: Json): fc.Arbitrary<Mutation> {
  const places = placesOf(body);
  const objects = ['', ...places.filter((place) => place.value !== null && typeof place.value === 'object' && !Array.isArray(place.value)).map((place) => place.pointer)];
  const anywhere = ['', ...places.map((place) => place.pointer)];
  const properties = places.filter((place) => place.property).map((place) => place.pointer);
  const leaves = places.filter((place) => place.value === null || typeof place.value !== 'object').map((place) => place.pointer);
  const pick = (pointers: string[]) => fc.constantFrom(...pointers);
  const at = (pointers: string[]) => (pointers.length ? pick(pointers) : fc.constant(''));
  const options: fc.Arbitrary<Mutation>[] = [
    fc.record({ kind: fc.constant('wrong type' as const), pointer: pick(anywhere), value: fc.constantFrom(...WRONG_TYPES) }),
    fc.record({
      kind: fc.constant('unknown property' as const),
      pointer: fc.tuple(pick(objects), fc.constantFrom('unbekannt', 'Type', 'x\u0000y', 'x\ud800y', '__proto__', 'constructor')).map(([object, name]) => `${object}/${name}`),
      value: fc.constantFrom<Json>('x', 1, null, { prototype: { polluted: true } }),
    }),
    fc.record({ kind: fc.constant('raw value' as const), pointer: at(leaves), literal: fc.constantFrom(...NUMBER_LITERALS) }).map(({ pointer, literal }) => ({ kind: 'raw value' as const, pointer, what: `number ${literal}`, raw: literal })),
    fc.record({ pointer: at(anywhere), levels: fc.constantFrom(17, 100, 10_000), shape: fc.constantFrom('objects' as const, 'arrays' as const) }).map(({ pointer, levels, shape }) => ({
      kind: 'raw value' as const,
      pointer,
      what: `${levels} nested ${shape}`,
      raw: nested(levels, shape),
    })),
    fc.record({ pointer: at(leaves), surrogate: fc.constantFrom('\\ud800', '\\udfff', 'a\\udc00b') }).map(({ pointer, surrogate }) => ({
      kind: 'raw value' as const,
      pointer,
      what: `lone surrogate ${surrogate}`,
      raw: `"${surrogate}"`,
    })),
    fc.record({
      pointer: at(leaves),
      spoil: fc.constantFrom(
        ['NUL byte', (text: string) => `${text}\u0000`],
        ['NUL only', () => '\u0000'],
        ['control character', (text: string) => `${text}\u0007`],
        ['line break', (text: string) => `${text}\r\nBcc: alle@example.org`],
        ['empty', () => ''],
        ['blank', () => '   '],
        ['301 characters', () => 'x'.repeat(301)],
        ['20,001 characters', () => 'ä'.repeat(20_001)],
        ['a megabyte', () => 'x'.repeat(MEGABYTE)],
        ['an impossible date', () => '2025-02-30'],
        ['the year 0000', () => '0000-01-01'],
        ['the last day of 9999', () => '9999-12-31'],
        ['two mail addresses', () => 'a@msgiv.example, b@msgiv.example'],
      ) as fc.Arbitrary<[string, (text: string) => string]>,
    }).map(({ pointer, spoil: [what, spoil] }) => {
      const original = valueAt(body, pointer);
      return { kind: 'string' as const, pointer, what, value: spoil(typeof original === 'string' ? original : 'x') };
    }),
    fc.constantFrom<Mutation>(
      { kind: 'whole body', what: 'broken JSON', text: '{"x":' },
      { kind: 'whole body', what: 'empty body', text: '' },
      { kind: 'whole body', what: 'a list', text: '[]' },
      { kind: 'whole body', what: 'a string', text: '"x"' },
      { kind: 'whole body', what: 'null', text: 'null' },
      { kind: 'whole body', what: '__proto__', text: '{"__proto__":{"polluted":true}}' },
      { kind: 'whole body', what: 'constructor.prototype', text: '{"constructor":{"prototype":{"polluted":true}}}' },
      { kind: 'whole body', what: '10,000 nested arrays', text: nested(10_000, 'arrays') },
      { kind: 'whole body', what: 'plain text', text: 'x', contentType: 'text/plain' },
      { kind: 'whole body', what: 'XML', text: '<x/>', contentType: 'application/xml' },
      { kind: 'whole body', what: 'form', text: 'a=1', contentType: 'application/x-www-form-urlencoded' },
      { kind: 'whole body', what: 'latin-1 JSON', text: '{"title":"\u00e4"}', contentType: 'application/json; charset=iso-8859-1' },
    ),
  ];
  if (properties.length) options.push(fc.record({ kind: fc.constant('missing' as const), pointer: pick(properties) }));
  return fc.oneof(...options);
}

export function valueAt(body: Json, pointer: string): Json | undefined {
  let value: Json | undefined = body;
  for (const key of pointer.split('/').slice(1)) {
    const name = key.replace(/~1/g, '/').replace(/~0/g, '~');
    value = value !== null && typeof value === 'object' ? (value as Record<string, Json>)[name] : undefined;
  }
  return value;
}

function withValueAt(body: Json, pointer: string, replacement: Json | typeof REMOVE): Json {
  if (pointer === '') return replacement === REMOVE ? {} : replacement;
  const copy = structuredClone(body);
  const keys = pointer.split('/').slice(1).map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  let target = copy as Record<string, Json>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, Json>;
  const last = keys[keys.length - 1]!;
  if (replacement === REMOVE) delete target[last];
  // defineProperty: `__proto__` becomes a property of the body, as JSON.parse makes it
  else Object.defineProperty(target, last, { value: replacement, enumerable: true, writable: true, configurable: true });
  return copy;
}
const REMOVE = Symbol('remove');

/** The JSON text and content type of a body after a mutation, and the pointer a refusal must name. */
export function mutatedBody(body: Json, mutation: Mutation | undefined): { text: string; contentType: string; field?: string } {
  const json = 'application/json';
  if (!mutation) return { text: JSON.stringify(body), contentType: json };
  switch (mutation.kind) {
    case 'whole body':
      return { text: mutation.text, contentType: mutation.contentType ?? json };
    case 'wrong type':
    case 'unknown property':
      return { text: JSON.stringify(withValueAt(body, mutation.pointer, mutation.value)), contentType: json, field: mutation.pointer };
    case 'missing':
      return { text: JSON.stringify(withValueAt(body, mutation.pointer, REMOVE)), contentType: json, field: mutation.pointer };
    case 'string':
      return { text: JSON.stringify(withValueAt(body, mutation.pointer, mutation.value)), contentType: json, field: mutation.pointer };
    case 'raw value':
      return { text: JSON.stringify(withValueAt(body, mutation.pointer, RAW_MARK)).replace(`"${RAW_MARK}"`, () => mutation.raw), contentType: json, field: mutation.pointer };
  }
}

/** A value for a failure message: long strings shortened, the rest as JSON. */
export function readable(value: unknown, limit = 600): string {
  const text = JSON.stringify(value, (_, item: unknown) => (typeof item === 'string' && item.length > 60 ? `${item.slice(0, 20)}…(${item.length} characters)` : item)) ?? String(value);
  return text.length > limit ? `${text.slice(0, limit)}…(${text.length} characters)` : text;
}
