import type { Socket } from 'node:net';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { HtmlErrorPage } from './error.handler.ts';

/**
 * Errors Node's HTTP parser raises before a request reaches Fastify's routes – above
 * all a request whose body did not arrive within REQUEST_TIMEOUT_MS (a slow or stalled
 * client would otherwise hold a connection for good). Fastify's default answers these
 * with its own JSON; here they are problem+json like every other error, or a German
 * HTML page for a person on an answer page.
 */
export interface ClientErrorOptions {
  requestTimeoutMs: number;
  /** The HTML page (and its headers) for a request to this path, or null for problem+json. */
  htmlPageFor?: HtmlErrorPage;
}

const KNOWN: Record<string, { status: number; title: string; detail: (options: ClientErrorOptions) => string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    title: 'Zeitüberschreitung',
    detail: (options) => `Die Anfrage ist nicht innerhalb von ${Math.round(options.requestTimeoutMs / 1000)} s vollständig angekommen.`,
  },
  HPE_HEADER_OVERFLOW: { status: 431, title: 'Kopfzeilen zu groß', detail: () => 'Die Kopfzeilen der Anfrage sind zu groß.' },
};

/**
 * Headers too large for the parser: no request object exists, but the bytes read so far
 * (Node's rawPacket) begin with the request line, whose path decides the page.
 */
function requestLineTarget(error: Error & { rawPacket?: unknown }): string | null {
  if (!Buffer.isBuffer(error.rawPacket)) return null;
  const firstLine = error.rawPacket.subarray(0, 8192).toString('latin1').split('\r\n', 1)[0] ?? '';
  return /^[A-Z]+ (\S+) HTTP\/1\.[01]$/.exec(firstLine)?.[1] ?? null;
}

export function createClientErrorHandler(options: ClientErrorOptions) {
  return function handleClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const known = (error.code && KNOWN[error.code]) || { status: 400, title: 'Ungültige Anfrage', detail: () => 'Die Anfrage ist kein gültiges HTTP.' };
    // Not the error itself: Node attaches the raw request bytes (rawPacket), URL and all.
    this.log.debug({ code: error.code }, `Anfrage abgebrochen (${known.status})`);
    if (socket.writable) {
      // A request whose headers were read has its response object on the socket; its
      // path decides between the HTML page and problem+json.
      const path = ((socket as Socket & { _httpMessage?: ServerResponse })._httpMessage?.req?.url ?? requestLineTarget(error) ?? '').split('?')[0] ?? '';
      const page = options.htmlPageFor?.(path, known.status) ?? null;
      const [type, body] = page
        ? ['text/html; charset=utf-8', page.html]
        : [
            'application/problem+json',
            // never the path: under /antwort/ it carries a link token
            JSON.stringify({ type: 'about:blank', title: known.title, status: known.status, detail: known.detail(options) }),
          ];
      const headers = { ...page?.headers, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' };
      const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      socket.write(`HTTP/1.1 ${known.status} ${STATUS_CODES[known.status]}\r\n${head}\r\n${body}`);
    }
    socket.destroy(error);
  };
}
