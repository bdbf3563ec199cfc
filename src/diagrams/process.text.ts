import { html, type Html } from '../markup/html.ts';
import { transitionWords, type StateWords } from './process.layout.ts';
import type { ProcessModel, ProcessTransition } from './process.walk.ts';

/**
 * The text alternative of a process diagram, from the same walk: every transition as a
 * row "von → Ereignis [Bedingung] → nach" (none left out or merged), and in a sentence
 * where the process starts, where it ends and, on an object's page, where it stands.
 */

export interface TextOptions {
  id: string;
  caption: string;
  current: string | null;
}

export function stateText(model: ProcessModel, key: string, words: StateWords): string {
  const state = model.states.find((s) => s.key === key);
  if (state?.kind === 'history') return `zuletzt aktive Phase in „${words(state.parent ?? '')}“ (${key})`;
  const name = words(key);
  const inner = state?.kind === 'compound' ? ` – jede Phase darin: ${model.states.filter((s) => s.parent === key && s.kind !== 'history').map((s) => words(s.key)).join(', ')}` : '';
  return `${name}${name === key ? '' : ` (${key})`}${inner}`;
}

function row(model: ProcessModel, t: ProcessTransition, words: StateWords, current: string | null): Html {
  const mark = (key: string) => (key === current ? html` <strong>(aktuelle Phase)</strong>` : '');
  return html`<tr><th scope="row">${stateText(model, t.from, words)}${mark(t.from)}</th><td>${transitionWords(t)}</td><td>${t.to === null ? `bleibt in „${words(t.from)}“` : stateText(model, t.to, words)}${t.to ? mark(t.to) : ''}</td></tr>`;
}

export function processSummary(model: ProcessModel, words: StateWords, current: string | null): string {
  const starts = model.states.filter((s) => s.initial && s.kind !== 'compound' && s.kind !== 'history').map((s) => words(s.key));
  const ends = model.states.filter((s) => s.kind === 'final').map((s) => words(s.key));
  const phases = model.states.filter((s) => s.kind === 'atomic' || s.kind === 'final').length;
  const now = current ? ` Aktuelle Phase: ${words(current)}.` : '';
  return `${String(phases)} Phasen, ${String(model.transitions.length)} Übergänge. Anfang: ${starts.join(', ')}. Endzustände: ${ends.length ? ends.join(', ') : 'keine'}.${now}`;
}

export function renderProcessTable(model: ProcessModel, words: StateWords, options: TextOptions): Html {
  return html`<p id="${options.id}-text">${processSummary(model, words, options.current)}</p>
<details><summary>Alle Übergänge als Tabelle</summary>
<div class="tabelle" tabindex="0" role="region" aria-label="${options.caption}"><table>
<caption>${options.caption}</caption>
<thead><tr><th scope="col">Von</th><th scope="col">Ereignis [Bedingung]</th><th scope="col">Nach</th></tr></thead>
<tbody>${model.transitions.map((t) => row(model, t, words, options.current))}</tbody></table></div></details>`;
}
