/**
 * The one moment the first admin token is visible: a framed block that stands out
 * between log lines and says what to do with it, since the database keeps only its hash.
 */
export function renderAdminTokenBanner(token: string, baseUrl: string): string {
  const lines = [
    'Neues Admin-Token – wird nur dieses eine Mal angezeigt',
    '',
    `    ${token}`,
    '',
    'Jetzt sicher ablegen (z. B. im Passwortmanager): gespeichert ist nur',
    'ein Hash, niemand kann das Token später noch einmal anzeigen.',
    '',
    'Damit:',
    '  • die API aufrufen:  Authorization: Bearer <Token>',
    '  • Tokens für die Ministerien ausstellen:  POST /api/v1/admin/tokens',
    `  • API-Dokumentation:  ${baseUrl}/docs`,
    '',
    'Verloren? Dienst beenden, dann ein neues ausstellen:',
    '  npm run cli -- create-token --role admin --label "Ersatz"',
    'Eigenes Token vorgeben statt erzeugen: EFA_ADMIN_TOKEN (ab 24 Zeichen).',
  ];
  const width = Math.max(...lines.map((line) => line.length));
  const rule = '─'.repeat(width + 2);
  return ['', `┌${rule}┐`, ...lines.map((line) => `│ ${line.padEnd(width)} │`), `└${rule}┘`, '', ''].join('\n');
}
