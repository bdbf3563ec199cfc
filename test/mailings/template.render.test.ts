import t from 'tap';
import { DEFAULT_TEMPLATES } from '../../src/mailings/default-templates.ts';
import {
  formatGermanDate,
  linkPurposesFor,
  linkPurposesIn,
  renderMail,
  TEMPLATE_KINDS,
  validateTemplate,
  type MailContext,
} from '../../src/mailings/template.render.ts';

const context: MailContext = {
  behoerde: { name: 'Amt Müller & <Söhne>', ars: '120655202000' },
  loesung: { titel: 'Elterngeld digital', ozgId: '10310', leikaKeys: ['99036005000000'] },
  ministerium: 'MSGIV',
  details: {
    kontaktName: 'Erika Mustermann',
    kontaktEmail: 'erika.mustermann@msgiv.example',
    kontaktTelefon: '0331 000-0000',
    kosten: 'Betrieb: 0,12 € je Einwohner und Jahr',
    termine: 'Auftakt am 3. März\nRollout ab Juni',
    sachstand: 'Der Dienst ist in Hessen produktiv.',
  },
  frist: '2027-01-15',
  links: {
    interesse: 'https://efa.example/r/abc?x=1&y="2"',
    pilot: 'https://efa.example/r/pilot',
    bereitschaft: 'https://efa.example/r/bereit',
    'bus-bb': 'https://efa.example/r/busbb',
    pilotbetrieb: 'https://efa.example/r/pilotbetrieb',
  },
  erinnerungNummer: 2,
  offene: [
    { name: 'Stadt A & B', ars: '120540000000' },
    { name: 'Landkreis <C>', ars: '120600000000' },
  ],
};

t.test('placeholders are replaced in every part, whitespace inside the braces allowed', async (t) => {
  const mail = renderMail(
    {
      subject: 'Hinweis für {{ behoerde.name }}:\n{{loesung.titel}}',
      textBody: 'Frist: {{frist}}\nKosten: {{kosten}}\nLink: {{link.interesse}}\nNr. {{erinnerung.nummer}}',
      htmlBody: '<p>{{behoerde.name}} ({{behoerde.ars}})</p><p><a href="{{link.interesse}}">Interesse bekunden</a></p><p>{{termine}}</p>',
    },
    context,
  );
  t.equal(mail.subject, 'Hinweis für Amt Müller & <Söhne>: Elterngeld digital', 'newlines removed, the subject is not HTML');
  t.equal(
    mail.text,
    'Frist: 15. Januar 2027\nKosten: Betrieb: 0,12 € je Einwohner und Jahr\nLink: https://efa.example/r/abc?x=1&y="2"\nNr. 2',
    'the text part is not escaped',
  );
  t.match(mail.html, '<p>Amt Müller &#38; &#60;Söhne&#62; (120655202000)</p>');
  t.notMatch(mail.html, '<Söhne>', 'a name can never inject markup');
  t.match(mail.html, '<a href="https://efa.example/r/abc?x&#61;1&#38;y&#61;&#34;2&#34;">Interesse bekunden</a>', 'links escaped inside the attribute');
  t.match(mail.html, 'Auftakt am 3. März<br>\nRollout ab Juni', 'line breaks of a value kept in HTML');
});

t.test('the HTML part is a complete, accessible document', async (t) => {
  const { html } = renderMail({ subject: 'Betreff & mehr', textBody: 'x', htmlBody: '<p>Inhalt</p>' }, context);
  t.match(html, /^<!DOCTYPE html>\n<html lang="de">/);
  t.match(html, '<meta charset="utf-8">');
  t.match(html, '<title>Betreff &#38; mehr</title>');
  t.match(html, 'font-size:16px');
  t.match(html, 'color:#1a1a1a');
  t.match(html, '<p>Inhalt</p>');
  t.match(html, /<\/body>\n<\/html>\n$/);
});

t.test('missing optional values render German defaults', async (t) => {
  const bare: MailContext = {
    behoerde: null,
    loesung: { titel: 'Hundesteuer', ozgId: '1', leikaKeys: [] },
    ministerium: 'MdFE',
    details: { kosten: '   ' },
    frist: null,
    links: {},
  };
  const mail = renderMail(
    {
      subject: '{{loesung.titel}}',
      textBody:
        '{{behoerde.name}}|{{kosten}}|{{termine}}|{{sachstand}}|{{frist}}|{{link.pilot}}|{{kontakt.name}}|{{kontakt.email}}|{{erinnerung.nummer}}|{{offene.anzahl}}|{{offene.liste}}',
      htmlBody: '<p>{{offene.liste}}</p>',
    },
    bare,
  );
  t.equal(
    mail.text,
    '–|werden noch bekannt gegeben|werden noch bekannt gegeben|wird noch bekannt gegeben|ohne Frist|–|Fachreferat im MdFE|–|–|0|–',
  );
});

t.test('the escalation list: one line per authority in text, a <ul> in HTML', async (t) => {
  const mail = renderMail({ subject: '{{offene.anzahl}} offen', textBody: 'Offen:\n{{offene.liste}}', htmlBody: '{{offene.liste}}' }, context);
  t.equal(mail.subject, '2 offen');
  t.equal(mail.text, 'Offen:\n- Stadt A & B (120540000000)\n- Landkreis <C> (120600000000)');
  t.match(mail.html, '<ul><li>Stadt A &#38; B (120540000000)</li><li>Landkreis &#60;C&#62; (120600000000)</li></ul>');
});

t.test('link.liste shows the links the context carries – a reminder reuses its mailing\'s links', async (t) => {
  const template = { subject: 's', textBody: 'Links:\n{{link.liste}}', htmlBody: '{{ link.liste }}' };
  const erstinformationLinks = { interesse: 'https://efa.example/r/i?a=1&b=2', pilot: 'https://efa.example/r/p' };
  const mail = renderMail(template, { ...context, links: erstinformationLinks });
  t.equal(mail.text, 'Links:\n- Interesse an der Nachnutzung bekunden: https://efa.example/r/i?a=1&b=2\n- Als Pilotbehörde bewerben: https://efa.example/r/p');
  t.match(
    mail.html,
    '<ul><li><a href="https://efa.example/r/i?a&#61;1&#38;b&#61;2">Interesse an der Nachnutzung bekunden</a></li><li><a href="https://efa.example/r/p">Als Pilotbehörde bewerben</a></li></ul>',
  );
  t.equal(renderMail(template, { ...context, links: {} }).text, 'Links:\n–');

  const reminder = renderMail(DEFAULT_TEMPLATES.erinnerung, { ...context, links: erstinformationLinks });
  t.match(reminder.subject, /^2\. Erinnerung: /);
  t.match(reminder.text, 'https://efa.example/r/p');
  t.notMatch(reminder.text, 'efa.example/r/bereit', 'only the links of the reminded mailing');
});

t.test('a value is never expanded a second time', async (t) => {
  const mail = renderMail(
    { subject: 's', textBody: '{{sachstand}}', htmlBody: 'h' },
    { ...context, details: { sachstand: 'Text mit {{link.pilot}}' } },
  );
  t.equal(mail.text, 'Text mit {{link.pilot}}');
});

t.test('dates', async (t) => {
  t.equal(formatGermanDate('2027-01-15'), '15. Januar 2027');
  t.equal(formatGermanDate('2026-03-01'), '1. März 2026');
  t.equal(formatGermanDate('2026-12-31'), '31. Dezember 2026');
});

t.test('validation names the field', async (t) => {
  t.same(validateTemplate({ subject: 'Hallo {{behoerde.name}}', textBody: '{{ frist }}', htmlBody: '<p>{{link.busbb}}</p>' }, 'erstinformation'), []);
  const unknown = validateTemplate({ subject: 'ok', textBody: 'Hallo {{xyz}} und {{xyz}}', htmlBody: '<p>{{loesung.name}}</p>' }, 'erstinformation');
  t.equal(unknown.length, 2, 'one error per unknown name and field');
  t.equal(unknown[0]!.field, '/textBody');
  t.match(unknown[0]!.message, /^Unbekannter Platzhalter \{\{xyz\}\}; erlaubt: behoerde\.name, /);
  t.equal(unknown[1]!.field, '/htmlBody');
  t.match(unknown[1]!.message, '{{loesung.name}}');

  const unbalanced = validateTemplate({ subject: 'Frist {{frist', textBody: 'frist}} danach', htmlBody: '{{frist}}' }, 'erstinformation');
  t.same(
    unbalanced.map((e) => e.field),
    ['/subject', '/textBody'],
  );
  t.same(validateTemplate({ subject: '  ' }, 'erstinformation'), [{ field: '/subject', message: 'Der Betreff darf nicht leer sein' }]);
  t.same(validateTemplate({}, 'erstinformation'), [], 'absent parts are not checked');
});

t.test('the multiplier copy names no authority and carries no links', async (t) => {
  const refused = validateTemplate(
    { subject: 'Kopie für {{behoerde.name}}', textBody: '{{link.interesse}} {{link.liste}} {{empfaenger.anzahl}}', htmlBody: '<p>{{zustaendigkeit}}</p>' },
    'erstinformation-multiplikator',
  );
  t.same(
    refused.map((e) => e.field),
    ['/subject', '/textBody', '/textBody'],
  );
  t.match(refused[0]!.message, /\{\{behoerde\.name\}\} ist hier nicht erlaubt: .*keine einzelne Behörde/);
  t.match(refused[1]!.message, /\{\{link\.interesse\}\} ist hier nicht erlaubt: .*keine Antwort-Links/);
  t.match(refused[2]!.message, '{{link.liste}}');
  const elsewhere = validateTemplate({ textBody: 'an {{empfaenger.anzahl}} Behörden' }, 'erstinformation');
  t.equal(elsewhere.length, 1, 'the recipient count belongs to the multiplier copy');
  t.match(elsewhere[0]!.message, 'erstinformation-multiplikator');
  const mail = renderMail(DEFAULT_TEMPLATES['erstinformation-multiplikator'], {
    ...context,
    behoerde: null,
    links: {},
    zustaendigkeit: 'kreis',
    empfaengerAnzahl: 18,
  });
  t.match(mail.subject, 'an 18 Behörden');
  t.match(mail.text, '18 zuständige Behörden (Landkreise und kreisfreie Städte)');
  t.match(mail.text, 'Rückmeldefrist: 15. Januar 2027');
  t.match(mail.text, /ermutigen Sie Ihre Mitglieder/);
  t.notMatch(mail.text, /Die Links gelten nur/);
  t.notMatch(mail.text, / – – /);
  t.notMatch(mail.html, /<a /, 'no link at all in the content');
});

t.test('link purposes per kind', async (t) => {
  t.same(linkPurposesFor('erstinformation'), ['interesse', 'pilot']);
  t.same(linkPurposesFor('pilotaufruf'), ['pilot']);
  t.same(linkPurposesFor('pilot-einladung'), ['pilotbetrieb']);
  t.same(linkPurposesFor('rollout-einladung'), ['bereitschaft', 'bus-bb']);
  t.same(linkPurposesFor('erinnerung'), [], 'a reminder reuses the links of its mailing');
  t.same(linkPurposesFor('eskalation'), []);
  t.same(linkPurposesFor('erstinformation-multiplikator'), [], 'the multiplier copy carries none');
});

for (const kind of TEMPLATE_KINDS) {
  t.test(`default template ${kind}`, async (t) => {
    const template = DEFAULT_TEMPLATES[kind];
    t.same(validateTemplate(template, kind), [], 'validates');
    t.same(linkPurposesIn(template), linkPurposesFor(kind), 'names exactly the links its kind carries');
    const mail = renderMail(template, context);
    for (const [part, value] of Object.entries(mail)) {
      t.notMatch(value, /\{\{|\}\}/, `no placeholder left in ${part}`);
    }
    t.notMatch(mail.subject, /\n/);
    t.notMatch(mail.html, /hier klicken/i);
    t.notMatch(mail.html, /href="–"/, 'every link it uses is in the context');
    if (kind === 'eskalation') {
      t.match(mail.html, '<li>Landkreis &#60;C&#62; (120600000000)</li>');
    } else if (kind === 'erstinformation-multiplikator') {
      t.notMatch(mail.text, 'Amt Müller', 'addressed to no authority');
      t.match(mail.text, 'Mit freundlichen Grüßen');
    } else {
      t.match(mail.text, 'Amt Müller & <Söhne>');
      t.match(mail.html, 'Amt Müller &#38; &#60;Söhne&#62;');
      t.match(mail.text, 'Mit freundlichen Grüßen');
    }
  });
}
