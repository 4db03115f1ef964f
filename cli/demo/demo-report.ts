/** The demo's funder report: the first funder profile, for its last complete period, into out/. */
import type { QueryEngine } from '../../lambdas/adapters/query-engine';
import { readFunderProfiles, writeLocalReport } from '../commands/report';

export async function writeDemoReport(options: { engine: Pick<QueryEngine, 'runQuery'>; log: (line: string) => void }): Promise<string> {
  const [profile] = readFunderProfiles();
  options.log(`Writing the funder report for "${profile.name}" (last complete ${profile.periodKind})…`);
  const report = await writeLocalReport({ funderId: profile.id, engine: options.engine });
  return `${report.folder}/report.pdf (+ ${report.manifest.tables.length} CSV tables)`;
}
