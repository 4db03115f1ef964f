/**
 * The demo's closing table: per clinic and network-wide, the headline figures with
 * their 95% intervals. Every number comes from the metric SQL (no TypeScript maths
 * beyond formatting), so the terminal shows what the dashboard and reports show.
 */
import type { Row } from '../../lambdas/adapters/query-engine';

export interface SummaryQueries {
  runQuery(name: string, params: Record<string, unknown>): Promise<Row[]>;
}

const HEADERS = ['clinic', 'admissions', 'not dropped out 30 d', '60 d', '90 d', 'negative tests*', 'follow-up†'];

export async function clinicSummaryTable(engine: SummaryQueries, asOf: string): Promise<string> {
  const params = { as_of: asOf };
  const [retention, abstinence, followUp] = [
    await engine.runQuery('retention-summary', params),
    await engine.runQuery('abstinence', params),
    await engine.runQuery('follow-up', params),
  ];
  const scopes = [...new Set(retention.map((row) => String(row.scope)))].sort((a, b) => (a === 'all' ? 1 : b === 'all' ? -1 : a.localeCompare(b)));
  const rows = scopes.map((scope) => {
    const retained = (day: number) =>
      retention.find((row) => row.scope === scope && row.estimand === 'not_dropped_out' && Number(row.day) === day);
    const tests = abstinence.find((row) => row.scope === scope && row.target === 'any');
    const followed = followUp.find((row) => row.scope === scope);
    const admissions = retained(30)?.episodes;
    return [
      scope === 'all' ? 'all clinics' : scope,
      admissions === undefined ? '—' : Number(admissions).toLocaleString('en-US'),
      ...[30, 60, 90].map((day) => withInterval(retained(day), 'estimate', 'ci_lower', 'ci_upper')),
      withInterval(tests, 'negative_rate', 'negative_ci_lower', 'negative_ci_upper'),
      withInterval(followed, 'follow_up_rate', 'follow_up_ci_lower', 'follow_up_ci_upper'),
    ];
  });
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [
    `Outcomes as of ${asOf} (95% intervals; Aalen–Johansen for retention, Wilson for rates)`,
    line(HEADERS),
    line(widths.map((width) => '─'.repeat(width))),
    ...rows.map(line),
    '* scheduled tests negative; missed, refused and invalid tests count as positive (NIDA CTN convention)',
    '† completed 6-month interviews inside [admission + 5, + 8 months] ÷ episodes whose window has closed (target 80%)',
  ].join('\n');
}

function withInterval(row: Row | undefined, value: string, lower: string, upper: string): string {
  if (!row || row[value] === null || row[value] === undefined) return '—';
  const percent = (key: string) => (Number(row[key]) * 100).toFixed(0);
  return `${percent(value)}% (${percent(lower)}–${percent(upper)})`;
}
