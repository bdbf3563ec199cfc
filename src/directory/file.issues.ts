/**
 * Problems of an uploaded directory file, located as precisely as the reader knows them.
 * Kept free of HTTP types (and of everything but plain data), so that the parse worker
 * and scripts can use the readers too; the importer turns them into a 422 problem.
 */

/** One problem in an uploaded file. */
export interface FileIssue {
  /** 1-based physical line; absent when the whole file is concerned. */
  line?: number;
  /** Header name of the column concerned (or "Feld 3" when the header does not name it). */
  column?: string;
  /** 1-based character position within the line, where the reader knows it (NUL bytes). */
  position?: number;
  message: string;
}

/** The file cannot be read as a directory. Format readers throw this. */
export class FileIssuesError extends Error {
  readonly issues: FileIssue[];

  constructor(issues: FileIssue[]) {
    super(describeIssues(issues));
    this.name = 'FileIssuesError';
    this.issues = issues;
  }
}

export function describeIssue(issue: FileIssue): string {
  const where = [
    issue.line === undefined ? null : `Zeile ${issue.line}`,
    issue.column ? `Spalte ${issue.column}` : null,
    issue.position === undefined ? null : `Zeichen ${issue.position}`,
  ]
    .filter((part) => part !== null)
    .join(', ');
  return where ? `${where}: ${issue.message}` : issue.message;
}

/** The first issue in words, plus how many more there are. */
export function describeIssues(issues: FileIssue[]): string {
  const [first] = issues;
  if (!first) return 'Datei ungültig';
  const more = issues.length - 1;
  return more > 0 ? `${describeIssue(first)} (und ${more} weitere Fehler)` : describeIssue(first);
}

/** Collects issues up to a limit, so that one upload reports many problems at once. */
export class IssueCollector {
  readonly issues: FileIssue[] = [];
  private readonly limit: number;

  constructor(limit = 50) {
    this.limit = limit;
  }

  add(issue: FileIssue): void {
    if (this.issues.length < this.limit) this.issues.push(issue);
  }

  get full(): boolean {
    return this.issues.length >= this.limit;
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new FileIssuesError(this.issues);
  }
}
