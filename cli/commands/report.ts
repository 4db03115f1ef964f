import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../command';
import { CliError, parseOptions } from '../command';
import { createAthenaEngine } from '../../lambdas/adapters/athena-engine';
import type { QueryEngine } from '../../lambdas/adapters/query-engine';
import { findFunderProfile, parseFunderProfiles, resolvePeriod, type FunderProfile } from '../../lambdas/core/funder-profile';
import { generateReport, type GeneratedReport } from '../../lambdas/core/generate-report';
import { RUNTIME_ENV } from '../../lambdas/core/runtime-env';
import { DirectoryObjectStore } from '../local/directory-store';
import { openLocalLakeEngine } from '../local/lake-engine';
import { PROJECT_ROOT } from '../local/paths';

export const DEFAULT_PROFILES_PATH = join(PROJECT_ROOT, 'config', 'funders.json');

export function readFunderProfiles(path = DEFAULT_PROFILES_PATH): FunderProfile[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read funder profiles from ${path}: ${(error as Error).message}`, 1, { cause: error });
  }
  try {
    return parseFunderProfiles(json, path);
  } catch (error) {
    throw new CliError((error as Error).message, 1, { cause: error });
  }
}

export interface LocalReportOptions {
  funderId: string;
  /** `2026-Q2` / `2026-05`; the last complete period on the funder's clock when omitted. */
  period?: string;
  outDir?: string;
  profilesPath?: string;
  engine?: Pick<QueryEngine, 'runQuery'>;
}

/** Writes `<out>/<funder>/<period>/report.pdf`, `csv/*.csv` and `manifest.json` (what `npm start` calls too). */
export async function writeLocalReport(options: LocalReportOptions): Promise<GeneratedReport & { folder: string }> {
  const profile = findProfile(readFunderProfiles(options.profilesPath), options.funderId);
  let period;
  try {
    period = resolvePeriod(profile, options.period);
  } catch (error) {
    throw new CliError((error as Error).message, 2, { cause: error });
  }
  const outDir = resolve(options.outDir ?? join(PROJECT_ROOT, 'out'));
  const pkg = require('../../package.json') as { version: string };
  const engine = options.engine ?? (await openLocalLakeEngine());
  try {
    const generated = await generateReport({ engine, store: new DirectoryObjectStore(outDir), prefix: '' }, { profile, period, softwareVersion: pkg.version });
    return { ...generated, folder: join(outDir, profile.id, period.label) };
  } finally {
    if (!options.engine) await (engine as QueryEngine).close();
  }
}

function findProfile(profiles: FunderProfile[], id: string): FunderProfile {
  try {
    return findFunderProfile(profiles, id);
  } catch (error) {
    throw new CliError((error as Error).message, 2, { cause: error });
  }
}

export const command: Command = {
  summary: 'Make a funder report (PDF + CSVs, small cells suppressed) into out/<funder>/<period>/',
  usage: [
    'iop-outcomes report --funder <id> [--period 2026-Q2|2026-05] [--out out/] [--engine duckdb|athena] [--profiles config/funders.json]',
    '',
    '  --funder ID       a funder profile id from the profiles file',
    '  --period P        quarter (YYYY-Qn) or month (YYYY-MM), as the profile reports; default: the last complete one',
    '  --out DIR         output folder (default out/); re-running replaces the folder of that funder and period',
    '  --engine E        duckdb (default: the local lake mirror in .local/lake-mirror) or athena',
    `                    (needs ${RUNTIME_ENV.athenaWorkGroup} and AWS credentials)`,
    '  --profiles FILE   funder profiles (default config/funders.json)',
  ].join('\n'),
  async run(argv) {
    const { values } = parseOptions(argv, {
      funder: { type: 'string' },
      period: { type: 'string' },
      out: { type: 'string' },
      engine: { type: 'string', default: 'duckdb' },
      profiles: { type: 'string' },
    });
    if (!values.funder) {
      const known = readFunderProfiles(values.profiles).map((profile) => profile.id).join(', ');
      throw new CliError(`--funder is required; funder profiles: ${known}`, 2);
    }
    let engine: QueryEngine | undefined;
    if (values.engine === 'athena') {
      const workGroup = process.env[RUNTIME_ENV.athenaWorkGroup];
      if (!workGroup) throw new CliError(`--engine athena needs ${RUNTIME_ENV.athenaWorkGroup} (and ${RUNTIME_ENV.athenaDatabase}) in the environment`, 2);
      engine = createAthenaEngine({ workGroup, database: process.env[RUNTIME_ENV.athenaDatabase] || undefined });
    } else if (values.engine !== 'duckdb') {
      throw new CliError(`--engine must be duckdb or athena, got "${values.engine}"`, 2);
    }
    try {
      const report = await writeLocalReport({ funderId: values.funder, period: values.period, outDir: values.out, profilesPath: values.profiles, engine });
      const suppressed = report.manifest.tables.reduce((sum, table) => sum + table.suppressedCells, 0);
      console.log(
        [
          `report ${report.manifest.funderId} ${report.manifest.period} (as of ${report.manifest.asOf}): ${report.folder}`,
          `  report.pdf, ${report.manifest.tables.length} CSV tables, ${suppressed} cells suppressed (counts 1–10 and cells that would reveal them)`,
        ].join('\n'),
      );
    } finally {
      await engine?.close();
    }
  },
};
