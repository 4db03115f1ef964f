/**
 * Loads a query file from queries/, expands its `-- include:` lines and lib macros,
 * reads the `@param` header, and turns named parameters into the positional values
 * both engines bind. The expanded text is what Athena runs and `--print-sql` shows.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_METRIC_SETTINGS, type MetricSettings } from '../core/settings';
import { LAKE_TABLE_NAMES, snakeCase } from '../core/lake-columns';
import { RUNTIME_ENV } from '../core/runtime-env';

/** Views of queries/views/ that the metrics own (the `_current` views come with the lake tables). */
export const METRIC_VIEWS: readonly string[] = ['episodes'];

/**
 * What a session computes once before a batch of queries (the engines' `prepare`): each lake
 * table's `_current` view, then the metric views, in dependency order (docs/adr/0105, 0122).
 */
export const PREPARED_VIEWS: readonly string[] = [...LAKE_TABLE_NAMES.map((table) => `${table}_current`), ...METRIC_VIEWS];

/** queries/ in the source tree, or where a Lambda bundle put it (QUERIES_DIR). */
export const QUERIES_DIR = process.env[RUNTIME_ENV.queriesDir]
  ? resolve(process.env[RUNTIME_ENV.queriesDir] as string)
  : resolve(__dirname, '..', '..', 'queries');

export interface QueryParam {
  name: string;
  /** SQL type the params CTE casts to (DATE, VARCHAR, INTEGER, DOUBLE, BOOLEAN). */
  type: string;
  optional: boolean;
  description: string;
}

export interface LoadedQuery {
  name: string;
  path: string;
  /** Expanded SQL: includes and macros replaced; positional `?` parameters. */
  sql: string;
  params: QueryParam[];
}

export type ParamValue = string | number | boolean | null;

/** A parameter or query file problem the caller can fix. */
export class QueryFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueryFileError';
  }
}

/** Resolves 'retention' to queries/metrics/retention.sql; accepts 'views/episodes' or a path too. */
export function resolveQueryPath(name: string, queriesDir = QUERIES_DIR): string {
  const candidates = isAbsolute(name)
    ? [name]
    : [
        join(queriesDir, 'metrics', `${name}.sql`),
        join(queriesDir, `${name}.sql`),
        join(queriesDir, name),
        resolve(name),
      ];
  const found = candidates.find((candidate) => candidate.endsWith('.sql') && existsSync(candidate));
  if (!found) {
    throw new QueryFileError(
      `no query file "${name}"; metric files are: ${metricNames(queriesDir).join(', ') || '(none)'}`,
    );
  }
  return found;
}

/** The metric file names (without .sql) under queries/metrics/. */
export function metricNames(queriesDir = QUERIES_DIR): string[] {
  const dir = join(queriesDir, 'metrics');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => file.slice(0, -4))
    .sort();
}

export function loadQuery(name: string, queriesDir = QUERIES_DIR): LoadedQuery {
  const path = resolveQueryPath(name, queriesDir);
  const raw = readFileSync(path, 'utf8');
  const params = parseParamHeader(raw, path);
  const sql = expandMacros(expandIncludes(raw, queriesDir, [path]), loadMacros(queriesDir));
  const placeholders = countPlaceholders(sql);
  if (placeholders !== params.length) {
    throw new QueryFileError(
      `${basename(path)} declares ${params.length} @param line(s) but its SQL has ${placeholders} "?" placeholder(s); ` +
        'each parameter is used once, in the leading params CTE',
    );
  }
  return { name: basename(path, '.sql'), path, sql, params };
}

/** Expands includes and macros in SQL text that is not a file (tests, ad-hoc researcher SQL). */
export function expandQueryText(sql: string, queriesDir = QUERIES_DIR): string {
  return expandMacros(expandIncludes(sql, queriesDir, []), loadMacros(queriesDir));
}

const PARAM_LINE = /^--\s*@param\s+([a-z_][a-z0-9_]*)\s+([A-Za-z]+)(\s+optional)?\s*:?\s*(.*)$/;

export function parseParamHeader(sql: string, path = 'query'): QueryParam[] {
  const params: QueryParam[] = [];
  for (const line of sql.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('--')) continue;
    if (!/^--\s*@param\b/.test(trimmed)) continue;
    const match = PARAM_LINE.exec(trimmed);
    if (!match) throw new QueryFileError(`${basename(path)}: cannot read "${trimmed}"; write -- @param name TYPE[ optional]: description`);
    const [, name, type, optional, description] = match;
    if (params.some((param) => param.name === name)) throw new QueryFileError(`${basename(path)}: @param ${name} is declared twice`);
    params.push({ name, type: type.toUpperCase(), optional: Boolean(optional), description: description.trim() });
  }
  return params;
}

const INCLUDE_LINE = /^[ \t]*--[ \t]*include:[ \t]*(\S+)[ \t]*$/gm;

function expandIncludes(sql: string, queriesDir: string, stack: string[]): string {
  return sql.replace(INCLUDE_LINE, (_line, target: string) => {
    const path = resolve(queriesDir, target);
    if (!path.startsWith(join(queriesDir, 'lib'))) {
      throw new QueryFileError(`include "${target}" must name a file under queries/lib/`);
    }
    if (!existsSync(path)) throw new QueryFileError(`include "${target}" not found (looked for ${path})`);
    if (stack.includes(path)) throw new QueryFileError(`include cycle: ${[...stack, path].map((p) => basename(p)).join(' → ')}`);
    const fragment = readFileSync(path, 'utf8');
    if (countPlaceholders(fragment) > 0) throw new QueryFileError(`include "${target}" must not contain "?" parameters`);
    return `-- begin include: ${target}\n${expandIncludes(stripMacroDefinitions(fragment), queriesDir, [...stack, path]).trimEnd()}\n-- end include: ${target}`;
  });
}

interface Macro {
  name: string;
  args: string[];
  body: string;
}

const MACRO_BLOCK = /^--[ \t]*macro:[ \t]*([a-z_][a-z0-9_]*)\(([^)]*)\)[ \t]*\n([\s\S]*?)^--[ \t]*end macro[ \t]*$/gm;

function loadMacros(queriesDir: string): Map<string, Macro> {
  const macros = new Map<string, Macro>();
  const libDir = join(queriesDir, 'lib');
  if (!existsSync(libDir)) return macros;
  for (const file of readdirSync(libDir).filter((entry) => entry.endsWith('.sql')).sort()) {
    const text = readFileSync(join(libDir, file), 'utf8');
    for (const match of text.matchAll(MACRO_BLOCK)) {
      const [, name, argList, body] = match;
      if (macros.has(name)) throw new QueryFileError(`macro ${name} is defined twice (second in lib/${file})`);
      const args = argList.split(',').map((arg) => arg.trim()).filter(Boolean);
      const cleanBody = body
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim();
      macros.set(name, { name, args, body: cleanBody });
    }
  }
  return macros;
}

function stripMacroDefinitions(text: string): string {
  return text.replace(MACRO_BLOCK, '');
}

/** Replaces each macro call with its body; arguments are substituted whole-word and parenthesised. */
export function expandMacros(sql: string, macros: Map<string, Macro>): string {
  if (macros.size === 0) return sql;
  const names = [...macros.keys()].join('|');
  const callStart = new RegExp(`\\b(${names})\\s*\\(`, 'g');
  let output = '';
  let cursor = 0;
  const code = codePositions(sql);
  let match: RegExpExecArray | null;
  while ((match = callStart.exec(sql)) !== null) {
    if (!code[match.index]) continue;
    const macro = macros.get(match[1])!;
    const open = match.index + match[0].length - 1;
    const { args, end } = splitArguments(sql, open);
    if (args.length !== macro.args.length) {
      throw new QueryFileError(`${macro.name} takes ${macro.args.length} argument(s) (${macro.args.join(', ')}), got ${args.length}`);
    }
    const expandedArgs = args.map((arg) => expandMacros(arg, macros));
    // One pass over all argument names, so an argument's text is never substituted again.
    const argPattern = new RegExp(`\\b(${macro.args.join('|')})\\b`, 'g');
    const body = macro.body.replace(argPattern, (argName: string) => `(${expandedArgs[macro.args.indexOf(argName)].trim()})`);
    output += sql.slice(cursor, match.index) + `(${body})`;
    cursor = end + 1;
    callStart.lastIndex = cursor;
  }
  return output + sql.slice(cursor);
}

/** true at each index that is SQL code, false inside string literals and `--` comments. */
function codePositions(sql: string): boolean[] {
  const code = new Array<boolean>(sql.length).fill(true);
  for (let index = 0; index < sql.length; index++) {
    if (sql[index] === "'") {
      const close = sql.indexOf("'", index + 1);
      const end = close === -1 ? sql.length - 1 : close;
      code.fill(false, index, end + 1);
      index = end;
    } else if (sql[index] === '-' && sql[index + 1] === '-') {
      const lineEnd = sql.indexOf('\n', index);
      const end = lineEnd === -1 ? sql.length : lineEnd;
      code.fill(false, index, end);
      index = end;
    }
  }
  return code;
}

/** Splits `(a, f(b, c), 'x,y')` at top-level commas; returns the arguments and the closing paren index. */
function splitArguments(sql: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  let quoted = false;
  for (let index = open; index < sql.length; index++) {
    const char = sql[index];
    if (quoted) {
      if (char === "'") quoted = false;
      continue;
    }
    if (char === "'") quoted = true;
    else if (char === '(') depth++;
    else if (char === ')') {
      depth--;
      if (depth === 0) {
        args.push(sql.slice(start, index));
        return { args: args.filter((arg, position) => arg.trim() !== '' || position > 0), end: index };
      }
    } else if (char === ',' && depth === 1) {
      args.push(sql.slice(start, index));
      start = index + 1;
    }
  }
  throw new QueryFileError(`unbalanced parentheses in a macro call at offset ${open}`);
}

/** Counts `?` outside string literals and comments. */
export function countPlaceholders(sql: string): number {
  let count = 0;
  let quoted = false;
  for (let index = 0; index < sql.length; index++) {
    const char = sql[index];
    if (quoted) {
      if (char === "'") quoted = false;
      continue;
    }
    if (char === "'") quoted = true;
    else if (char === '-' && sql[index + 1] === '-') {
      const lineEnd = sql.indexOf('\n', index);
      index = lineEnd === -1 ? sql.length : lineEnd;
    } else if (char === '?') count++;
  }
  return count;
}

/** Metric settings as query parameters: `inactivityDays` → `inactivity_days`. */
export function settingParams(settings: MetricSettings = DEFAULT_METRIC_SETTINGS): Record<string, number> {
  return Object.fromEntries(Object.entries(settings).map(([key, value]) => [snakeCase(key), value as number]));
}

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Orders named values by the header. Optional parameters default to NULL, setting-named
 * ones to the setting; anything else missing, or any unknown name, is an error.
 */
export function bindParams(
  query: Pick<LoadedQuery, 'name' | 'params'>,
  values: Record<string, unknown>,
  settings: MetricSettings = DEFAULT_METRIC_SETTINGS,
): ParamValue[] {
  const known = new Set(query.params.map((param) => param.name));
  const unknown = Object.keys(values).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new QueryFileError(
      `${query.name} has no parameter ${unknown.map((name) => `"${name}"`).join(', ')}; its parameters are ${[...known].join(', ')}`,
    );
  }
  const defaults = settingParams(settings);
  return query.params.map((param) => {
    const given = Object.prototype.hasOwnProperty.call(values, param.name) ? values[param.name] : undefined;
    const value = given !== undefined ? given : param.name in defaults ? defaults[param.name] : param.optional ? null : undefined;
    if (value === undefined) {
      throw new QueryFileError(`${query.name} needs parameter "${param.name}" (${param.type}): ${param.description}`);
    }
    return checkValue(query.name, param, value);
  });
}

function checkValue(queryName: string, param: QueryParam, value: unknown): ParamValue {
  if (value === null) return null;
  const where = `${queryName} parameter "${param.name}"`;
  switch (param.type) {
    case 'DATE':
      if (typeof value !== 'string' || !DATE_PATTERN.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
        throw new QueryFileError(`${where} must be a date written YYYY-MM-DD, got ${JSON.stringify(value)}`);
      }
      if (new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
        throw new QueryFileError(`${where}: ${value} is not a calendar date`);
      }
      return value;
    case 'INTEGER':
    case 'BIGINT':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new QueryFileError(`${where} must be a whole number, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'DOUBLE':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new QueryFileError(`${where} must be a number, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw new QueryFileError(`${where} must be true or false, got ${JSON.stringify(value)}`);
      return value;
    default:
      if (typeof value !== 'string') throw new QueryFileError(`${where} must be text, got ${JSON.stringify(value)}`);
      return value;
  }
}
