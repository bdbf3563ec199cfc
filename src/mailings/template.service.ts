import type { Kysely, Selectable, Transaction } from 'kysely';
import { toJson, type Database, type SolutionTable, type MailingLinkPurpose, type MailDetails, type TemplateKind } from '../db/schema.ts';
import { NotFoundError, InvalidInputError } from '../errors/domain.errors.ts';
import { isMailAddress } from '../validation/mail-address.ts';
import { DEFAULT_TEMPLATES } from './default-templates.ts';
import { ministryWithCode } from '../solutions/ministry-names.ts';
import { renderMail, TEMPLATE_KINDS, validateTemplate, type MailContext, type MailTemplate, type RenderedMail } from './template.render.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface TemplateView extends MailTemplate {
  kind: TemplateKind;
  /** false: the default text, nothing saved for this solution. */
  custom: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
}

function defaultView(kind: TemplateKind): TemplateView {
  return { kind, ...DEFAULT_TEMPLATES[kind], custom: false, updatedBy: null, updatedAt: null };
}

function customView(row: { kind: TemplateKind; subject: string; text_body: string; html_body: string; updated_by: string; updated_at: Date }): TemplateView {
  return {
    kind: row.kind,
    subject: row.subject,
    textBody: row.text_body,
    htmlBody: row.html_body,
    custom: true,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The solution's own text for a kind, or the default when it has none. */
export async function loadTemplate(db: Db, solutionId: string, kind: TemplateKind): Promise<TemplateView> {
  const row = await db
    .selectFrom('mail_template')
    .selectAll()
    .where('solution_id', '=', solutionId)
    .where('kind', '=', kind)
    .executeTakeFirst();
  return row ? customView(row) : defaultView(kind);
}

export async function listTemplates(db: Db, solutionId: string): Promise<TemplateView[]> {
  const rows = await db.selectFrom('mail_template').selectAll().where('solution_id', '=', solutionId).execute();
  const custom = new Map(rows.map((row) => [row.kind, customView(row)]));
  return TEMPLATE_KINDS.map((kind) => custom.get(kind) ?? defaultView(kind));
}

/** Validates (422 naming each field) and stores the solution's own text for a kind. */
export async function saveTemplate(
  db: Db,
  solutionId: string,
  kind: TemplateKind,
  template: MailTemplate,
  actor: string,
): Promise<TemplateView> {
  const errors = validateTemplate(template, kind);
  if (errors.length) {
    throw new InvalidInputError(
      'Die Vorlage kann so nicht gespeichert werden',
      errors.map((error) => ({ ...error, field: `/body${error.field}` })),
    );
  }
  const values = { subject: template.subject, text_body: template.textBody, html_body: template.htmlBody, updated_by: actor, updated_at: new Date() };
  const row = await db
    .insertInto('mail_template')
    .values({ solution_id: solutionId, kind, ...values })
    .onConflict((conflict) => conflict.columns(['solution_id', 'kind']).doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
  return customView(row);
}

/** Back to the default text (idempotent). */
export async function resetTemplate(db: Db, solutionId: string, kind: TemplateKind): Promise<void> {
  await db.deleteFrom('mail_template').where('solution_id', '=', solutionId).where('kind', '=', kind).execute();
}

const DETAIL_KEYS = ['kontaktName', 'kontaktEmail', 'kontaktTelefon', 'kosten', 'termine', 'sachstand'] as const satisfies readonly (keyof MailDetails)[];

/** Replaces the solution's mail details; blank values are dropped so the mails show their defaults. */
export async function saveMailDetails(db: Db, solutionId: string, input: MailDetails): Promise<MailDetails> {
  const details: MailDetails = {};
  for (const key of DETAIL_KEYS) {
    const value = input[key]?.trim();
    if (value) details[key] = value;
  }
  // The address becomes every mail's Reply-To: a typo would send the authorities' answers nowhere.
  if (details.kontaktEmail && !isMailAddress(details.kontaktEmail)) {
    throw new InvalidInputError('Die Angaben für die Mails können so nicht gespeichert werden', [
      { field: '/body/kontaktEmail', message: `„${details.kontaktEmail}“ ist keine E-Mail-Adresse` },
    ]);
  }
  const updated = await db
    .updateTable('solution')
    .set({ mail_details: toJson(details), updated_at: new Date() })
    .where('id', '=', solutionId)
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) throw new NotFoundError(`EfA-Lösung ${solutionId} gibt es nicht`);
  return details;
}

export async function loadMailDetails(db: Db, solutionId: string): Promise<MailDetails> {
  const row = await db.selectFrom('solution').select('mail_details').where('id', '=', solutionId).executeTakeFirst();
  if (!row) throw new NotFoundError(`EfA-Lösung ${solutionId} gibt es nicht`);
  return row.mail_details ?? {};
}

export interface MailContextInput {
  solutionId: string;
  /** The addressed authority; null for mails to the ministry (Eskalation). */
  ars: string | null;
  /** YYYY-MM-DD or null. */
  frist: string | null;
  /** Erinnerung: the links of the mailing it reminds of. */
  links: Partial<Record<MailingLinkPurpose, string>>;
  erinnerungNummer?: number;
  offene?: { name: string; ars: string }[];
  /** Multiplier copy: how many authorities the mailing was sent to. */
  empfaengerAnzahl?: number;
}

const SOLUTION_MAIL_COLUMNS = ['id', 'title', 'ozg_id', 'leika_keys', 'lead_ministry', 'mail_details', 'responsibility'] as const;
/** What a mail quotes of its solution. */
export type SolutionMailFacts = Pick<Selectable<SolutionTable>, (typeof SOLUTION_MAIL_COLUMNS)[number]>;

/** The solutions' mail facts in one statement, by id (a missing one is absent). */
export async function loadSolutionsForMail(db: Db, solutionIds: readonly string[]): Promise<Map<string, SolutionMailFacts>> {
  if (solutionIds.length === 0) return new Map();
  const rows = await db.selectFrom('solution').select(SOLUTION_MAIL_COLUMNS).where('id', 'in', [...new Set(solutionIds)]).execute();
  return new Map(rows.map((row) => [row.id, row]));
}

/** Each (solution, kind)'s text – its own or the default – for several solutions and kinds, in one statement. */
export async function loadTemplatesFor(db: Db, solutionIds: readonly string[], kinds: readonly TemplateKind[]): Promise<(solutionId: string, kind: TemplateKind) => TemplateView> {
  const rows =
    solutionIds.length && kinds.length
      ? await db
          .selectFrom('mail_template')
          .selectAll()
          .where('solution_id', 'in', [...new Set(solutionIds)])
          .where('kind', 'in', [...new Set(kinds)])
          .execute()
      : [];
  const custom = new Map(rows.map((row) => [`${row.solution_id}:${row.kind}`, customView(row)]));
  return (solutionId, kind) => custom.get(`${solutionId}:${kind}`) ?? defaultView(kind);
}

/** The part of a mail's context that is the same for every recipient of a mailing. */
export function mailingMailContext(
  solution: SolutionMailFacts,
  input: Pick<MailContextInput, 'frist' | 'offene' | 'empfaengerAnzahl'>,
): Omit<MailContext, 'behoerde' | 'links' | 'erinnerungNummer'> {
  return {
    loesung: { titel: solution.title, ozgId: solution.ozg_id, leikaKeys: solution.leika_keys },
    ministerium: ministryWithCode(solution.lead_ministry),
    details: solution.mail_details ?? {},
    frist: input.frist,
    ...(input.offene === undefined ? {} : { offene: input.offene }),
    zustaendigkeit: solution.responsibility.level,
    ...(input.empfaengerAnzahl === undefined ? {} : { empfaengerAnzahl: input.empfaengerAnzahl }),
  };
}

export async function buildMailContext(db: Db, input: MailContextInput): Promise<MailContext> {
  const solution = (await loadSolutionsForMail(db, [input.solutionId])).get(input.solutionId);
  if (!solution) throw new NotFoundError(`EfA-Lösung ${input.solutionId} gibt es nicht`);
  let behoerde: MailContext['behoerde'] = null;
  if (input.ars !== null) {
    const authority = await db.selectFrom('authority').select(['name', 'ars']).where('ars', '=', input.ars).executeTakeFirst();
    if (!authority) throw new NotFoundError(`Behörde ${input.ars} gibt es im Kommunalverzeichnis nicht`);
    behoerde = authority;
  }
  return {
    behoerde,
    links: input.links,
    ...(input.erinnerungNummer === undefined ? {} : { erinnerungNummer: input.erinnerungNummer }),
    ...mailingMailContext(solution, input),
  };
}

/** A mailbox as nodemailer takes it, so that a name with commas or umlauts is encoded, not split. */
export interface MailAddress {
  name: string;
  address: string;
}

export interface RenderedMessage extends RenderedMail {
  /** The solution's contact: answers to a mail reach the Fachreferat, not the sending system. */
  replyTo: MailAddress | null;
}

export function replyToOf(details: MailDetails): MailAddress | null {
  const address = details.kontaktEmail?.trim();
  return address ? { name: details.kontaktName?.trim() ?? '', address } : null;
}

/**
 * One recipient's mail exactly as it is sent – used by the preview and by the sender.
 * `template`: a text not saved yet (the staff's editor previews it before saving).
 */
export async function renderForRecipient(db: Db, input: MailContextInput & { kind: TemplateKind; template?: MailTemplate }): Promise<RenderedMessage> {
  const [template, context] = await Promise.all([input.template ?? loadTemplate(db, input.solutionId, input.kind), buildMailContext(db, input)]);
  return { ...renderMail(template, context), replyTo: replyToOf(context.details) };
}
