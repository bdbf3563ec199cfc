import t from 'tap';
import { isMailAddress } from '../../src/validation/mail-address.ts';
import { findUnsafeInput, MAX_NESTING_DEPTH } from '../../src/http/input.guard.ts';

t.test('an e-mail address is exactly one address', async (t) => {
  for (const good of ['ozg@msgiv.brandenburg.de', 'poststelle@amt-britz-chorin-oderberg.de', 'a.b+c@x-y.example']) t.ok(isMailAddress(good), good);
  for (const bad of [
    'ozg@msgiv.example\r\nBcc: alle@example.org',
    'ozg@msgiv.example\n',
    'a@msgiv.example, b@msgiv.example',
    'a@msgiv.example;b@msgiv.example',
    'Referat 32 <ozg@msgiv.example>',
    '"a\nb"@msgiv.example',
    'ozg@localhost',
    'ozg@msgiv.example ',
    '',
    `${'a'.repeat(250)}@x.de`,
  ]) {
    t.notOk(isMailAddress(bad), JSON.stringify(bad));
  }
});

t.test('NUL bytes, lone surrogates and depth are found wherever they are', async (t) => {
  t.same(findUnsafeInput({ a: 'ok', b: ['x', 'y\u0000'] }, '/body'), [{ field: '/body/b/1', message: 'enthält ein NUL-Zeichen (\\u0000)' }]);
  t.same(findUnsafeInput({ text: 'a\ud800b' }, '/body').map((e) => e.field), ['/body/text']);
  t.same(findUnsafeInput({ 'x\u0000y': 1 }, '/body').map((e) => e.field), ['/body/x\\u0000y'], 'a property name too, shown readably');
  t.same(findUnsafeInput({ 'a/b': 'c\udc00' }, '/querystring').map((e) => e.field), ['/querystring/a~1b'], 'JSON pointer escaping');
  t.same(findUnsafeInput({ text: 'Grüße 👋 – „ok“' }, '/body'), [], 'paired surrogates (emoji) are fine');
  let deep: unknown = 'tief';
  for (let level = 0; level < 10_000; level++) deep = { a: deep };
  const errors = findUnsafeInput(deep, '/body');
  t.equal(errors.length, 1, '10,000 levels: one error, no stack overflow');
  t.equal(errors[0]!.field.split('/').length - 2, MAX_NESTING_DEPTH, 'named at the depth limit');
  t.same(findUnsafeInput(Buffer.from('a\u0000b'), '/body'), [], 'raw bytes are the route’s business');
});
