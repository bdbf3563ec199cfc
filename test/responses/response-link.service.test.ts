import t from 'tap';
import { randomUUID } from 'node:crypto';
import { toJson } from '../../src/db/schema.ts';
import { openTestDatabase, databaseKinds } from '../helpers/databases.ts';
import {
  deriveCsrfToken,
  deriveLinkToken,
  findLinkByToken,
  getLinkSecret,
  hashLinkToken,
  issueResponseLinks,
  verifyCsrfToken,
} from '../../src/links/link.service.ts';
import { parseFormDate, validateAnswer } from '../../src/responses/response.service.ts';
import { escapeText } from '../../src/markup/html.ts';
import { damagedFieldErrors, parseFormBody, refuseDamagedFields } from '../../src/web/form-body.ts';
import { insertBareMailing, insertBareSolution } from '../helpers/rows.ts';

const POTSDAM = '120540000000';
const DAY = 24 * 60 * 60 * 1000;

t.test('link tokens are HMACs: deterministic per key and subject, 43 base64url characters', async (t) => {
  const key = Buffer.alloc(32, 7);
  const subject = { solutionId: randomUUID(), ars: POTSDAM, purpose: 'interesse' as const };
  const token = deriveLinkToken(key, subject);
  t.match(token, /^[A-Za-z0-9_-]{43}$/);
  t.equal(deriveLinkToken(key, subject), token, 'a reminder carries the same link');
  t.not(deriveLinkToken(key, { ...subject, purpose: 'pilot' }), token, 'one link per purpose');
  t.not(deriveLinkToken(Buffer.alloc(32, 8), subject), token, 'only the key holder can derive it');
  t.match(hashLinkToken(token), /^[0-9a-f]{64}$/);

  const csrf = deriveCsrfToken(key, hashLinkToken(token));
  t.ok(verifyCsrfToken(key, hashLinkToken(token), csrf));
  const flipped = `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`;
  t.notOk(verifyCsrfToken(key, hashLinkToken(token), flipped));
  t.notOk(verifyCsrfToken(key, hashLinkToken(token), undefined));
  t.notOk(verifyCsrfToken(key, hashLinkToken(token), [csrf]), 'a repeated field is not a CSRF value');
});

t.test('form answers are validated per purpose', async (t) => {
  const now = new Date('2026-03-10T10:00:00Z');
  t.equal(parseFormDate('2026-04-01'), '2026-04-01');
  t.equal(parseFormDate('1.4.2026'), '2026-04-01', 'German format typed into a plain text field');
  t.equal(parseFormDate('30.02.2026'), null);
  t.equal(parseFormDate('morgen'), null);

  t.match(validateAnswer('interesse', { wahl: 'interesse' }, now), { answer: { purpose: 'interesse', wahl: 'interesse' } });
  t.match(validateAnswer('interesse', {}, now).errors, [{ field: 'wahl' }]);
  t.match(validateAnswer('interesse', { wahl: 'nicht-zustaendig' }, now).errors, [{ field: 'freitext' }], 'who is responsible instead?');
  t.match(validateAnswer('bereitschaft', { status: 'bereit-ab', ab: '2026-03-09' }, now).errors, [{ field: 'ab', message: /Vergangenheit/ }]);
  t.match(validateAnswer('bereitschaft', { status: 'bereit-ab', ab: '10.03.2026' }, now), { answer: { ab: '2026-03-10' } }, 'today is fine');
  t.match(validateAnswer('bereitschaft', { status: 'nicht-bereit' }, now).errors, [{ field: 'gruende' }]);
  t.match(validateAnswer('bereitschaft', { status: 'nicht-bereit', gruende: ['epayment', 'erfunden'] }, now).errors, [{ field: 'gruende' }]);
  t.match(validateAnswer('bereitschaft', { status: 'nicht-bereit', gruende: ['sonstiges'] }, now).errors, [{ field: 'freitext' }]);
  t.match(
    validateAnswer('bereitschaft', { status: 'nicht-bereit', gruende: ['avv', 'bundid'], freitext: ' AVV liegt beim Rechtsamt ' }, now),
    { answer: { status: 'nicht-bereit', gruende: ['avv', 'bundid'], freitext: 'AVV liegt beim Rechtsamt' } },
  );
  t.match(validateAnswer('bus-bb', { onlineDienstUrl: 'javascript:alert(1)', verknuepftAm: '2026-03-11' }, now).errors, [
    { field: 'onlineDienstUrl' },
    { field: 'verknuepftAm', message: /Zukunft/ },
  ]);

  t.match(validateAnswer('interesse', { wahl: 'interesse', freitext: 'Gruß\u0007' }, now).errors, [{ field: 'freitext', message: /Steuerzeichen/ }]);
  t.same(validateAnswer('interesse', { wahl: 'interesse', freitext: 'Zeile 1\r\nZeile 2\tEnde' }, now).errors, []);
  t.same(parseFormBody('a=1&gruende=avv&gruende=personal&x=%3Cb%3E'), { a: '1', gruende: ['avv', 'personal'], x: '<b>' });
  t.same(parseFormBody('betreff=Gr%C3%BC%C3%9Fe+aus+Cottbus&leer=&ohne'), { betreff: 'Grüße aus Cottbus', leer: '', ohne: '' });
  // Characters that cannot be stored – not UTF-8 (Latin-1 bytes, an encoded lone surrogate, a broken
  // escape), NUL and other control characters – are taken out, and the field is remembered for the form.
  for (const [body, field, kept] of [
    ['csrf=x&betreff=Gr%FC%DFe', 'betreff', 'Gre'],
    ['text=a%ED%A0%80b', 'text', 'ab'],
    ['beschreibung=100%', 'beschreibung', '100'],
    ['beschreibung=a%00b%07c', 'beschreibung', 'abc'],
    ['%FF=1', '', '1'],
  ] as const) {
    const fields = parseFormBody(body);
    t.equal(fields[field], kept, `${body}: the rest of the text is kept`);
    t.match(damagedFieldErrors(fields), [{ field, message: /nicht gespeichert werden können/ }], `${body}: the field is named`);
    t.throws(() => refuseDamagedFields(fields), { errors: [{ field }] }, body);
  }
  const tidy = parseFormBody('text=Zeile+1%0D%0AZeile+2%09Ende');
  t.equal(tidy.text, 'Zeile 1\r\nZeile 2\tEnde', 'line breaks and tabs are text');
  t.same(damagedFieldErrors(tidy), []);
  t.same(Object.keys(parseFormBody('a=%00')), ['a'], 'the remembered fields are no form field');
  t.equal(escapeText(`<a href="x" onclick='y'>&`), '&#60;a href&#61;&#34;x&#34; onclick&#61;&#39;y&#39;&#62;&#38;');
});

for (const kind of databaseKinds()) {
  t.test(`${kind}: links are stored as hashes, issued idempotently and found by token`, async (t) => {
    const { db } = await openTestDatabase(t, kind);

    const [first, second] = await Promise.all([getLinkSecret(db), getLinkSecret(db)]);
    t.equal(first.length, 32);
    t.same(first, second, 'concurrent first use agrees on one key');
    t.same(await getLinkSecret(db), first, 'the key stays');

    await db
      .insertInto('authority')
      .values({ ars: POTSDAM, ags: '12054000', name: 'Potsdam, Stadt', kind: 'kreisfreie_stadt', land: '12' })
      .execute();
    const solutionId = await insertBareSolution(db);
    const mailing = () => insertBareMailing(db, solutionId);

    const soon = new Date(Date.now() + 7 * DAY);
    const later = new Date(Date.now() + 30 * DAY);
    const firstMailing = await mailing();
    const urls = await issueResponseLinks(db, {
      secret: first,
      solutionId,
      ars: POTSDAM,
      mailingId: firstMailing,
      purposes: ['interesse', 'pilot'],
      expiresAt: later,
      baseUrl: 'https://efa.example/',
    });
    t.same(Object.keys(urls).sort(), ['interesse', 'pilot']);
    const token = urls.interesse!.replace('https://efa.example/antwort/', '');
    t.equal(token, deriveLinkToken(first, { solutionId, ars: POTSDAM, purpose: 'interesse' }));

    const rows = await db.selectFrom('response_link').selectAll().execute();
    t.equal(rows.length, 2);
    t.notOk(JSON.stringify(rows).includes(token), 'the plaintext token is nowhere in the table');
    t.ok(rows.some((row) => row.token_hash === hashLinkToken(token)));

    await db.updateTable('response_link').set({ used_at: new Date(), answer: toJson({ wahl: 'interesse' }) }).where('purpose', '=', 'interesse').execute();
    const again = await issueResponseLinks(db, {
      secret: first,
      solutionId,
      ars: POTSDAM,
      mailingId: await mailing(),
      purposes: ['interesse', 'interesse'],
      expiresAt: soon,
      baseUrl: 'https://efa.example',
    });
    t.equal(again.interesse, urls.interesse, 'a reminder carries the same link');
    const kept = (await findLinkByToken(db, token))!;
    t.ok(kept.used_at, 'the answer survives a re-issue');
    t.same(kept.answer, { wahl: 'interesse' });
    t.equal(kept.expires_at.getTime(), later.getTime(), 'expiry is only ever extended');
    t.equal(kept.mailing_id, firstMailing);

    const evenLater = new Date(Date.now() + 60 * DAY);
    await issueResponseLinks(db, { secret: first, solutionId, ars: POTSDAM, mailingId: firstMailing, purposes: ['interesse'], expiresAt: evenLater, baseUrl: 'https://efa.example' });
    t.equal((await findLinkByToken(db, token))!.expires_at.getTime(), evenLater.getTime());

    const tampered = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    t.equal(await findLinkByToken(db, tampered), null, 'one character changed: unknown');
    t.equal(await findLinkByToken(db, token.slice(1)), null, 'too short');
    t.equal(await findLinkByToken(db, `${token.slice(0, 42)}%`), null, 'not base64url');
    t.equal(await findLinkByToken(db, "' or 1=1 --"), null);
  });
}
