import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * JSON column: read back parsed, written as JSON text (see `toJson`). node-postgres
 * would turn a JS array into a PostgreSQL array literal, so values never go in raw.
 */
export type Json<T> = ColumnType<T, JsonText<T>, JsonText<T>>;
export type JsonText<T> = string & { readonly __json?: T };

export function toJson<T>(value: T): JsonText<T> {
  return JSON.stringify(value) as JsonText<T>;
}
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type AuthorityKind =
  | 'landkreis'
  | 'kreisfreie_stadt'
  | 'kreis'
  | 'stadtkreis'
  | 'regionalverband'
  | 'amt'
  | 'verbandsgemeinde'
  | 'samtgemeinde'
  | 'verwaltungsgemeinschaft'
  | 'kirchspielslandgemeinde'
  | 'verwaltungsverband'
  | 'vg_traegermodell'
  | 'erfuellende_gemeinde'
  | 'amtsfreie_gemeinde'
  | 'verbandsfreie_gemeinde'
  | 'amtsangehoerige_gemeinde'
  | 'ortsgemeinde'
  | 'mitgliedsgemeinde'
  | 'gemeindefreies_gebiet'
  | 'sonstige';

export interface DirectoryImportTable {
  id: Generated<number>;
  format: string;
  source_name: string;
  counts: Json<Record<string, number>>;
  deactivated: ColumnType<number, number | undefined, number>;
  /** Encoding, skipped rows, changes, explicit permission to deactivate (migration 0004). */
  details: ColumnType<Record<string, unknown>, JsonText<Record<string, unknown>> | undefined, JsonText<Record<string, unknown>>>;
  imported_at: CreatedAt;
}

export interface AuthorityTable {
  ars: string;
  ags: string | null;
  name: string;
  kind: AuthorityKind;
  parent_ars: string | null;
  kreis_ars: string | null;
  land: string;
  population: number | null;
  latitude: number | null;
  longitude: number | null;
  email: string | null;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  last_import_id: number | null;
  updated_at: Timestamp;
}

export interface ApiTokenTable {
  id: string;
  token_hash: string;
  role: 'admin' | 'ministry' | 'kaz' | 'landesredaktion';
  ministry: string | null;
  label: string;
  created_at: CreatedAt;
  revoked_at: Date | null;
  /** Who issued / revoked it (actor, migration 0006); null for tokens from the CLI or bootstrap. */
  created_by: ColumnType<string | null, string | null | undefined, never>;
  revoked_by: ColumnType<string | null, never, string | null>;
}

export type ResponsibilityLevel = 'gemeinde' | 'kreis' | 'liste';

export interface Responsibility {
  level: ResponsibilityLevel;
  /** Explicit addressees (ARS) when level is 'liste'. */
  authorities?: string[];
  /**
   * Land (2-digit key) whose authorities are addressed ('12' is Brandenburg), or 'alle' for
   * every Land; absent when `laender` names several.
   */
  land?: string;
  /** Several Länder (2-digit keys, sorted) whose authorities are addressed: the rule, never the expanded list of authorities. */
  laender?: string[];
}

export interface SolutionTable {
  id: string;
  title: string;
  ozg_id: string;
  leika_keys: Json<string[]>;
  lead_ministry: string;
  description: string;
  responsibility: Json<Responsibility>;
  stage: string;
  state_value: Json<unknown>;
  snapshot: Json<unknown>;
  machine_version: number;
  revision: ColumnType<number, number | undefined, number>;
  created_by: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
  mail_details: ColumnType<MailDetails, JsonText<MailDetails> | undefined, JsonText<MailDetails>>;
}

/** Facts about a solution that its mails quote (all optional, free text). */
export interface MailDetails {
  kontaktName?: string;
  kontaktEmail?: string;
  kontaktTelefon?: string;
  kosten?: string;
  termine?: string;
  sachstand?: string;
}

export interface SolutionOverrideTable {
  solution_id: string;
  ars: string;
  action: 'add' | 'exclude';
  reason: string;
}

export interface ParticipantTable {
  solution_id: string;
  ars: string;
  stage: string;
  snapshot: Json<unknown>;
  machine_version: number;
  revision: ColumnType<number, number | undefined, number>;
  updated_at: Timestamp;
}

export interface HistoryTable {
  id: Generated<number>;
  solution_id: string;
  participant_ars: string | null;
  event_type: string;
  event: Json<Record<string, unknown>>;
  from_stage: string | null;
  to_stage: string;
  actor: string;
  machine_version: number;
  created_at: CreatedAt;
  /** Set by effects: the same effect applied twice is recognised as already applied. */
  idempotency_key: ColumnType<string | null, string | null | undefined, never>;
  /** Set for a ticket's rows (0010): the ticket's timeline is its rows of the one history. */
  ticket_id: ColumnType<string | null, string | null | undefined, never>;
}

/** 'waiting': the job's solution is paused; it runs again when the solution resumes. */
export type JobStatus = 'pending' | 'running' | 'waiting' | 'done' | 'failed' | 'cancelled';

export interface JobTable {
  id: Generated<number>;
  kind: string;
  payload: Json<Record<string, unknown>>;
  idempotency_key: string;
  run_at: Timestamp;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: ColumnType<number, number | undefined, number>;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
  created_at: CreatedAt;
  finished_at: Date | null;
  /** The solution (and authority) the job concerns: its end or pause stops or holds the job. */
  solution_id: ColumnType<string | null, string | null | undefined, string | null>;
  ars: ColumnType<string | null, string | null | undefined, string | null>;
  /** Equality key under which a later transition cancels the job (timers). */
  cancel_key: ColumnType<string | null, string | null | undefined, string | null>;
  /** Lower runs first among due jobs (JOB_PRIORITY). */
  priority: ColumnType<number, number | undefined, number>;
}

export interface AppSecretTable {
  name: string;
  value: string;
  created_at: CreatedAt;
}

export type MailingKind = 'erstinformation' | 'pilotaufruf' | 'pilot-einladung' | 'rollout-einladung' | 'erinnerung' | 'eskalation';

/**
 * A mailing kind's text, plus the wording of the Erstinformation's copy to the
 * multipliers: their messages stay of kind 'erstinformation', only their text differs.
 */
export type TemplateKind = MailingKind | 'erstinformation-multiplikator';

export interface MailTemplateTable {
  solution_id: string;
  kind: TemplateKind;
  subject: string;
  text_body: string;
  html_body: string;
  updated_by: string;
  updated_at: Timestamp;
}

export interface MailingFilter {
  stages?: string[];
  kreisArs?: string;
  authorities?: string[];
  /** A repeated mailing of a kind: whom of the selected it goes to (see createMailing). */
  nurOhneAntwort?: boolean;
  nurNichtErreicht?: boolean;
  erneut?: boolean;
  /** A link renewal's mail (migration-free: recorded in the JSON filter). */
  erneuerung?: boolean;
}

export interface MailingTable {
  id: string;
  solution_id: string;
  kind: MailingKind;
  filter: Json<MailingFilter>;
  deadline: ColumnType<string | null, string | null | undefined, string | null>;
  reminder_count: ColumnType<number, number | undefined, number>;
  reminder_interval_days: ColumnType<number, number | undefined, number>;
  recipients_total: number;
  without_address: Json<string[]>;
  created_by: string;
  created_at: CreatedAt;
  /** The key of the web form that sent it (0015): the same form twice sends once. */
  request_key: ColumnType<string | null, string | null | undefined, never>;
}

/** 'verworfen': not sent because it became pointless (the solution ended, the authority is done). */
export type MailStatus = 'ausstehend' | 'wird-gesendet' | 'angenommen' | 'zurueckgestellt' | 'fehlgeschlagen' | 'unzustellbar' | 'verworfen';

/** A ticket mail's occasion (migration 0011): to the authority, the assignee, the Kaz queue or the ministry. */
export type TicketMailKind =
  | 'ticket-eroeffnet'
  | 'ticket-rueckfrage'
  | 'ticket-antwort'
  | 'ticket-geloest'
  | 'ticket-zugewiesen'
  | 'ticket-behoerde-antwort'
  | 'ticket-sla-warnung'
  | 'ticket-eskalation';

export interface MailMessageTable {
  id: string;
  /** Null for a ticket mail (migration 0011): a row belongs to one mailing or one ticket. */
  mailing_id: ColumnType<string | null, string | null | undefined, never>;
  ars: string | null;
  recipient_email: string;
  recipient_role: 'behoerde' | 'multiplikator' | 'ministerium' | 'kaz';
  kind: MailingKind | TicketMailKind;
  reminder_no: ColumnType<number, number | undefined, number>;
  status: ColumnType<MailStatus, MailStatus | undefined, MailStatus>;
  message_id: string;
  attempts: ColumnType<number, number | undefined, number>;
  last_response: string | null;
  sent_at: Date | null;
  updated_at: Timestamp;
  ticket_id: ColumnType<string | null, string | null | undefined, never>;
  /** What a ticket mail says, fixed when it was caused (migration 0011). */
  details: ColumnType<Record<string, unknown> | null, JsonText<Record<string, unknown>> | null | undefined, never>;
  /** The notice that caused a ticket mail: written once per key. */
  notice_key: ColumnType<string | null, string | null | undefined, never>;
}

/**
 * `pilotbetrieb`: a confirmed pilot's own page (checklist, go-live); unlike the others it takes answers until the go-live.
 * `ticket`: the authority's tickets of the solution (migration 0011): read them, answer, report a problem; never used up.
 */
export type MailingLinkPurpose = 'interesse' | 'pilot' | 'bereitschaft' | 'bus-bb' | 'pilotbetrieb';
export type LinkPurpose = MailingLinkPurpose | 'ticket';

export interface ResponseLinkTable {
  token_hash: string;
  solution_id: string;
  ars: string;
  purpose: LinkPurpose;
  /** Null for the ticket link (migration 0011), which no mailing issues. */
  mailing_id: ColumnType<string | null, string | null | undefined, never>;
  expires_at: Date;
  used_at: Date | null;
  answer: ColumnType<Record<string, unknown> | null, JsonText<Record<string, unknown>> | null | undefined, JsonText<Record<string, unknown>> | null>;
  created_at: CreatedAt;
  /** Goes into the token; a renewal issues the next generation (migration 0008). */
  generation: ColumnType<number, number | undefined, number>;
  /** Set when a renewal replaced this link: it no longer takes an answer (migration 0008). */
  superseded_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type WaveState = 'planned' | 'started';

/** A rollout wave of one solution (migration 0008). */
export interface WaveTable {
  id: string;
  solution_id: string;
  name: string;
  /** YYYY-MM-DD the ministry aims for; null: not fixed yet. */
  target_date: ColumnType<string | null, string | null | undefined, string | null>;
  frist_tage: ColumnType<number | null, number | null | undefined, number | null>;
  state: ColumnType<WaveState, WaveState | undefined, WaveState>;
  created_by: string;
  created_at: CreatedAt;
  started_by: ColumnType<string | null, string | null | undefined, string | null>;
  started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** A participant planned into a wave; `open` until the wave starts (one open wave per participant). */
export interface WaveMemberTable {
  wave_id: string;
  solution_id: string;
  ars: string;
  open: ColumnType<boolean, boolean | undefined, boolean>;
  added_by: string;
  added_at: CreatedAt;
}

export type ChecklistStatus = 'offen' | 'in-arbeit' | 'erledigt' | 'entfaellt';

/** A ministry's own checklist item: applies to every pilot of its solution (migration 0007). */
export interface PilotChecklistCustomItemTable {
  solution_id: string;
  key: string;
  label: string;
  optional: ColumnType<boolean, boolean | undefined, boolean>;
  created_by: string;
  created_at: CreatedAt;
}

/** The state of one checklist item of one pilot; an item without a row is `offen`. */
export interface PilotChecklistItemTable {
  solution_id: string;
  ars: string;
  key: string;
  status: ChecklistStatus;
  /** Required for `entfaellt`. */
  reason: string | null;
  updated_by: string;
  updated_at: Timestamp;
}

export type MeetingKind = 'videokonferenz' | 'telefonkonferenz' | 'vor-ort';

export interface PilotMeetingTable {
  id: string;
  solution_id: string;
  ars: string;
  kind: MeetingKind;
  /** YYYY-MM-DD */
  held_on: string;
  participants: Json<string[]>;
  notes: string;
  follow_ups: Json<string[]>;
  moderated_by_kaz: boolean;
  created_by: string;
  created_at: CreatedAt;
}

/** ZIT-BB (and through it DIKOM) involved with a pilot. */
export interface PilotItSupportTable {
  solution_id: string;
  ars: string;
  zit_bb: boolean;
  dikom: boolean;
  /** YYYY-MM-DD */
  since: string | null;
  contact: string | null;
  updated_by: string;
  updated_at: Timestamp;
}

export interface BusBbLeistungsbeschreibungTable {
  solution_id: string;
  leika_key: string;
  note: string | null;
  confirmed_by: string;
  confirmed_at: CreatedAt;
}

/** A participant's category in a reconciliation with a PVOG/BUS-BB export. */
export type ReconciliationCategory = 'bestaetigt' | 'gemeldet-nicht-gefunden' | 'gefunden-nicht-gemeldet' | 'fehlt';

/** One import of a PVOG/BUS-BB export for one solution (migration 0009). */
export interface BusBbReconciliationTable {
  id: string;
  /** Order of the imports (bigserial). */
  seq: Generated<string>;
  solution_id: string;
  /** The solution's previous reconciliation, against which `changes` were computed. */
  previous_id: string | null;
  source_name: string;
  summary: Json<Record<string, unknown>>;
  /** Invalid records: pointer into the file and reason. */
  issues: Json<{ pointer: string; reason: string }[]>;
  changes: Json<{ ars: string; from: ReconciliationCategory | null; to: ReconciliationCategory }[]>;
  created_by: string;
  created_at: CreatedAt;
  applied_by: ColumnType<string | null, string | null | undefined, string | null>;
  applied_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  apply_result: ColumnType<Record<string, unknown> | null, JsonText<Record<string, unknown>> | null | undefined, JsonText<Record<string, unknown>> | null>;
}

export interface BusBbReconciliationResultTable {
  reconciliation_id: string;
  ars: string;
  category: ReconciliationCategory;
  previous_category: ReconciliationCategory | null;
  /** The participant's stage when the export was imported. */
  stage: string;
  details: Json<Record<string, unknown>>;
}

export type TicketCategory = 'fachverfahren-anbindung' | 'transport' | 'epayment' | 'bundid' | 'bus-bb-pvog' | 'datenschutz-avv' | 'sonstiges';
export type TicketPriority = 'kritisch' | 'hoch' | 'normal' | 'niedrig';
export type TicketSource = 'behoerde' | 'ministerium' | 'kaz' | 'automatisch';

export interface TicketTable {
  id: string;
  number: Generated<string>;
  solution_id: string;
  ars: string;
  category: TicketCategory;
  priority: TicketPriority;
  assignee: string | null;
  blocking: boolean;
  title: string;
  description: string;
  source: TicketSource;
  /** Set for automatic tickets: the readiness reason they were opened for (unique per participant). */
  auto_reason: string | null;
  opened_by: string;
  stage: string;
  snapshot: Json<unknown>;
  machine_version: number;
  revision: number;
  first_response_due: Date;
  first_response_warn: Date;
  resolution_due: Date;
  resolution_warn: Date;
  first_responded_at: Date | null;
  resolved_at: Date | null;
  /** Set while in wartet-auf-kommune: the SLA clock stands still since then. */
  paused_since: Date | null;
  /** Working minutes spent in wartet-auf-kommune so far; the due times are shifted by them. */
  paused_minutes: number;
  created_at: CreatedAt;
  updated_at: Date;
}

export interface TicketCommentTable {
  id: string;
  ticket_id: string;
  visibility: 'oeffentlich' | 'intern';
  author: string;
  text: string;
  created_at: CreatedAt;
}

/** A keyed bulk action (0013): its key belongs to one solution, caller and request body. */
export interface BulkRequestTable {
  id: string;
  solution_id: string;
  /** The API token that sent it. */
  caller: string;
  idempotency_key: string;
  /** SHA-256 of the canonical request body (event, authorities or filter). */
  request_hash: string;
  /** The answer, once the request ran to its end: a repeat gets it again. */
  result: Json<Record<string, unknown>> | null;
  created_at: CreatedAt;
  completed_at: Timestamp | null;
}

/** A session of the staff's web interface (0014): only the SHA-256 of its id is stored. */
export interface StaffSessionTable {
  id_hash: string;
  /** The personal token the person signed in with; null before signing in (the sign-in form's CSRF secret). */
  token_id: string | null;
  /** The session's own values (the CSRF secret, the token id), without the cookie. */
  data: Json<Record<string, unknown>>;
  created_at: ColumnType<Date, Date, never>;
  expires_at: Timestamp;
}

/** A directory file checked in a dry run on the web page, waiting for the admin's confirmation (0015). */
export interface DirectoryUploadStageTable {
  id: string;
  /** The admin who uploaded it: only they may apply it. */
  token_id: string;
  content: Buffer;
  /** SHA-256 (hex) of `content`. */
  sha256: string;
  source_name: string;
  land: string | null;
  created_at: ColumnType<Date, Date, never>;
}

/** A solution's progress at a quarter's end (0017): see src/snapshots/. */
export interface ProgressSnapshotTable {
  solution_id: string;
  /** '2026-Q4': the quarter whose end it records. */
  quarter: string;
  taken_at: Date;
  /** 'system' (the quarterly job) or the actor who took a missing one later. */
  taken_by: string;
  data: Json<unknown>;
}

export interface Database {
  progress_snapshot: ProgressSnapshotTable;
  staff_session: StaffSessionTable;
  directory_upload_stage: DirectoryUploadStageTable;
  bulk_request: BulkRequestTable;
  ticket: TicketTable;
  ticket_comment: TicketCommentTable;
  directory_import: DirectoryImportTable;
  authority: AuthorityTable;
  api_token: ApiTokenTable;
  solution: SolutionTable;
  solution_override: SolutionOverrideTable;
  participant: ParticipantTable;
  history: HistoryTable;
  job: JobTable;
  app_secret: AppSecretTable;
  mail_template: MailTemplateTable;
  mailing: MailingTable;
  mail_message: MailMessageTable;
  response_link: ResponseLinkTable;
  pilot_checklist_custom_item: PilotChecklistCustomItemTable;
  pilot_checklist_item: PilotChecklistItemTable;
  pilot_meeting: PilotMeetingTable;
  pilot_it_support: PilotItSupportTable;
  wave: WaveTable;
  wave_member: WaveMemberTable;
  bus_bb_leistungsbeschreibung: BusBbLeistungsbeschreibungTable;
  bus_bb_reconciliation: BusBbReconciliationTable;
  bus_bb_reconciliation_result: BusBbReconciliationResultTable;
}

export type Authority = Selectable<AuthorityTable>;
export type NewAuthority = Insertable<AuthorityTable>;
export type Solution = Selectable<SolutionTable>;
export type NewSolution = Insertable<SolutionTable>;
export type SolutionUpdate = Updateable<SolutionTable>;
export type Participant = Selectable<ParticipantTable>;
export type HistoryEntry = Selectable<HistoryTable>;
export type Job = Selectable<JobTable>;
export type Mailing = Selectable<MailingTable>;
export type MailMessage = Selectable<MailMessageTable>;
export type ResponseLink = Selectable<ResponseLinkTable>;
export type Wave = Selectable<WaveTable>;
export type WaveMember = Selectable<WaveMemberTable>;
