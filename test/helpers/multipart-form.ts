import { randomUUID } from 'node:crypto';
import { SESSION_COOKIE } from '../../src/web/staff.routes.ts';
import type { TestApp } from './app.ts';
import { OWN_ORIGIN } from './forms.ts';

/**
 * A browser's file upload, built by hand: multipart/form-data with text fields and one
 * file, posted with a staff client's session cookie from the page's own origin.
 */

export interface FilePart {
  name: string;
  filename: string;
  content: Buffer;
  type?: string;
}

export function multipartBody(fields: Record<string, string>, file?: FilePart) {
  const boundary = `----efa${randomUUID().replaceAll('-', '')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function postMultipart(
  env: TestApp,
  client: { cookie: string | null },
  url: string,
  fields: Record<string, string>,
  file?: FilePart,
  extra: Record<string, string> = { origin: OWN_ORIGIN },
) {
  const body = multipartBody(fields, file);
  return env.app.inject({
    method: 'POST',
    url,
    headers: {
      host: new URL(OWN_ORIGIN).host,
      ...(client.cookie ? { cookie: `${SESSION_COOKIE}=${client.cookie}` } : {}),
      'content-type': body.contentType,
      ...extra,
    },
    payload: body.payload,
  });
}
