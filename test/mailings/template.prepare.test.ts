import t from 'tap';
import { DEFAULT_TEMPLATES } from '../../src/mailings/default-templates.ts';
import { prepareMail, renderMail, TEMPLATE_KINDS, type MailContext, type MailTemplate, type RecipientPart } from '../../src/mailings/template.render.ts';

/**
 * The delivery prepares a mailing's template once and fills in each recipient's part
 * (prepareMail); the preview renders one mail whole (renderMail). Both must give the
 * same bytes, or the preview would not show what is sent.
 */

const mailing: Omit<MailContext, keyof RecipientPart> = {
  loesung: { titel: 'Elterngeld {{behoerde.name}} digital', ozgId: '10310', leikaKeys: ['99036005000000', '99036005001000'] },
  ministerium: 'Ministerium für Gesundheit und Soziales (MGS)',
  details: { kontaktName: 'Erika Mustermann', kontaktEmail: 'erika@mgs.example', termine: 'Auftakt am 3. März\nRollout ab Juni', kosten: '<b>0,12 €</b> & mehr' },
  frist: '2027-01-15',
  zustaendigkeit: 'gemeinde',
  empfaengerAnzahl: 195,
  offene: [{ name: 'Stadt A & B', ars: '120540000000' }],
};

const recipients: RecipientPart[] = [
  {
    behoerde: { name: 'Amt Müller & <Söhne> {{frist}}', ars: '120655202000' },
    links: { interesse: 'https://efa.example/antwort/abc?x=1&y="2"', pilot: 'https://efa.example/antwort/pilot' },
  },
  { behoerde: { name: 'Stadt Cottbus\nChóśebuz', ars: '120520000000' }, links: { bereitschaft: 'https://efa.example/antwort/b', 'bus-bb': 'https://efa.example/antwort/c' }, erinnerungNummer: 2 },
  { behoerde: null, links: {} },
];

const tricky: MailTemplate = {
  subject: '{{ loesung.titel }} für\n{{behoerde.name}} {{link.liste}} {{unbekannt}}',
  textBody: '{{behoerde.name}}{{behoerde.ars}}\n{{link.liste}}\n{{link.interesse}} {{frist}} {{erinnerung.nummer}} {{offene.liste}} {{ offen',
  htmlBody: '  <p>{{behoerde.name}}</p>{{link.liste}}<p>{{kosten}} {{termine}} {{link.pilot}}</p>{{nichts}}  ',
};

t.test('prepareMail gives every recipient the bytes renderMail gives', async (t) => {
  const templates: [string, MailTemplate][] = [...TEMPLATE_KINDS.map((kind): [string, MailTemplate] => [kind, DEFAULT_TEMPLATES[kind]]), ['tricky', tricky]];
  for (const [name, template] of templates) {
    const prepared = prepareMail(template, mailing);
    for (const [index, recipient] of recipients.entries()) {
      t.same(prepared.render(recipient), renderMail(template, { ...mailing, ...recipient }), `${name}, recipient ${index + 1}`);
    }
  }
});

t.test('a value is never expanded as a placeholder, and every value is escaped in HTML', async (t) => {
  const mail = prepareMail(tricky, mailing).render(recipients[0]!);
  t.match(mail.text, 'Amt Müller & <Söhne> {{frist}}', 'the name keeps its braces in the text');
  t.match(mail.html, '<p>Amt Müller &#38; &#60;Söhne&#62; {{frist}}</p>', 'escaped in the HTML');
  t.match(mail.html, '&#60;b&#62;0,12 €&#60;/b&#62; &#38; mehr', 'a value with markup is text');
  t.match(mail.subject, 'Elterngeld {{behoerde.name}} digital für Amt Müller', 'the title keeps its braces; the subject is one line');
  t.match(mail.text, '{{ offen', 'an unclosed brace stays as written');
});
