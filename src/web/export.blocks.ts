import { html, type Html } from '../markup/html.ts';
import type { ExportKind } from '../exports/export.service.ts';

/** The downloads of a solution (served by export-pages.routes.ts), and the block that links them. */

const WORDS: Readonly<Record<ExportKind, string>> = { participants: 'teilnehmende', tickets: 'tickets', waves: 'wellen', coverage: 'abdeckung' };

/** The address of a download; `search` (`?stadium=…`) carries the participant table's filters. */
export function exportPath(solutionId: string, kind: ExportKind, format: 'csv' | 'json', search = ''): string {
  return `/verwaltung/loesungen/${solutionId}/export/${WORDS[kind]}.${format}${search}`;
}

export interface ExportLink {
  kind: ExportKind;
  /** What the file holds, e.g. „Teilnehmende (aktueller Filter)“. */
  label: string;
  search?: string;
}

/** „Exportieren“: per file a CSV (for spreadsheets) and a JSON link. */
export function exportBlock(solutionId: string, links: readonly ExportLink[]): Html {
  return html`<section aria-labelledby="export-titel"><h2 id="export-titel">Exportieren</h2>
<ul>${links.map(
    (link) =>
      html`<li>${link.label}: <a href="${exportPath(solutionId, link.kind, 'csv', link.search)}" download>CSV<span class="unsichtbar"> (${link.label})</span></a> (für Tabellenkalkulation) · <a href="${exportPath(solutionId, link.kind, 'json', link.search)}" download>JSON<span class="unsichtbar"> (${link.label})</span></a></li>`,
  )}</ul></section>`;
}
