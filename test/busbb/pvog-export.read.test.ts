import t from 'tap';
import { gebietArsOf, MAX_REPORTED_ISSUES, readPvogExport } from '../../src/busbb/pvog-export.read.ts';
import { compareWithExport } from '../../src/busbb/reconciliation.compare.ts';

/** The export reader and the comparison alone: shapes real exports vary in, and the Amt rule. */

const LEIKA = '99050012104000';
const od = (objekt: unknown, leistung: unknown, gebiet: unknown) => ({
  uebergeordnetesObjektID: objekt,
  zustaendigkeit: { id: { text: 'Z', _schemeID: 'ZustaendigkeitOnlinedienst' }, leistungID: leistung, gebietID: gebiet },
});

t.test('single values where lists are expected, ids as text or {text}', async (t) => {
  const read = readPvogExport({
    leistungen: [{ id: 'L1', referenzLeiKa: { code: LEIKA } }, { id: [{ text: 'L2' }], referenzLeiKa: [LEIKA, { code: LEIKA }] }],
    onlinedienste: [{ id: { text: 'OD1' }, bezeichnung: [{ text: 'Dienst', languageCode: 'de' }], link: 'https://dienst.onlinedienst.example/' }],
    zustaendigkeiten: [od({ text: 'OD1' }, { text: 'L1' }, [{ text: '120540000000' }, { text: '12060' }])],
  });
  t.same(read.issues, []);
  t.same([...read.leistungen.keys()], ['L1', 'L2']);
  t.same(read.onlinedienste.get('OD1'), { id: 'OD1', bezeichnung: 'Dienst', urls: ['https://dienst.onlinedienst.example/'] });
  t.same(read.zustaendigkeiten.map((z) => z.gebietArs), ['120540000000', '120600000000'], 'a Kreis prefix is filled up to 12 digits');
  t.same(read.records.zustaendigkeiten, { total: 1, valid: 1 });
});

t.test('numbers where text is expected are reported, not turned into text', async (t) => {
  const read = readPvogExport({
    leistungen: [
      { id: 12345678901234567890, referenzLeiKa: [{ code: LEIKA }] },
      { id: 'L1', referenzLeiKa: [{ code: 99050012104000 }, { code: LEIKA }] },
    ],
    onlinedienste: [{ id: 'OD1', bezeichnung: 42, link: [{ url: 42 }] }],
    zustaendigkeiten: [od({ text: 'OD1' }, { text: 'L1' }, [{ text: 120540000000 }, { text: '12060' }]), od({ text: 7 }, { text: 'L1' }, { text: '12060' })],
  });
  t.same(read.issues, [
    { pointer: '/leistungen/0/id', reason: 'Leistungs-ID (id.text) ist kein Text – eine Zahl; erwartet Text in Anführungszeichen' },
    { pointer: '/leistungen/1/referenzLeiKa/0', reason: 'kein 14-stelliger LeiKa-Schlüssel (code) – eine Zahl; erwartet Text in Anführungszeichen' },
    { pointer: '/onlinedienste/0/bezeichnung', reason: 'Bezeichnung ist kein Text – eine Zahl; erwartet Text in Anführungszeichen' },
    { pointer: '/onlinedienste/0/link/0', reason: 'keine gültige http(s)-Adresse (url) – eine Zahl; erwartet Text in Anführungszeichen' },
    { pointer: '/zustaendigkeiten/0/zustaendigkeit/gebietID/0', reason: 'kein Amtlicher Regionalschlüssel (2, 3, 5, 9 oder 12 Ziffern) – eine Zahl; erwartet Text in Anführungszeichen' },
    {
      pointer: '/zustaendigkeiten/1/uebergeordnetesObjektID',
      reason: 'übergeordnetes Objekt (uebergeordnetesObjektID.text) ist kein Text – eine Zahl; erwartet Text in Anführungszeichen',
    },
  ]);
  t.same([...read.leistungen.keys()], ['L1'], 'the Leistung with a numeric id is left out, the one with one good key is read');
  t.same(read.onlinedienste.get('OD1'), { id: 'OD1', bezeichnung: null, urls: [] });
  t.same(read.zustaendigkeiten.map((z) => z.gebietArs), ['120600000000'], 'only the Gebiet given as text');
});

t.test('ARS prefixes', async (t) => {
  t.equal(gebietArsOf('12'), '120000000000');
  t.equal(gebietArsOf('120605003'), '120605003000');
  t.equal(gebietArsOf('1206'), null);
  t.equal(gebietArsOf('12054000000x'), null);
});

t.test('invalid records are reported with their position, at most MAX_REPORTED_ISSUES in full', async (t) => {
  const read = readPvogExport({ leistungen: Array.from({ length: MAX_REPORTED_ISSUES + 5 }, () => ({ referenzLeiKa: [] })), zustaendigkeiten: [null, od({ text: 'OD' }, { text: 'L' }, [{ text: '1' }, { text: '120540000000' }])] });
  t.equal(read.issueCount, MAX_REPORTED_ISSUES + 7, 'every Leistung without id, a null record, a Gebiet that is no ARS');
  t.equal(read.issues.length, MAX_REPORTED_ISSUES);
  const gebiet = readPvogExport({ leistungen: [], zustaendigkeiten: [od({ text: 'OD' }, { text: 'L' }, [{ text: '1' }, { text: '120540000000' }])] });
  t.same(gebiet.issues, [{ pointer: '/zustaendigkeiten/0/zustaendigkeit/gebietID/0', reason: 'kein Amtlicher Regionalschlüssel (2, 3, 5, 9 oder 12 Ziffern)' }]);
  t.equal(gebiet.zustaendigkeiten.length, 1, 'the valid Gebiet of the record is kept');
});

t.test('an Amt is found through all its members, not some', async (t) => {
  const read = readPvogExport({
    leistungen: [{ id: 'L1', referenzLeiKa: [{ code: LEIKA }] }],
    zustaendigkeiten: [od({ text: 'OD1' }, { text: 'L1' }, { text: '120605003024' }), od({ text: 'OD1' }, { text: 'L1' }, { text: '120605003034' })],
  });
  const { comparisons } = compareWithExport(read, [LEIKA], [
    { ars: '120605003000', stage: 'onboarding', busBb: null, members: ['120605003024', '120605003034'] },
    { ars: '120605006000', stage: 'live', busBb: null, members: ['120605003024', '120605006012'] },
  ]);
  t.match(comparisons[0], { category: 'gefunden-nicht-gemeldet', details: { gefundenUeber: 'alle-mitgliedsgemeinden', onlinedienste: [{ id: 'OD1' }] } });
  t.match(comparisons[1], { category: 'gemeldet-nicht-gefunden', details: { mitgliedsgemeinden: { gesamt: 2, abgedeckt: 1 } } });
});
