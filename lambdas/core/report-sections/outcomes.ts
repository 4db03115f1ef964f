/**
 * Six-month outcomes (GPRA / SUPRT style): follow-up rate against the target, and the
 * matched-pair change per domain for everyone, completers and non-completers. The three
 * groups are suppressed together because everyone = completers + non-completers + open.
 */
import type { Row } from '../../adapters/query-engine';
import { anySuppressed, cellFrom, intervalFrom, suppressionLegend, textCell } from '../report-cells';
import type { BarChart, ReportCell, ReportColumn, ReportTable } from '../report-content';
import { measureTable, type ReportUnit } from '../report-tables';
import { suppressTable, type SuppressedTable } from '../suppression';
import type { SectionContext } from './section-context';

export const OUTCOME_DOMAINS: Record<string, string> = {
  abstinent: 'Abstinent (past 30 days)',
  employed_or_in_school: 'Employed or in school',
  no_arrests: 'No arrests (past 30 days)',
  stably_housed: 'Stably housed',
  social_support: 'Socially connected',
};

export const COMPLETION_GROUPS: Record<string, string> = {
  all: 'All followed episodes',
  completers: 'Completers',
  non_completers: 'Non-completers',
};

/** Episodes still open at as_of: in 'all' only. Never shown; declared so margins cannot leak. */
const OPEN_GROUP = 'open';

const PAIR_COUNTS = ['pairs', 'intake_yes', 'follow_up_yes', 'yes_to_no', 'no_to_yes', 'both_yes', 'both_no'] as const;

/** Follow-ups completed in window per reported scope (the count the outcome tables are tied to). */
export function followedByScope(context: SectionContext): Map<string, number> {
  return new Map(context.rows('follow-up').map((row) => [String(row.scope), Number(row.followed ?? 0)]));
}

/**
 * The follow-up rate table. When the joint outcome suppression had to hide a clinic's
 * "followed" count (to protect followed − pairs), its n, rate and interval are hidden here too.
 */
export function followUpTable(context: SectionContext, outcomes?: SuppressedTable): ReportTable {
  const table = followUpRateTable(context);
  if (!outcomes) return table;
  const clinicColumn = context.units.length > 1 ? 1 : -1;
  const first = clinicColumn >= 0 ? 2 : 1;
  for (const unit of context.units) {
    const hidden = Object.keys(OUTCOME_DOMAINS).some((domain) => outcomes.reasonOf(rowKey(unit.id, 'all', domain), 'followed'));
    if (!hidden) continue;
    const row = table.rows.find((cells) => cells[0].text === FOLLOWED_LABEL && (clinicColumn < 0 || cells[clinicColumn].text === unit.label));
    if (!row) continue;
    for (const index of [first, first + 2, first + 3]) {
      if (!row[index].suppressed) row[index] = { text: '**', kind: row[index].kind, value: null, suppressed: 'complementary' };
    }
    if (!table.notes.some((note) => note.startsWith('**'))) table.notes.push(...suppressionLegend(context.settings.suppressionMaxCount));
  }
  return table;
}

const FOLLOWED_LABEL = 'Follow-ups completed in window';

function followUpRateTable(context: SectionContext): ReportTable {
  const target = context.settings.followUpTarget;
  return measureTable(
    context.rows('follow-up'),
    context.units,
    {
      id: 'follow-up-rate',
      title: 'Six-month follow-up rate',
      benchmarkLabel: 'Target',
      measures: [
        {
          kind: 'rate',
          label: FOLLOWED_LABEL,
          numerator: 'followed',
          denominator: 'due',
          rate: 'follow_up_rate',
          lower: 'follow_up_ci_lower',
          upper: 'follow_up_ci_upper',
          benchmark: target,
        },
        { kind: 'count', label: 'Interviewed outside the window (not counted)', column: 'completed_outside_window' },
        { kind: 'count', label: 'Deceased (excluded from due)', column: 'deceased_excluded' },
      ],
      // Due, not followed and not interviewed at all: derivable from the three shown counts.
      remainders: [{ name: 'not_interviewed', whole: 'due', parts: ['followed', 'completed_outside_window'] }],
      notes: [
        `Due: episodes admitted ${context.cohorts['follow-up-due'].from} to ${context.cohorts['follow-up-due'].to}, whose window ` +
          `[admission + ${context.settings.followUpWindowStartMonths} months, admission + ${context.settings.followUpWindowEndMonths} months] closed by ${context.period.asOf}. ` +
          `Target ${Math.round(target * 100)}% (GPRA). Wilson 95% interval.`,
      ],
    },
    context.settings.suppressionMaxCount,
  ).table;
}

const rowKey = (scope: string, group: string, domain: string) => `${scope}|${group}|${domain}`;

/** The outcome rows of the reported clinics with the 2×2 cells and the open group made explicit, suppressed as one table. */
/**
 * `followed` (scope → follow-ups completed in window, from follow-up.sql) is declared when the
 * follow-up table is printed beside the pairs: followed − pairs (followed episodes without a
 * matched pair) is then a count a reader can subtract, so it is protected here too.
 */
export function suppressOutcomes(rows: readonly Row[], units: readonly ReportUnit[], maxCount: number, followed?: ReadonlyMap<string, number>): SuppressedTable {
  const table: Row[] = [];
  const rowSums: { total: string; parts: string[] }[] = [];
  for (const unit of units) {
    for (const domain of Object.keys(OUTCOME_DOMAINS)) {
      const byGroup = Object.fromEntries(
        [...Object.keys(COMPLETION_GROUPS)].map((group) => [group, pairRow(rows.find((row) => row.scope === unit.id && row.completion_group === group && row.domain === domain))]),
      );
      const open: Row = { key: rowKey(unit.id, OPEN_GROUP, domain) };
      for (const column of PAIR_COUNTS) {
        open[column] = (byGroup.all[column] as number) - (byGroup.completers[column] as number) - (byGroup.non_completers[column] as number);
      }
      // followed = pairs + unpaired in every row; the unpaired ones sit in 'all' (and, so the
      // row sum holds, in the never-shown 'open' row). A death after the pair was made can
      // leave more pairs than due follow-ups: then no relation can be declared for that domain.
      const unpaired = followed?.has(unit.id) ? (followed.get(unit.id) as number) - (byGroup.all.pairs as number) : 0;
      const declared = unpaired >= 0 ? unpaired : 0;
      for (const [group, row] of Object.entries(byGroup)) {
        const extra = group === 'all' ? declared : 0;
        table.push({ ...row, key: rowKey(unit.id, group, domain), followed: (row.pairs as number) + extra, unpaired: extra });
      }
      table.push({ ...open, followed: (open.pairs as number) + declared, unpaired: declared });
      rowSums.push({
        total: rowKey(unit.id, 'all', domain),
        parts: ['completers', 'non_completers', OPEN_GROUP].map((group) => rowKey(unit.id, group, domain)),
      });
    }
  }
  return suppressTable(
    {
      key: 'key',
      rows: table,
      counts: [...PAIR_COUNTS, 'followed', 'unpaired'],
      rates: [
        { columns: ['intake_rate', 'intake_ci_lower', 'intake_ci_upper'], numerator: 'intake_yes', denominator: 'pairs' },
        { columns: ['follow_up_rate', 'follow_up_ci_lower', 'follow_up_ci_upper'], numerator: 'follow_up_yes', denominator: 'pairs' },
      ],
      derived: [
        { columns: ['change_points', 'relative_change_pct'], basedOn: ['intake_yes', 'follow_up_yes', 'pairs'] },
        { columns: ['mcnemar_statistic', 'mcnemar_p_value'], basedOn: ['yes_to_no', 'no_to_yes'] },
      ],
      columnSums: [
        { total: 'intake_yes', parts: ['both_yes', 'yes_to_no'] },
        { total: 'follow_up_yes', parts: ['both_yes', 'no_to_yes'] },
        { total: 'pairs', parts: ['both_yes', 'yes_to_no', 'no_to_yes', 'both_no'] },
        { total: 'followed', parts: ['pairs', 'unpaired'] },
      ],
      rowSums,
    },
    { maxCount },
  );
}

/** A query row (or zeros when the clinic has none) with the concordant cells of the paired 2×2 table. */
function pairRow(row: Row | undefined): Row {
  const count = (column: string) => Number(row?.[column] ?? 0);
  const bothYes = count('intake_yes') - count('yes_to_no');
  return {
    ...(row ?? {}),
    pairs: count('pairs'),
    intake_yes: count('intake_yes'),
    follow_up_yes: count('follow_up_yes'),
    yes_to_no: count('yes_to_no'),
    no_to_yes: count('no_to_yes'),
    both_yes: bothYes,
    both_no: count('pairs') - bothYes - count('yes_to_no') - count('no_to_yes'),
  };
}

export function matchedPairsTable(
  suppressed: SuppressedTable,
  units: readonly ReportUnit[],
  groups: readonly string[],
  id: string,
  title: string,
): ReportTable {
  const showUnit = units.length > 1;
  const showGroup = groups.length > 1;
  const columns: ReportColumn[] = [
    { key: 'domain', label: 'Domain', kind: 'label' },
    ...(showUnit ? [{ key: 'clinic', label: 'Clinic', kind: 'label' as const }] : []),
    ...(showGroup ? [{ key: 'group', label: 'Group', kind: 'label' as const }] : []),
    { key: 'pairs', label: 'Pairs', kind: 'count' },
    { key: 'intake', label: 'Intake', kind: 'percent' },
    { key: 'intake_ci', label: 'Intake CI', kind: 'interval' },
    { key: 'follow_up', label: '6 months', kind: 'percent' },
    { key: 'follow_up_ci', label: '6-month CI', kind: 'interval' },
    { key: 'change', label: 'Change (pts)', kind: 'text' },
    { key: 'p', label: 'McNemar p', kind: 'p-value' },
  ];
  const body: ReportCell[][] = [];
  for (const [domain, domainLabel] of Object.entries(OUTCOME_DOMAINS)) {
    for (const unit of units) {
      for (const group of groups) {
        const key = rowKey(unit.id, group, domain);
        const row = suppressed.rows.find((candidate) => candidate.key === key) ?? {};
        const change = cellFrom(suppressed, key, row, 'change_points', 'text');
        if (typeof change.value === 'number') change.text = `${change.value > 0 ? '+' : ''}${change.value.toFixed(1)}`;
        body.push([
          textCell(domainLabel),
          ...(showUnit ? [textCell(unit.label)] : []),
          ...(showGroup ? [textCell(COMPLETION_GROUPS[group])] : []),
          cellFrom(suppressed, key, row, 'pairs', 'count'),
          cellFrom(suppressed, key, row, 'intake_rate', 'percent'),
          intervalFrom(suppressed, key, row, 'intake_ci_lower', 'intake_ci_upper'),
          cellFrom(suppressed, key, row, 'follow_up_rate', 'percent'),
          intervalFrom(suppressed, key, row, 'follow_up_ci_lower', 'follow_up_ci_upper'),
          change,
          cellFrom(suppressed, key, row, 'mcnemar_p_value', 'p-value'),
        ]);
      }
    }
  }
  const notes = [
    'Matched pairs: episodes with a completed intake interview and a completed six-month interview inside the window, the item answered at both. ' +
      'Intake / 6 months: share with the positive outcome at each interview, Wilson 95% intervals (CI). Change = 6-month % − intake %, in percentage points. ' +
      'McNemar p: exact two-sided binomial test on the discordant pairs. Abstinent = no alcohol or drug use in the past 30 days.',
    ...(anySuppressed(body) ? suppressionLegend(suppressed.maxCount) : []),
  ];
  return { id, title, columns, rows: body, notes };
}

export function intakeVsFollowUpChart(suppressed: SuppressedTable, unit: ReportUnit): BarChart {
  const value = (key: string, column: string): number | null => {
    if (suppressed.reasonOf(key, column)) return null;
    const raw = suppressed.rows.find((row) => row.key === key)?.[column];
    return typeof raw === 'number' ? raw : null;
  };
  const domains = Object.keys(OUTCOME_DOMAINS);
  return {
    type: 'bars',
    id: `outcomes-chart-${unit.id}`,
    title: `Intake vs six-month follow-up, matched pairs — ${unit.label}`,
    categories: domains.map((domain) => OUTCOME_DOMAINS[domain]),
    groups: [
      { label: 'At intake', values: domains.map((domain) => value(rowKey(unit.id, 'all', domain), 'intake_rate')) },
      { label: 'At six months', values: domains.map((domain) => value(rowKey(unit.id, 'all', domain), 'follow_up_rate')) },
    ],
    note: 'Share of matched pairs with the positive outcome at each interview; n and intervals in the table above. * = suppressed.',
  };
}
