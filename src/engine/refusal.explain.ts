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
    default:
      return `Die Bedingungen für ${event.type} sind im aktuellen Zustand nicht erfüllt.`;
  }
}
