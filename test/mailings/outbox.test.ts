import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';

const BARNIM = '120600000000';

for (const kind of databaseKinds()) {
  t.test(`${kind}: without SMTP_URL every mail lands in the local outbox, listed through the API`, async (t) => {
    const env = await buildTestApp(t, kind);
    const admin = bearer(env.adminToken);
    const solution = (
      await env.app.inject({
        method: 'POST',
        url: '/api/v1/solutions',
        headers: admin,
        payload: { title: 'i-Kfz', ozgId: '10097', leikaKeys: ['99050012104000'], leadMinistry: 'MIL', responsibility: { level: 'kreis' } },
      })
    ).json();
    const base = `/api/v1/solutions/${solution.id}`;
    await env.app.inject({ method: 'POST', url: `${base}/events`, headers: admin, payload: { type: 'ERSTINFORMATION_STARTEN' } });
    const withoutContact = await env.app.inject({ method: 'POST', url: `${base}/mailings`, headers: admin, payload: { kind: 'erstinformation' } });
    t.equal(withoutContact.statusCode, 422, 'no mailing without the contact it signs with');
    const details = await env.app.inject({
      method: 'PUT',
      url: `${base}/mail-details`,
      headers: admin,
      payload: { kontaktName: 'Referat 41', kontaktEmail: 'referat41@mil.example' },
    });
    t.equal(details.statusCode, 200, details.body);

    const wrongStage = await env.app.inject({ method: 'POST', url: `${base}/mailings`, headers: admin, payload: { kind: 'rollout-einladung' } });
    t.equal(wrongStage.statusCode, 409, 'a rollout invitation does not fit the Erstinformation stage');
    const badFilter = await env.app.inject({
      method: 'POST',
      url: `${base}/mailings`,
      headers: admin,
      payload: { kind: 'erstinformation', filter: { authorities: ['120600005005'] } },
    });
    t.equal(badFilter.statusCode, 422);
    t.equal(badFilter.json().errors[0].field, '/body/filter/authorities/0');
    const noDeadline = await env.app.inject({
      method: 'POST',
      url: `${base}/mailings`,
      headers: admin,
      payload: { kind: 'erstinformation', reminders: { count: 2, intervalDays: 7 } },
    });
    t.equal(noDeadline.statusCode, 422);
    t.equal(noDeadline.json().errors[0].field, '/body/deadline');
    t.equal((await env.handle.db.selectFrom('mailing').select('id').execute()).length, 0, 'refused mailings leave nothing behind');

    const byKreis = await env.app.inject({
      method: 'POST',
      url: `${base}/mailings`,
      headers: admin,
      payload: { kind: 'erstinformation', filter: { kreisArs: BARNIM } },
    });
    t.equal(byKreis.statusCode, 201, byKreis.body);
    t.equal(byKreis.json().messages, 1, 'limited to one Landkreis (no multipliers configured)');
    await env.worker.drain();

    const outbox = (await env.app.inject({ url: '/api/v1/admin/outbox', headers: admin })).json();
    t.equal(outbox.smtp, false);
    t.equal(outbox.items.length, 1);
    const file = await env.app.inject({ url: `/api/v1/admin/outbox/${outbox.items[0].file}`, headers: admin });
    t.equal(file.statusCode, 200);
    t.match(file.headers['content-type'], /message\/rfc822/);
    t.match(file.body, /To: poststelle\.120600000000@kommunen\.example/);
    t.match(file.body, /Message-ID: <[0-9a-f-]+@msgiv\.example>/i);
    t.match(file.body, /^Auto-Submitted: auto-generated\r$/m, 'the outbox copy carries the headers the SMTP copy does');
    t.match(file.body, /^X-Auto-Response-Suppress: OOF, AutoReply\r$/m);
    t.match(file.body, /^Reply-To: Referat 41 <referat41@mil\.example>\r$/m);
    t.equal((await env.app.inject({ url: '/api/v1/admin/outbox/..%2Fsecret.eml', headers: admin })).statusCode, 422, 'no path traversal');

    const ministry = await env.ministryToken('MIL');
    t.equal((await env.app.inject({ url: '/api/v1/admin/outbox', headers: bearer(ministry) })).statusCode, 403);
  });
}
