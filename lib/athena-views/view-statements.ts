/**
 * Deploy-time view management, free of AWS: turns view files into Athena
 * statements and creates them in dependency order (a view that reads another view
 * fails until that one exists, so failures are retried while progress is made).
 */

export interface ViewDefinition {
  /** The view's name as written in its CREATE VIEW statement. */
  name: string;
  /** One `CREATE OR REPLACE VIEW … AS …` statement, leading comments removed. */
  sql: string;
}

/** Runs one statement to completion; rejects with the engine's reason when it fails. */
export type RunStatement = (sql: string) => Promise<void>;

const CREATE_VIEW = /^CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+("?)([A-Za-z_][A-Za-z0-9_]*)\1\s/i;

/**
 * Prepares a view file for Athena: drops the leading comment block (the file's
 * header) and a trailing semicolon, and reads the view name. Throws, naming the
 * file, when the file is not a single CREATE VIEW statement.
 */
export function viewDefinition(fileText: string, file: string): ViewDefinition {
  const lines = fileText.split(/\r?\n/);
  let first = 0;
  while (first < lines.length && (lines[first].trim() === '' || lines[first].trim().startsWith('--'))) first += 1;
  const sql = lines.slice(first).join('\n').trim().replace(/;\s*$/, '').trimEnd();
  const match = CREATE_VIEW.exec(sql);
  if (!match) {
    throw new Error(`${file}: a view file must hold one "CREATE OR REPLACE VIEW <name> AS …" statement after its header comment`);
  }
  if (sql.includes(';')) {
    throw new Error(`${file}: holds more than one statement (a ";" before the end); Athena runs one statement per query`);
  }
  return { name: match[2].toLowerCase(), sql };
}

/**
 * Creates every view. Each pass runs the views still pending; a pass that creates
 * none of them means the failures are real (not ordering), and the error lists each
 * view with its reason.
 */
export async function createViews(views: readonly ViewDefinition[], run: RunStatement): Promise<string[]> {
  const created: string[] = [];
  let pending = [...views];
  while (pending.length > 0) {
    const failed: { view: ViewDefinition; reason: string }[] = [];
    for (const view of pending) {
      try {
        await run(view.sql);
        created.push(view.name);
      } catch (error) {
        failed.push({ view, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    if (failed.length === pending.length) {
      const reasons = failed.map(({ view, reason }) => `${view.name}: ${reason}`).join('; ');
      throw new Error(`could not create ${failed.length} view(s): ${reasons}`);
    }
    pending = failed.map(({ view }) => view);
  }
  return created;
}

/** Drops views (best effort: one failure does not keep the others); returns the reasons of those that failed. */
export async function dropViews(names: readonly string[], run: RunStatement): Promise<string[]> {
  const problems: string[] = [];
  for (const name of names) {
    try {
      await run(`DROP VIEW IF EXISTS "${name}"`);
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}

/** Views present before an update and gone after it. */
export function removedViews(before: readonly ViewDefinition[], after: readonly ViewDefinition[]): string[] {
  const kept = new Set(after.map((view) => view.name));
  return before.map((view) => view.name).filter((name) => !kept.has(name));
}
