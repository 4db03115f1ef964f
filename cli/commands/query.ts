/**
 * `iop-outcomes query <metric-or-file>`: runs a metric query locally (DuckDB over the lake
 * mirror) or on Athena and prints it as a table, CSV or JSON; `--print-sql` shows the
 * expanded SQL Athena would run.
 */
import { CliError, parseOptions, type Command } from '../command';
import { bindParams, loadQuery, metricNames, QueryFileError, type LoadedQuery } from '../../lambdas/adapters/query-files';
import { createAthenaEngine } from '../../lambdas/adapters/athena-engine';
import { RUNTIME_ENV } from '../../lambdas/core/runtime-env';
import { NoLocalLakeError, openLocalLakeEngine } from '../local/lake-engine';
import type { QueryEngine, Row } from '../../lambdas/adapters/query-engine';
import { formatRows, OUTPUT_FORMATS, type OutputFormat } from '../formats/query-output';

const USAGE = `iop-outcomes query <metric-or-file> --as-of YYYY-MM-DD [options]

  <metric-or-file>     a file in queries/metrics/ (${metricNames().join(', ')}) or a path to a .sql file
  --as-of DATE         data cutoff (required); facts dated after it are ignored
  --clinic ID          one clinic (default: every clinic, plus the 'all' rows)
  --program ID         one program
  --cohort-from DATE   first admission date of the cohort (inclusive)
  --cohort-to DATE     last admission date of the cohort (inclusive)
  --param NAME=VALUE   any other parameter of the file (repeatable), e.g. --param ci_transform=log
  --format F           table (default), csv or json
  --engine E           duckdb (default; the local lake mirror under .local/lake-mirror) or athena
  --workgroup NAME     Athena workgroup (default: $${RUNTIME_ENV.athenaWorkGroup})
  --database NAME      Glue database (default: $${RUNTIME_ENV.athenaDatabase})
  --print-sql          print the expanded SQL and the bound parameters instead of running it

Thresholds (inactivity_days, initiation_days, …) default to lambdas/core/settings.ts.
\`query retention\` in table format also prints retention-summary (30/60/90 days, median).`;

/** Files whose table output is followed by a companion summary. */
const COMPANIONS: Record<string, string> = { retention: 'retention-summary' };

export const command: Command = {
  summary: 'Run a metric query (DuckDB locally or Athena) and print the result',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseOptions(
      argv,
      {
        'as-of': { type: 'string' },
        clinic: { type: 'string' },
        program: { type: 'string' },
        'cohort-from': { type: 'string' },
        'cohort-to': { type: 'string' },
        param: { type: 'string', multiple: true },
        format: { type: 'string', default: 'table' },
        engine: { type: 'string', default: 'duckdb' },
        workgroup: { type: 'string' },
        database: { type: 'string' },
        'print-sql': { type: 'boolean' },
      },
      true,
    );
    const [name, ...extra] = positionals;
    if (!name) throw new CliError(`name a metric or a .sql file.\n\n${USAGE}`, 2);
    if (extra.length > 0) throw new CliError(`one query at a time; unexpected ${extra.join(' ')}`, 2);
    const format = values.format as OutputFormat;
    if (!OUTPUT_FORMATS.includes(format)) throw new CliError(`--format must be table, csv or json, got "${values.format}"`, 2);
    if (values.engine !== 'duckdb' && values.engine !== 'athena') throw new CliError(`--engine must be duckdb or athena, got "${values.engine}"`, 2);

    const query = load(name);
    const params = queryParams(query, values);
    if (values['print-sql']) {
      const bound = check(() => bindParams(query, params));
      console.log(`-- ${query.path}\n-- parameters in order: ${query.params.map((param, index) => `${param.name}=${JSON.stringify(bound[index])}`).join(', ')}\n${query.sql}`);
      return;
    }
    check(() => bindParams(query, params));

    const engine = values.engine === 'athena' ? athenaEngine(values.workgroup, values.database) : await localEngine();
    try {
      const rows = await run(engine, query.path, params);
      const companion = format === 'table' ? COMPANIONS[query.name] : undefined;
      if (!companion) {
        process.stdout.write(formatRows(rows, format));
        return;
      }
      const summaryQuery = load(companion);
      const summaryRows = await run(engine, summaryQuery.path, queryParams(summaryQuery, values));
      process.stdout.write(`${query.name} (as of ${params.as_of})\n${formatRows(rows, format)}\n${companion}\n${formatRows(summaryRows, format)}`);
    } finally {
      await engine.close();
    }
  },
};

function load(name: string): LoadedQuery {
  return check(() => loadQuery(name));
}

function check<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof QueryFileError) throw new CliError(error.message, 2, { cause: error });
    throw error;
  }
}

async function run(engine: QueryEngine, path: string, params: Record<string, unknown>): Promise<Row[]> {
  try {
    return await engine.runQuery(path, params);
  } catch (error) {
    throw new CliError((error as Error).message, 1, { cause: error });
  }
}

interface QueryOptionValues {
  'as-of'?: string;
  clinic?: string;
  program?: string;
  'cohort-from'?: string;
  'cohort-to'?: string;
  param?: string[];
}

/** Options → named parameters; only those given, typed by the file's @param header. */
export function queryParams(query: LoadedQuery, values: QueryOptionValues): Record<string, unknown> {
  if (!values['as-of']) throw new CliError('--as-of YYYY-MM-DD is required (the data cutoff; never "today" implicitly)', 2);
  const declared = new Map(query.params.map((param) => [param.name, param]));
  const params: Record<string, unknown> = {};
  const filters: [string, string | undefined, string][] = [
    ['as_of', values['as-of'], '--as-of'],
    ['clinic_id', values.clinic, '--clinic'],
    ['program_id', values.program, '--program'],
    ['cohort_from', values['cohort-from'], '--cohort-from'],
    ['cohort_to', values['cohort-to'], '--cohort-to'],
  ];
  for (const [param, value, option] of filters) {
    if (value === undefined) continue;
    if (!declared.has(param)) throw new CliError(`${query.name} has no ${option} filter (parameter ${param})`, 2);
    params[param] = value;
  }
  for (const assignment of values.param ?? []) {
    const match = /^([a-z_][a-z0-9_]*)=(.*)$/.exec(assignment);
    if (!match) throw new CliError(`--param must look like name=value, got "${assignment}"`, 2);
    const [, param, text] = match;
    const declaredParam = declared.get(param);
    if (!declaredParam) throw new CliError(`${query.name} has no parameter "${param}"; its parameters are ${[...declared.keys()].join(', ')}`, 2);
    params[param] = typedParam(declaredParam.type, text);
  }
  return params;
}

function typedParam(type: string, text: string): unknown {
  if (text.toLowerCase() === 'null') return null;
  if (['INTEGER', 'BIGINT', 'DOUBLE'].includes(type)) return text.trim() === '' ? text : Number(text);
  if (type === 'BOOLEAN') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

async function localEngine(): Promise<QueryEngine> {
  try {
    // One query: no prepare step (see LakeEngineOptions.prepare).
    return await openLocalLakeEngine(undefined, { prepare: false });
  } catch (error) {
    if (error instanceof NoLocalLakeError) throw new CliError(error.message, 1, { cause: error });
    throw error;
  }
}

function athenaEngine(workgroup: string | undefined, database: string | undefined): QueryEngine {
  const workGroup = workgroup ?? process.env[RUNTIME_ENV.athenaWorkGroup];
  if (!workGroup) throw new CliError(`--engine athena needs --workgroup or ${RUNTIME_ENV.athenaWorkGroup} (the stack's Athena workgroup)`, 2);
  return createAthenaEngine({ workGroup, database: database ?? process.env[RUNTIME_ENV.athenaDatabase] });
}
