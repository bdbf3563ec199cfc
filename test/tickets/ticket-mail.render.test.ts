import t from 'tap';
import { renderTicketMail, type TicketMailDetails } from '../../src/tickets/ticket-mail.render.ts';

const details: TicketMailDetails = {
  anlass: 'zugewiesen',
  nummer: 7,
  titel: 'XTA <Zertifikat>',
  kategorie: 'transport',
  solutionId: '00000000-0000-4000-8000-000000000000',
  loesungTitel: 'Meldebescheinigung online',
  behoerde: 'Barnim',
  ausgeloestAm: '2025-10-24T13:00:00.000Z',
  prioritaet: 'hoch',
  blockierend: true,
  faelligAm: '2025-10-27T10:00:00.000Z',
  frist: 'erste-reaktion',
  zustaendig: 'frau.kaz@zit-bb.example',
};
const url = 'http://efa.test/verwaltung/tickets/00000000-0000-4000-8000-000000000001';

t.test('the due time is Berlin local time on the day (winter time after the change)', async (t) => {
  const mail = renderTicketMail({ details, audience: 'kaz', url });
  t.match(mail.text, 'Fällig: Montag, 27.10.2025, 11:00 Uhr (erste Reaktion)');
  t.match(mail.html, 'XTA &#60;Zertifikat&#62;', 'escaped in HTML');
  t.notMatch(mail.html, '<Zertifikat>');
});

t.test('a ticket without a running clock says why', async (t) => {
  for (const [ohneFrist, expected] of [
    ['gelöst', 'Fällig: keine (gelöst)'],
    ['wartet auf die Behörde', 'Fällig: keine (wartet auf die Behörde)'],
  ] as const) {
    const mail = renderTicketMail({ details: { ...details, faelligAm: null, frist: null, ohneFrist }, audience: 'kaz', url });
    t.match(mail.text, expected);
  }
});

t.test('an authority reply notice names every gathered reply; a row from before the gathering still renders (issue 14, point 11)', async (t) => {
  const gathered = renderTicketMail({
    details: {
      ...details,
      anlass: 'behoerde-antwort',
      wiedereroeffnet: true,
      antworten: [
        { kommentarId: 'a', text: 'Es geht wieder nicht.', at: '2025-11-03T08:00:00.000Z', wiedereroeffnet: true },
        { kommentarId: 'b', text: 'Fehlercode <E42> & mehr', at: '2025-11-03T08:02:00.000Z' },
      ],
    },
    audience: 'kaz',
    url,
  });
  t.match(gathered.subject, /– von der Behörde wiedereröffnet \(2 Antworten\)$/);
  t.match(gathered.text, /Antwort 1 von 2 \(03\.11\.2025, 09:00 Uhr\):\nEs geht wieder nicht\./);
  t.match(gathered.text, /Antwort 2 von 2 \(03\.11\.2025, 09:02 Uhr\):\nFehlercode <E42> & mehr/);
  t.match(gathered.html, 'Fehlercode &#60;E42&#62; &#38; mehr');
  const before = renderTicketMail({ details: { ...details, anlass: 'behoerde-antwort', text: 'Anbei das Zertifikat.' }, audience: 'kaz', url });
  t.match(before.subject, /– Antwort der Behörde$/);
  t.match(before.text, /Antwort der Behörde:\nAnbei das Zertifikat\./);
});
