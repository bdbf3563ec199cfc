import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';

const kvdaten = (rows: string[]) =>
  Buffer.from(
    '\uFEFF"regionalschluessel";"bezeichnung";"organisationsart";"utm_ostwert";"utm_nordwert";"email";"telefon"\r\n' + rows.join('\r\n') + '\r\n',
  );

for (const kind of databaseKinds()) {
  t.test(`${kind}: directory upload through the admin API`, async (t) => {
    const env = await buildTestApp(t, kind, { withDirectory: false });
    const upload = (body: Buffer, token = env.adminToken) =>
      env.app.inject({ method: 'POST', url: '/api/v1/admin/directory/imports?sourceName=kvdaten.csv', headers: { ...bearer(token), 'content-type': 'text/csv' }, payload: body });

    const good = kvdaten([
      '"120600000000";"Barnim";"Landkreis";"";"";"poststelle@barnim.example";"03334 2140"',
      '"120605005000";"Amt Britz-Chorin-Oderberg";"Amt";"";"";"amt@britz.example";""',
      '"120605005045";"Britz";"amtsangehörige Gemeinde";"420431,5";"5858433,2";"";""',
    ]);
    const response = await upload(good);
    t.equal(response.statusCode, 201, response.body);
    t.match(response.json(), { format: 'kvdaten', total: 3, counts: { landkreis: 1, amt: 1, amtsangehoerige_gemeinde: 1 } });
    const britz = (await env.app.inject({ url: '/api/v1/authorities/120605005045', headers: bearer(env.adminToken) })).json();
    t.equal(britz.parent_ars ?? britz.parentArs, '120605005000', 'Gemeinde → Amt');

    const ministry = await env.ministryToken('MIK');
    t.equal((await upload(good, ministry)).statusCode, 403, 'only admins import');

    const duplicate = kvdaten(['"120600000000";"Barnim";"Landkreis";"";"";"";""', '"120600000000";"Barnim";"Landkreis";"";"";"";""']);
    const refused = await upload(duplicate);
    t.equal(refused.statusCode, 422);
    t.match(refused.headers['content-type'], /application\/problem\+json/);
    t.match(refused.json().detail, /Zeile 3/);
    const count = await env.handle.db.selectFrom('authority').select(env.handle.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    t.equal(Number(count.n), 3, 'nothing changed');

    const empty = await env.app.inject({ method: 'POST', url: '/api/v1/admin/directory/imports', headers: { ...bearer(env.adminToken), 'content-type': 'text/csv' }, payload: '' });
    t.equal(empty.statusCode, 422);
  });
}
