import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import swaggerUi, { type FastifySwaggerUiOptions } from '@fastify/swagger-ui';

/** Contrast and 320 px reflow fixes on top of Swagger UI's own stylesheet (see the file). */
const DOCS_CSS = readFileSync(new URL('./docs-ui.css', import.meta.url), 'utf8');

/**
 * What Swagger UI's own files need and nothing more: its scripts and stylesheets come
 * from /docs/static, its icons are data: URIs in its CSS, it fetches the document from
 * /docs/json and sends "Try it out" requests to the same origin (the UI's copy of the
 * document names no server, below). React sets its inline styles through the CSSOM,
 * which style-src does not govern. test/browser/docs.browser.test.ts loads the page
 * and operates it in Chromium and fails on any violation.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/**
 * Swagger UI at /docs, with what its options can do for accessibility (README,
 * "Accessibility of /docs"): no top bar (an unlabelled URL field and a contrast failure,
 * of no use here: the page documents this one API), no deep-link anchors inside the
 * operations' toggle buttons (nested interactive controls), and no `servers` in the UI's
 * copy of the document – Swagger UI shows them in a select without a name, and from the
 * page "Try it out" belongs to the origin the page came from anyway. /openapi.json keeps
 * its `servers`.
 */
export function docsUiOptions(): FastifySwaggerUiOptions {
  return {
    routePrefix: '/docs',
    uiConfig: { layout: 'BaseLayout', deepLinking: false },
    staticCSP: DOCS_CSP,
    theme: { title: 'efa-rollout – API-Dokumentation', css: [{ filename: 'efa-rollout.css', content: DOCS_CSS }] },
    transformSpecification: (document) => {
      const { servers: _servers, ...withoutServers } = document;
      return withoutServers;
    },
  };
}

/** Swagger UI at /docs, after the OpenAPI document is registered (http/openapi.ts). */
export async function registerDocsUi(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, docsUiOptions());
}
