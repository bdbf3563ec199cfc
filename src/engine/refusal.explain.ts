/** German explanation of why a machine's guard refused an event whose payload was valid. */
export function explainRefusal(event: { type: string; facts?: unknown }): string {
  const facts = (event.facts ?? {}) as { pilotsLive?: number; participantsOpen?: number };
  switch (event.type) {
    case 'PILOTPHASE_STARTEN':
      return 'Die Pilotphase setzt voraus, dass die Erstinformation versandt ist: das Erstinformations-Mailing muss vollständig an den Mailserver übergeben sein.';
    case 'ROLLOUT_STARTEN':
      return (
        'Der flächendeckende Rollout setzt mindestens eine Pilotbehörde im Stadium pilot-live ' +
        `(derzeit ${facts.pilotsLive ?? 0}) und erfasste Lessons Learned voraus – oder eine begründete Ausnahme in override.reason.`
      );
    case 'ABSCHLIESSEN':
      return (
        'Abschließen setzt voraus, dass jede teilnehmende Behörde verknüpft (live) oder mit Begründung ausgeschlossen ist; ' +
        `offen sind noch ${facts.participantsOpen ?? '?'}.`
      );
    case 'BUS_BB_SCHRITT_BESTAETIGEN':
      return (
        'BUS-BB-Schritte werden der Reihe nach bestätigt – Online-Dienst angelegt (online-dienst-angelegt), ' +
        'Zuständigkeit zugeordnet (zustaendigkeit-zugeordnet), im Landesserviceportal sichtbar (lsp-sichtbar) – ' +
        'und jeder nur einmal: der vorige Schritt ist noch nicht bestätigt, oder dieser ist es schon.'
      );
    case 'LIVE_BESTAETIGEN':
      return (
        'LIVE_BESTAETIGEN setzt voraus, dass der letzte BUS-BB-Schritt „im Landesserviceportal sichtbar“ bestätigt ist ' +
        '(BUS_BB_SCHRITT_BESTAETIGEN mit schritt lsp-sichtbar, nach online-dienst-angelegt und zustaendigkeit-zugeordnet).'
      );
    default:
      return `Die Bedingungen für ${event.type} sind im aktuellen Zustand nicht erfüllt.`;
  }
}
