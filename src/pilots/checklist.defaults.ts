/**
 * The onboarding checklist every pilot starts with: what an authority has to settle to
 * reuse an EfA service (DOMAIN.md, "Typical onboarding checklist"). A ministry adds its
 * own items per solution (`eigen-<n>`). Pure data, shared by the routes, the pilot's page
 * and the go-live gate of the engine.
 */
export interface ChecklistItemDefinition {
  key: string;
  label: string;
  /** Informative: an optional item still has to be done or marked `entfaellt` with a reason. */
  optional: boolean;
}

export const DEFAULT_CHECKLIST: readonly ChecklistItemDefinition[] = [
  { key: 'avv', label: 'Vertrag zur Auftragsverarbeitung (AVV) abgeschlossen', optional: false },
  { key: 'transportweg', label: 'Übermittlungsweg eingerichtet: FIT-Connect oder OSCI/XTA mit Eintrag im DVDV', optional: false },
  { key: 'fachverfahren', label: 'Anpassung durch den Hersteller des Fachverfahrens', optional: false },
  { key: 'epayment', label: 'ePayment (pmPayment) eingerichtet', optional: false },
  { key: 'bundid', label: 'Nutzerkonten (BundID) angebunden', optional: false },
  { key: 'funktionspostfach', label: 'Funktionspostfach eingerichtet', optional: false },
  { key: 'support', label: 'Ansprechpersonen für 1st- und 2nd-Level-Support benannt', optional: false },
  { key: 'bus-bb', label: 'OE- und Onlinedienst-Daten im BUS-BB gepflegt', optional: false },
  { key: 'produktionstest', label: 'Produktionstest (optional)', optional: true },
];

export const CHECKLIST_STATUSES = ['offen', 'in-arbeit', 'erledigt', 'entfaellt'] as const;
/** Statuses with which an item no longer holds up the go-live. */
export const CHECKLIST_DONE_STATUSES: readonly string[] = ['erledigt', 'entfaellt'];

export const CHECKLIST_STATUS_LABELS: Record<(typeof CHECKLIST_STATUSES)[number], string> = {
  offen: 'offen',
  'in-arbeit': 'in Arbeit',
  erledigt: 'erledigt',
  entfaellt: 'entfällt',
};
