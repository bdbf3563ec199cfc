import t from 'tap';
import { readFile } from 'node:fs/promises';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { setUpBusBbRollout } from '../helpers/busbb-rollout.ts';

/**
 * Reconciliation with a PVOG/BUS-BB export (fixtures/pvog-export-gewerbeanmeldung.json,
 * planted mismatches): the four categories, an Amt found through all its members, invalid
 * records with their positions, a second import showing what changed, and applying it.
 */

const POTSDAM = '120540000000'; // reported, and in the export → bestaetigt
const COTTBUS = '120520000000'; // reported, only an OE and another Leistung in the export → gemeldet-nicht-gefunden
const BRANDENBURG = '120510000000'; // invited, found through the second Leistung id → gefunden-nicht-gemeldet, applied
const FRANKFURT = '120530000000'; // informed only, found → gefunden-nicht-gemeldet, not applicable in its stage
const AMT_BIESENTHAL = '120605003000'; // every member Gemeinde served → found through its members
const AMT_JOACHIMSTHAL = '120605006000'; // two of four members served → fehlt
const AHRENSFELDE = '120600005005'; // nothing → fehlt
const FIXTURE = new URL('../../fixtures/pvog-export-gewerbeanmeldung.json', import.meta.url);

type Json = Record<string, any>;


const byArs = (view: Json) => Object.fromEntries(view.participants.map((p: Json) => [p.ars, p]));

for (const kind of databaseKinds()) {
  t.test(`${kind}: a PVOG export against the authorities' reports`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, base } = await setUpBusBbRollout(env);
    const exportDocument = JSON.parse(await readFile(FIXTURE, 'utf8'));
    const redaktion = await env.roleToken('landesredaktion');

    const imported = await env.app.inject({ method: 'POST', url: `${base}/reconciliations`, headers: bearer(redaktion), payload: exportDocument });
    t.equal(imported.statusCode, 201, imported.body);
    const first = imported.json();
    t.equal(imported.headers.location, `${base}/reconciliations/${first.id}`);
    t.same(first.summary.leistungIds, ['L100001', 'L100002'], 'LeiKa mapped to both Leistung ids, not to the other Leistung');
    t.same(first.summary.categories, { bestaetigt: 1, 'gemeldet-nicht-gefunden': 1, 'gefunden-nicht-gemeldet': 3, fehlt: 2 });
    t.same(first.summary.records, {
      leistungen: { total: 5, valid: 3 },
      zustaendigkeiten: { total: 18, valid: 14 },
      onlinedienste: { total: 4, valid: 3 },
    });
    t.equal(first.previousId, null);
    t.same(first.changes, [], 'nothing to compare with yet');

    const participants = byArs(first);
    t.equal(participants[POTSDAM].category, 'bestaetigt');
    t.same(participants[POTSDAM].details.onlinedienste, [
      { id: 'OD-GEWERBE-BB', bezeichnung: 'Gewerbe-Service Brandenburg', urls: ['https://gewerbe.onlinedienst.example/antrag'] },
    ]);
    t.equal(participants[POTSDAM].details.oeZustaendigkeit, true);
    t.equal(participants[COTTBUS].category, 'gemeldet-nicht-gefunden', 'an OE Zuständigkeit and another Leistung are no linking');
    t.equal(participants[COTTBUS].details.oeZustaendigkeit, true);
    t.equal(participants[BRANDENBURG].category, 'gefunden-nicht-gemeldet');
    t.equal(participants[FRANKFURT].category, 'gefunden-nicht-gemeldet');
    t.match(participants[AMT_BIESENTHAL], {
      category: 'gefunden-nicht-gemeldet',
      kind: 'amt',
      details: { gefundenUeber: 'alle-mitgliedsgemeinden', mitgliedsgemeinden: { gesamt: 6, abgedeckt: 6 } },
    });
    t.match(participants[AMT_JOACHIMSTHAL], {
      category: 'fehlt',
      details: { gefunden: false, mitgliedsgemeinden: { gesamt: 4, abgedeckt: 2 } },
    }, 'an Amt with only some members served is not linked');
    t.equal(participants[AHRENSFELDE].category, 'fehlt');

    const pointers = first.issues.map((issue: Json) => issue.pointer);
    t.same(pointers.sort(), [
      '/leistungen/2/id',
      '/leistungen/4/referenzLeiKa',
      '/leistungen/4/referenzLeiKa/0',
      '/onlinedienste/1/id',
      '/onlinedienste/3/link/0',
      '/zustaendigkeiten/14/zustaendigkeit/gebietID',
      '/zustaendigkeiten/15/zustaendigkeit/id/_schemeID',
      '/zustaendigkeiten/16/zustaendigkeit/leistungID',
      '/zustaendigkeiten/17',
    ]);
    t.ok(first.issues.every((issue: Json) => typeof issue.reason === 'string' && issue.reason.length > 0), 'every issue says why');
    t.equal(first.summary.invalid, 9);

    const onlyFound = await env.app.inject({ url: `${base}/reconciliations/${first.id}?category=gefunden-nicht-gemeldet`, headers: bearer(token) });
    t.same(onlyFound.json().participants.map((p: Json) => p.ars), [BRANDENBURG, FRANKFURT, AMT_BIESENTHAL]);

    // Refused as a whole: a body that is not the file shape writes nothing.
    for (const [payload, field] of [
      [{ ...exportDocument, zustaendigkeiten: { keine: 'Liste' } }, '/body/zustaendigkeiten'],
      [{ ...exportDocument, extra: 1 }, '/body/extra'],
      [{ leistungen: [] }, '/body/zustaendigkeiten'],
      [{ ...exportDocument, exportiertAm: '2026-02-30' }, '/body/exportiertAm'],
    ] as const) {
      const refused = await env.app.inject({ method: 'POST', url: `${base}/reconciliations`, headers: bearer(redaktion), payload });
      t.equal(refused.statusCode, 422, field);
      t.ok(refused.json().errors.some((e: Json) => e.field.startsWith(field)), `names ${field}: ${refused.body}`);
    }
    const kaz = await env.app.inject({ method: 'POST', url: `${base}/reconciliations`, headers: bearer(await env.roleToken('kaz')), payload: exportDocument });
    t.equal(kaz.statusCode, 403, 'the Kaz reads but does not reconcile');
    const listed = await env.app.inject({ url: `${base}/reconciliations`, headers: bearer(token) });
    t.equal(listed.json().total, 1, 'the refused imports left nothing behind');

    // Apply: exactly the "gefunden, nicht gemeldet" ones whose stage allows it.
    const applied = await env.app.inject({ method: 'POST', url: `${base}/reconciliations/${first.id}/apply`, headers: bearer(token) });
    t.equal(applied.statusCode, 200, applied.body);
    const result = applied.json();
    t.same(result.moved.map((m: Json) => [m.ars, m.fromStage]), [
      [BRANDENBURG, 'eingeladen'],
      [AMT_BIESENTHAL, 'onboarding'],
    ]);
    t.same(result.notMoved.map((m: Json) => [m.ars, m.stage]), [[FRANKFURT, 'informiert']]);
    t.match(result.notMoved[0].reason, /informiert/);
    const stages = await env.handle.db.selectFrom('participant').select(['ars', 'stage']).orderBy('ars').execute();
    t.same(Object.fromEntries(stages.map((row) => [row.ars, row.stage])), {
      [BRANDENBURG]: 'bus-bb-verknuepft',
      [COTTBUS]: 'bus-bb-verknuepft',
      [FRANKFURT]: 'informiert',
      [POTSDAM]: 'bus-bb-verknuepft',
      [AHRENSFELDE]: 'informiert',
      [AMT_BIESENTHAL]: 'bus-bb-verknuepft',
      [AMT_JOACHIMSTHAL]: 'informiert',
    }, 'nobody else moved');
    const brandenburg = (await env.app.inject({ url: `${base}/participants/${BRANDENBURG}`, headers: bearer(token) })).json();
    t.match(brandenburg.context.busBb, { onlineDienstUrl: 'https://gewerbe.onlinedienst.example/antrag', abgleichId: first.id });
    t.match(brandenburg.context.busBbSchritte, {
      'online-dienst-angelegt': { bestaetigtAm: String, abgleichId: first.id },
      'zustaendigkeit-zugeordnet': { bestaetigtAm: String, abgleichId: first.id },
    }, 'the export confirms the first two steps');

    const history = (await env.app.inject({ url: `${base}/history?limit=1000`, headers: bearer(token) })).json().items as Json[];
    const evidence = history.filter((h) => h.eventType === 'BUS_BB_ABGLEICH_UEBERNEHMEN');
    t.same(evidence.map((h) => h.participantArs).sort(), [BRANDENBURG, AMT_BIESENTHAL].sort());
    for (const entry of evidence) {
      t.match(entry, { toStage: 'bus-bb-verknuepft', actor: /^ministerium:MSGIV:/, event: { abgleichId: first.id } }, 'history: actor and reconciliation id');
    }
    const importRow = history.find((h) => h.eventType === 'BUS_BB_ABGLEICH_IMPORTIERT');
    t.match(importRow, { participantArs: null, fromStage: 'rollout', toStage: 'rollout', actor: /^landesredaktion:/, event: { reconciliationId: first.id } });
    t.match(history.find((h) => h.eventType === 'BUS_BB_ABGLEICH_ANGEWANDT'), { fromStage: 'rollout', toStage: 'rollout', event: { moved: 2, notMoved: 1 } });

    const again = await env.app.inject({ method: 'POST', url: `${base}/reconciliations/${first.id}/apply`, headers: bearer(token) });
    t.equal(again.statusCode, 409, 'applied once only');

    // A later export: Potsdam's Onlinedienst is gone, Cottbus has linked.
    const later = structuredClone(exportDocument);
    later.zustaendigkeiten.splice(0, 1);
    later.zustaendigkeiten.push({
      uebergeordnetesObjektID: { text: 'OD-GEWERBE-BB' },
      zustaendigkeit: { id: { text: 'Z-99', _schemeID: 'ZustaendigkeitOnlinedienst' }, leistungID: [{ text: 'L100001' }], gebietID: [{ text: COTTBUS }] },
    });
    const second = await env.app.inject({ method: 'POST', url: `${base}/reconciliations`, headers: bearer(token), payload: later });
    t.equal(second.statusCode, 201, second.body);
    const secondView = second.json();
    t.equal(secondView.previousId, first.id);
    t.same(
      [...secondView.changes].sort((a: Json, b: Json) => a.ars.localeCompare(b.ars)),
      [
        { ars: BRANDENBURG, from: 'gefunden-nicht-gemeldet', to: 'bestaetigt' },
        { ars: COTTBUS, from: 'gemeldet-nicht-gefunden', to: 'bestaetigt' },
        { ars: POTSDAM, from: 'bestaetigt', to: 'gemeldet-nicht-gefunden' },
        { ars: AMT_BIESENTHAL, from: 'gefunden-nicht-gemeldet', to: 'bestaetigt' },
      ],
      'per participant: what changed since the last reconciliation',
    );
    t.equal(byArs(secondView)[POTSDAM].previousCategory, 'bestaetigt');
    t.equal(secondView.summary.changes, 4);
    // the list pages in the database: newest first, the total of all
    for (const [offset, id] of [[0, secondView.id], [1, first.id]] as const) {
      const page = (await env.app.inject({ url: `${base}/reconciliations?limit=1&offset=${offset}`, headers: bearer(token) })).json();
      t.match(page, { total: 2, items: [{ id, previousId: offset === 0 ? first.id : null }] });
      t.equal(page.items.length, 1);
    }

    const stale = await env.app.inject({ method: 'POST', url: `${base}/reconciliations/${first.id}/apply`, headers: bearer(redaktion) });
    t.equal(stale.statusCode, 409);
    const list = (await env.app.inject({ url: `${base}/reconciliations`, headers: bearer(token) })).json();
    t.same(list.items.map((item: Json) => item.id), [secondView.id, first.id], 'newest first');
    t.equal(list.items[1].appliedBy.startsWith('ministerium:MSGIV:'), true);
    const otherMinistry = await env.app.inject({ url: `${base}/reconciliations/${first.id}`, headers: bearer(await env.ministryToken('MIK')) });
    t.equal(otherMinistry.statusCode, 404);
  });
}
