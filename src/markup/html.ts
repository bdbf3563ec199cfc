import { html as escapeWithGhtml } from 'ghtml';

/**
 * The one template mechanism for every page (src/web/) and every mail body: a tagged
 * template that escapes each interpolated value. Escaping is ghtml's (the tagged-template
 * library Fastify's @fastify/html is built on); this module adds one thing, a type for
 * markup, so that templates nest without any raw marker:
 *
 *   html`<li>${name}</li>`                 – name is text: escaped
 *   html`<ul>${items.map(itemHtml)}</ul>`   – Html values and lists of them are inserted as they are
 *
 * Only `html` makes Html. The single way for a string to reach a page unescaped is the
 * explicitly named `trustedHtml` (see there); the architecture test keeps its callers listed.
 */

const MARKUP = Symbol('efa-rollout.markup');

/** Markup, safe to place in a page as it is. The class stays in this module: nothing else can make one. */
class Markup {
  readonly [MARKUP]: string;
  constructor(markup: string) {
    this[MARKUP] = markup;
  }
  toString(): string {
    return this[MARKUP];
  }
}

export type Html = Markup;

/** What a template takes: text and numbers (escaped), markup, lists of these; null, undefined and false leave nothing. */
export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof Markup) return value[MARKUP];
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeWithGhtml`${String(value)}`;
}

/** The tagged template: literal parts as written (escape sequences like `\n` as in any template literal), values escaped. */
export function html(literals: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let markup = literals[0] ?? '';
  for (let i = 0; i < values.length; i++) markup += render(values[i]!) + (literals[i + 1] ?? '');
  return new Markup(markup);
}

/** Text as it appears in HTML (for an attribute built piece by piece, or a test's expectation). */
export function escapeText(text: string): string {
  return render(text);
}

/** Pieces of markup joined by a separator (itself escaped text). */
export function joinHtml(parts: readonly HtmlValue[], separator: string): Html {
  return new Markup(parts.map(render).join(render(separator)));
}

/**
 * The one door for a string to enter HTML unescaped: for markup the program itself holds
 * (a style sheet) or that a ministry's staff wrote as a mail template's HTML (checked on
 * saving, its placeholders filled with escaped values) – never for a value an authority,
 * a request or the directory brings. Its callers are an explicit list in
 * scripts/architecture.rules.ts, checked by the architecture test.
 */
export function trustedHtml(markup: string): Html {
  return new Markup(markup);
}
