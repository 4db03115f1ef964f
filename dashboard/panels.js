// The dashboard's panels, each built from the metrics API's view of one filter. A panel
// shows what the API sent and nothing it computed itself, apart from picking rows.
import { barChart, legend, PALETTE, stepCurveChart } from './charts.js';
import { count, days, decimal, hours, interval, percent, points, range, text } from './format.js';
import { dataTable, el } from './tables.js';

const ESTIMAND_LABEL = { not_dropped_out: 'Not dropped out', in_treatment: 'Still in treatment' };
const ESTIMAND_HELP = {
  not_dropped_out: 'share of clients who have not dropped out by that day (completing or transferring is not dropping out)',
  in_treatment: 'share of clients still in treatment on that day (any discharge ends it)',
};

function rowsOf(view, name) {
  return view.metrics[name] ?? null;
}

function definitionLink(metric, label = 'Definition') {
  return el('a', { className: 'definition', href: `definitions.html#${metric}`, target: '_blank', rel: 'noopener', text: `${label} ↗` });
}

function panel({ id, title, metric, wide, tableHeavy }, ...content) {
  const headingId = `${id}-title`;
  return el(
    'section',
    { className: ['panel', wide ? 'wide' : '', tableHeavy ? 'table-heavy' : ''].filter(Boolean).join(' '), id, 'aria-labelledby': headingId, 'data-panel': id },
    el('header', {}, el('h2', { id: headingId, text: title }), metric ? definitionLink(metric) : null),
    ...content,
  );
}

function unavailable(what) {
  return el('p', { className: 'empty', text: `${what} is not available for this filter (no data yet, or not computed in this deployment).` });
}

function csvName(view, panelName) {
  const { clinic, program, cohort } = view.filter;
  return `${panelName}_${clinic}_program-${program}_cohort-${cohort}_${view.asOf}.csv`;
}

function figure(chart, caption, legendItems) {
  return el('figure', {}, legendItems ? legend(legendItems) : null, chart, el('figcaption', { text: caption }));
}

// ── overview ────────────────────────────────────────────────────────────────

function tile({ key, label, value, display, lower, upper, benchmark, status }) {
  return el(
    'div',
    { className: 'tile', 'data-tile': key, 'data-value': value === null || value === undefined ? '' : String(value) },
    el('dt', { text: label }),
    el(
      'dd',
      {},
      el('span', { className: 'value', text: display }),
      lower !== undefined ? el('span', { className: 'interval', text: interval(lower, upper) || 'interval not available' }) : null,
      benchmark ? el('span', { className: ['benchmark', status ?? ''].filter(Boolean).join(' '), text: benchmark }) : null,
    ),
  );
}

function summaryRow(view, estimand, day) {
  return (rowsOf(view, 'retention-summary') ?? []).find((row) => row.estimand === estimand && row.day === day) ?? null;
}

export function overviewPanel(view) {
  const tiles = [];
  const census = (rowsOf(view, 'census') ?? [])[0];
  tiles.push(tile({ key: 'admissions', label: 'Admissions', value: census?.admissions ?? null, display: count(census?.admissions) }));
  tiles.push(
    tile({
      key: 'active',
      label: 'Active clients at the cutoff',
      value: census?.active_clients ?? null,
      display: count(census?.active_clients),
      benchmark: census && census.inactive_open ? `${count(census.inactive_open)} open but inactive > 30 days` : undefined,
    }),
  );
  for (const day of [30, 60, 90]) {
    const row = summaryRow(view, 'not_dropped_out', day);
    const stillIn = summaryRow(view, 'in_treatment', day);
    tiles.push(
      tile({
        key: `retention-${day}`,
        label: `Not dropped out at day ${day}`,
        value: row?.estimate ?? null,
        display: percent(row?.estimate),
        lower: row?.ci_lower ?? null,
        upper: row?.ci_upper ?? null,
        benchmark: `Still in treatment: ${percent(stillIn?.estimate)}`,
      }),
    );
  }
  const completion = (rowsOf(view, 'completion') ?? []).find((row) => row.reason === 'completed');
  tiles.push(
    tile({
      key: 'completion',
      label: 'Completion rate (of discharges)',
      value: completion?.share ?? null,
      display: percent(completion?.share),
      lower: completion?.share_ci_lower ?? null,
      upper: completion?.share_ci_upper ?? null,
      // Benchmarks come from completion.sql: the row's own column, else the network rows' (a clinic without discharges).
      benchmark: `TEDS national: ${percent(completion?.teds_share ?? view.benchmarks.dischargeShares.completed)}`,
    }),
  );
  const los = (rowsOf(view, 'completion') ?? []).find((row) => row.reason === 'all');
  tiles.push(
    tile({
      key: 'median-los',
      label: 'Median length of stay',
      value: los?.los_median_days ?? null,
      display: days(los?.los_median_days),
      benchmark: `TEDS national: ${days(los?.teds_median_los_days ?? view.benchmarks.medianLengthOfStayDays.all)}`,
    }),
  );
  const abstinence = (rowsOf(view, 'abstinence') ?? []).find((row) => row.target === 'any');
  tiles.push(
    tile({
      key: 'negative-tests',
      label: 'Negative drug tests (missed = positive)',
      value: abstinence?.negative_rate ?? null,
      display: percent(abstinence?.negative_rate),
      lower: abstinence?.negative_ci_lower ?? null,
      upper: abstinence?.negative_ci_upper ?? null,
      benchmark: `Observed tests only: ${percent(abstinence?.observed_negative_rate)}`,
    }),
  );
  const followUp = (rowsOf(view, 'follow-up') ?? [])[0];
  const target = followUp?.follow_up_target ?? view.followUpTarget;
  const meets = followUp?.follow_up_rate === null || followUp?.follow_up_rate === undefined ? undefined : followUp.follow_up_rate >= target;
  tiles.push(
    tile({
      key: 'follow-up',
      label: 'Six-month follow-up rate',
      value: followUp?.follow_up_rate ?? null,
      display: percent(followUp?.follow_up_rate),
      lower: followUp?.follow_up_ci_lower ?? null,
      upper: followUp?.follow_up_ci_upper ?? null,
      benchmark: `Target ${percent(target, 0)}${meets === undefined ? '' : meets ? ' — met' : ' — below target'}`,
      status: meets === undefined ? undefined : meets ? 'meets' : 'below',
    }),
  );
  return panel({ id: 'overview', title: 'Overview', metric: 'retention-summary', wide: true }, el('dl', { className: 'tiles' }, tiles));
}

// ── retention ───────────────────────────────────────────────────────────────

export function retentionPanel(view) {
  const rows = rowsOf(view, 'retention');
  if (!rows || rows.length === 0) return panel({ id: 'retention', title: 'Retention', metric: 'retention', wide: true }, unavailable('The retention curve'));
  const estimands = [
    { key: 'not_dropped_out', color: PALETTE.blue, dash: null },
    { key: 'in_treatment', color: PALETTE.vermillion, dash: '7 4' },
  ];
  const series = estimands.map(({ key, color, dash }) => ({
    label: ESTIMAND_LABEL[key],
    color,
    dash,
    points: rows.filter((row) => row.estimand === key).map((row) => ({ day: row.day, estimate: row.estimate, lower: row.ci_lower, upper: row.ci_upper })),
  }));
  const transform = rows.find((row) => row.ci_transform)?.ci_transform ?? 'log-log';
  const chart = stepCurveChart({ label: 'Retention curves: not dropped out and still in treatment, by days since admission, with 95% bands', series, maxDay: Math.max(120, ...rows.map((row) => row.day)) });
  const summary = (rowsOf(view, 'retention-summary') ?? []).map((row) => ({ ...row, estimand_label: ESTIMAND_LABEL[row.estimand] ?? row.estimand }));
  const curveRows = rows.map((row) => ({ ...row, estimand_label: ESTIMAND_LABEL[row.estimand] ?? row.estimand }));
  return panel(
    { id: 'retention', title: 'Retention', metric: 'retention', wide: true },
    el('p', { className: 'note', text: `Not dropped out: ${ESTIMAND_HELP.not_dropped_out}. Still in treatment: ${ESTIMAND_HELP.in_treatment}. Shaded bands are 95% intervals (${transform} transform).` }),
    figure(chart, 'Step curves from day 0 (admission). Dotted verticals mark days 30, 60 and 90.', [
      { kind: 'line', color: PALETTE.blue, label: ESTIMAND_LABEL.not_dropped_out },
      { kind: 'line', color: PALETTE.vermillion, dash: '7 4', label: ESTIMAND_LABEL.in_treatment },
    ]),
    dataTable({
      caption: 'Retention at 30, 60 and 90 days',
      filename: csvName(view, 'retention-summary'),
      rows: summary,
      columns: [
        { key: 'estimand_label', label: 'Estimand' },
        { key: 'day', label: 'Day', numeric: true },
        { key: 'estimate', label: 'Estimate', numeric: true, format: percent },
        { key: 'ci_lower', label: '95% CI', numeric: true, format: (_value, row) => range(row.ci_lower, row.ci_upper) },
        { key: 'at_risk', label: 'At risk', numeric: true, format: count },
        { key: 'naive_rate', label: 'Naive % (fully observed)', numeric: true, format: percent },
        { key: 'median_days', label: 'Median days in treatment', numeric: true, format: (value, row) => (value === null ? text(row.median_status) : count(value)) },
      ],
    }),
    el(
      'details',
      {},
      el('summary', { text: `Curve data (${curveRows.length} steps)` }),
      dataTable({
        caption: 'Retention curve steps',
        filename: csvName(view, 'retention-curve'),
        rows: curveRows,
        columns: [
          { key: 'estimand_label', label: 'Estimand' },
          { key: 'day', label: 'Day', numeric: true },
          { key: 'at_risk', label: 'At risk', numeric: true, format: count },
          { key: 'events', label: 'Events', numeric: true, format: count },
          { key: 'competing', label: 'Competing', numeric: true, format: count },
          { key: 'censored', label: 'Censored', numeric: true, format: count },
          { key: 'estimate', label: 'Estimate', numeric: true, format: percent },
          { key: 'ci_lower', label: 'CI lower', numeric: true, format: percent },
          { key: 'ci_upper', label: 'CI upper', numeric: true, format: percent },
        ],
      }),
    ),
    earlyEngagementTable(view),
  );
}

function earlyEngagementTable(view) {
  const early = (rowsOf(view, 'early-dropout') ?? [])[0];
  const engagement = (rowsOf(view, 'engagement') ?? [])[0];
  const rows = [];
  if (early) {
    rows.push({ measure: 'No return after intake (one session only)', rate: early.no_return_rate, lower: early.no_return_ci_lower, upper: early.no_return_ci_upper, numerator: early.no_return, denominator: early.eligible });
    rows.push({ measure: 'Dropped out before day 30', rate: early.early_dropout_rate, lower: early.early_dropout_ci_lower, upper: early.early_dropout_ci_upper, numerator: early.early_dropouts, denominator: early.eligible });
  }
  if (engagement) {
    rows.push({ measure: 'Initiation (IET analogue): first session by day 13', rate: engagement.initiation_rate, lower: engagement.initiation_ci_lower, upper: engagement.initiation_ci_upper, numerator: engagement.initiated, denominator: engagement.initiation_eligible });
    rows.push({ measure: 'Engagement (IET analogue): 2+ more sessions within 34 days', rate: engagement.engagement_rate, lower: engagement.engagement_ci_lower, upper: engagement.engagement_ci_upper, numerator: engagement.engaged, denominator: engagement.engagement_eligible });
  }
  if (rows.length === 0) return null;
  return el(
    'div',
    {},
    el('h3', {}, 'Early dropout and engagement ', definitionLink('early-dropout', 'early dropout'), ' ', definitionLink('engagement', 'engagement')),
    dataTable({
      caption: 'Early dropout and engagement (IET analogue, program data; not HEDIS IET)',
      filename: csvName(view, 'early-engagement'),
      rows,
      columns: [
        { key: 'measure', label: 'Measure' },
        { key: 'rate', label: 'Rate', numeric: true, format: percent },
        { key: 'lower', label: '95% CI', numeric: true, format: (_value, row) => range(row.lower, row.upper) },
        { key: 'numerator', label: 'Clients', numeric: true, format: count },
        { key: 'denominator', label: 'Of', numeric: true, format: count },
      ],
    }),
  );
}

// ── discharges vs TEDS ──────────────────────────────────────────────────────

export function dischargePanel(view) {
  const rows = (rowsOf(view, 'completion') ?? []).filter((row) => row.reason !== 'all');
  const charted = rows.filter((row) => !String(row.reason).includes('_or_'));
  if (rows.length === 0) return panel({ id: 'discharges', title: 'Discharges vs national benchmark', metric: 'completion' }, unavailable('Discharge data'));
  const chart = barChart({
    label: 'Share of discharges by reason, with 95% intervals, against the TEDS national share',
    groups: charted.map((row) => ({
      label: text(row.reason),
      bars: [{ label: 'this view', value: row.share, lower: row.share_ci_lower, upper: row.share_ci_upper, color: PALETTE.blue }],
      reference: row.teds_share === null || row.teds_share === undefined ? undefined : { value: row.teds_share, label: 'TEDS' },
    })),
  });
  return panel(
    { id: 'discharges', title: 'Discharges vs national benchmark', metric: 'completion' },
    figure(chart, `Dashed marks: ${view.benchmarks.source}.`, [
      { kind: 'bar', color: PALETTE.blue, label: 'Share of discharges' },
      { kind: 'reference', label: 'TEDS national share' },
    ]),
    dataTable({
      caption: 'Discharges by reason',
      filename: csvName(view, 'discharges'),
      rows,
      columns: [
        { key: 'reason', label: 'Reason', format: text },
        { key: 'discharges', label: 'Discharges', numeric: true, format: count },
        { key: 'share', label: 'Share', numeric: true, format: percent },
        { key: 'share_ci_lower', label: '95% CI', numeric: true, format: (_value, row) => range(row.share_ci_lower, row.share_ci_upper) },
        { key: 'teds_share', label: 'TEDS', numeric: true, format: percent },
        { key: 'los_median_days', label: 'Median stay (days)', numeric: true, format: count },
        { key: 'teds_median_los_days', label: 'TEDS median stay', numeric: true, format: count },
      ],
    }),
  );
}

// ── abstinence ──────────────────────────────────────────────────────────────

export function abstinencePanel(view) {
  const rows = rowsOf(view, 'abstinence');
  if (!rows || rows.length === 0) return panel({ id: 'abstinence', title: 'Abstinence (drug tests)', metric: 'abstinence' }, unavailable('Drug test data'));
  const targetLabel = (target) => (target === 'any' ? 'any substance' : target === 'primary' ? 'primary substance' : text(target));
  const chart = barChart({
    label: 'Negative drug tests by substance: conservative (missed counts as positive) and observed tests only, with 95% intervals',
    groups: rows.filter((row) => row.scheduled_tests !== 0).map((row) => ({
      label: targetLabel(row.target),
      bars: [
        { label: 'conservative', value: row.negative_rate, lower: row.negative_ci_lower, upper: row.negative_ci_upper, color: PALETTE.blue },
        { label: 'observed only', value: row.observed_negative_rate, lower: row.observed_negative_ci_lower, upper: row.observed_negative_ci_upper, color: PALETTE.orange, pattern: 'light' },
      ],
    })),
  });
  const runs = rowsOf(view, 'abstinence-runs') ?? [];
  return panel(
    { id: 'abstinence', title: 'Abstinence (drug tests)', metric: 'abstinence' },
    el('p', { className: 'note', text: 'Conservative: a missed, refused or invalid test counts as positive (NIDA CTN). Prescribed medication is not illicit use.' }),
    figure(chart, 'Negative share of scheduled tests.', [
      { kind: 'bar', color: PALETTE.blue, label: 'Conservative' },
      { kind: 'bar', color: PALETTE.orange, pattern: 'light', label: 'Observed tests only' },
    ]),
    dataTable({
      caption: 'Drug tests by substance',
      filename: csvName(view, 'abstinence'),
      rows: rows.filter((row) => row.scheduled_tests !== 0).map((row) => ({ ...row, target_label: targetLabel(row.target) })),
      columns: [
        { key: 'target_label', label: 'Substance' },
        { key: 'episodes', label: 'Clients', numeric: true, format: count },
        { key: 'scheduled_tests', label: 'Scheduled', numeric: true, format: count },
        { key: 'missing_tests', label: 'Missing', numeric: true, format: count },
        { key: 'negative_rate', label: 'Negative (conservative)', numeric: true, format: percent },
        { key: 'negative_ci_lower', label: '95% CI', numeric: true, format: (_value, row) => range(row.negative_ci_lower, row.negative_ci_upper) },
        { key: 'observed_negative_rate', label: 'Negative (observed)', numeric: true, format: percent },
        { key: 'mean_client_negative_rate', label: 'Mean per client', numeric: true, format: percent },
      ],
    }),
    runs.length === 0
      ? null
      : el(
          'div',
          {},
          el('h3', {}, 'Longest abstinence and end of treatment ', definitionLink('abstinence-runs')),
          dataTable({
            caption: 'Longest run of consecutive negative scheduled tests (a missing test breaks the run)',
            filename: csvName(view, 'abstinence-runs'),
            rows: runs.filter((row) => row.episodes !== 0).map((row) => ({ ...row, target_label: targetLabel(row.target) })),
            columns: [
              { key: 'target_label', label: 'Substance' },
              { key: 'mean_longest_run_weeks', label: 'Mean longest (weeks)', numeric: true, format: (value) => decimal(value) },
              { key: 'median_longest_run_weeks', label: 'Median longest (weeks)', numeric: true, format: (value) => decimal(value) },
              { key: 'two_consecutive_positive_rate', label: '2+ positive or missing in a row', numeric: true, format: percent },
              { key: 'end_completer_rate', label: 'Final 4 weeks negative (completers)', numeric: true, format: percent },
              { key: 'end_itt_rate', label: 'Final 4 weeks negative (all discharged)', numeric: true, format: percent },
            ],
          }),
        ),
  );
}

// ── dose, goals: columns read by pattern, so new columns show up without a page change ──

function columnsFor(rows, first) {
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((key) => key !== 'scope' && key !== 'clinic_id');
  const ordered = first ? [first, ...keys.filter((key) => key !== first)] : keys;
  return ordered.map((key) => {
    const numeric = rows.some((row) => typeof row[key] === 'number');
    let format = text;
    if (/(rate|share|ci_lower|ci_upper|estimate|pct_|_pct$)/.test(key) && !/relative/.test(key)) format = percent;
    else if (/hours/.test(key)) format = hours;
    else if (numeric) format = (value) => (value === null || value === undefined ? '—' : Number.isInteger(value) ? count(value) : decimal(value));
    return { key, label: text(key), numeric, format };
  });
}

function rateColumn(rows, pattern) {
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return keys.find((key) => pattern.test(key) && !/ci_/.test(key));
}

export function dosePanel(view) {
  const rows = rowsOf(view, 'dose');
  if (!rows || rows.length === 0) return panel({ id: 'dose', title: 'Dose and attendance', metric: 'dose' }, unavailable('Attendance dose'));
  const bySessionType = rows.filter((row) => row.session_type !== undefined && row.session_type !== null && row.session_type !== 'all');
  const overall = rows.find((row) => row.session_type === undefined || row.session_type === null || row.session_type === 'all') ?? rows[0];
  const attendanceKey = rateColumn(rows, /attendance_rate/);
  const weeksKey = rateColumn(rows, /(weeks?_.*(meeting|above|at_least|ge|min).*rate|weeks_.*_rate|meets.*rate)/);
  const charts = [];
  if (attendanceKey && bySessionType.length > 0) {
    charts.push(
      figure(
        barChart({
          label: 'Attendance rate by session type, with 95% intervals',
          groups: bySessionType.map((row) => ({ label: text(row.session_type), bars: [{ label: 'attended', value: row[attendanceKey], lower: row[`${attendanceKey.replace(/_rate$/, '')}_ci_lower`], upper: row[`${attendanceKey.replace(/_rate$/, '')}_ci_upper`], color: PALETTE.green }] })),
        }),
        'Attended ÷ scheduled sessions (clinic-cancelled sessions excluded).',
      ),
    );
  }
  const keyFigures = [];
  if (overall && attendanceKey) keyFigures.push(`Attendance ${percent(overall[attendanceKey])}`);
  if (overall && weeksKey) keyFigures.push(`weeks meeting the ASAM 2.1 dose ${percent(overall[weeksKey])}`);
  const weeks = rowsOf(view, 'dose-weeks') ?? [];
  const weeksAll = weeks.find((row) => row.age_group === 'all') ?? weeks[0];
  if (weeksAll) {
    keyFigures.push(
      `client-weeks meeting the ASAM 2.1 dose (≥ 9 h adults, ≥ 6 h adolescents) ${percent(weeksAll.weeks_meeting_target_rate)}; median ${hours(weeksAll.median_weekly_hours)} a week`,
    );
    charts.push(
      figure(
        barChart({
          label: 'Share of client-weeks meeting the ASAM 2.1 weekly hours, by age group, with 95% intervals',
          groups: weeks.map((row) => ({
            label: text(row.age_group),
            bars: [{ label: 'weeks meeting dose', value: row.weeks_meeting_target_rate, lower: row.weeks_meeting_target_ci_lower, upper: row.weeks_meeting_target_ci_upper, color: PALETTE.blue }],
          })),
        }),
        'Full ISO weeks between admission and discharge (or the cutoff); partial first and last weeks are left out.',
      ),
    );
  }
  return panel(
    { id: 'dose', title: 'Dose and attendance', metric: 'dose' },
    keyFigures.length ? el('p', { className: 'note', text: `${keyFigures.join('; ')}.` }) : null,
    ...charts,
    dataTable({ caption: 'Attendance by session type', filename: csvName(view, 'dose'), rows, columns: columnsFor(rows, rows[0].session_type !== undefined ? 'session_type' : undefined) }),
    weeks.length
      ? el('div', {}, el('h3', {}, 'Hours per week ', definitionLink('dose-weeks')), dataTable({ caption: 'Weekly hours and the ASAM 2.1 dose', filename: csvName(view, 'dose-weeks'), rows: weeks, columns: columnsFor(weeks, 'age_group') }))
      : null,
  );
}

export function goalsPanel(view) {
  const rows = rowsOf(view, 'goals');
  if (!rows || rows.length === 0) return panel({ id: 'goals', title: 'Goals by domain', metric: 'goals' }, unavailable('Goal data'));
  const completedKey = rateColumn(rows, /complet.*rate/);
  const domains = rows.filter((row) => row.domain !== undefined && row.domain !== 'all');
  return panel(
    { id: 'goals', title: 'Goals by domain', metric: 'goals' },
    completedKey && domains.length
      ? figure(
          barChart({
            label: 'Share of treatment-plan goals completed, by domain, with 95% intervals',
            groups: domains.map((row) => ({ label: text(row.domain), bars: [{ label: 'completed', value: row[completedKey], lower: row[`${completedKey.replace(/_rate$/, '')}_ci_lower`], upper: row[`${completedKey.replace(/_rate$/, '')}_ci_upper`], color: PALETTE.purple }] })),
          }),
          'Goals completed ÷ goals set; abandoned and revised goals are counted separately in the table.',
        )
      : null,
    dataTable({ caption: 'Goals by domain', filename: csvName(view, 'goals'), rows, columns: columnsFor(rows, rows[0].domain !== undefined ? 'domain' : undefined) }),
  );
}

// ── six-month outcomes ──────────────────────────────────────────────────────

const DOMAIN_LABEL = {
  abstinent: 'Abstinent (0 days of use in 30)',
  employed_or_in_school: 'Employed or in school',
  no_arrests: 'No arrests in 30 days',
  stably_housed: 'Stably housed',
  social_support: 'Socially connected',
};

export function outcomesPanel(view) {
  const rows = rowsOf(view, 'outcomes');
  if (!rows || rows.length === 0) return panel({ id: 'outcomes', title: 'Six-month outcomes', metric: 'outcomes' }, unavailable('Six-month outcome data'));
  const all = rows.filter((row) => row.completion_group === 'all' || row.completion_group === undefined);
  const chart = barChart({
    label: 'Outcome domains at intake and at the six-month follow-up, matched pairs, with 95% intervals',
    groups: all.map((row) => ({
      label: `${DOMAIN_LABEL[row.domain] ?? text(row.domain)} (n = ${count(row.pairs)})`,
      bars: [
        { label: 'intake', value: row.intake_rate, lower: row.intake_ci_lower, upper: row.intake_ci_upper, color: PALETTE.sky, pattern: 'light' },
        { label: '6 months', value: row.follow_up_rate, lower: row.follow_up_ci_lower, upper: row.follow_up_ci_upper, color: PALETTE.blue },
      ],
    })),
  });
  const columns = [
    { key: 'domain_label', label: 'Domain' },
    { key: 'pairs', label: 'Matched pairs', numeric: true, format: count },
    { key: 'intake_rate', label: 'Intake', numeric: true, format: percent },
    { key: 'follow_up_rate', label: '6 months', numeric: true, format: percent },
    { key: 'change_points', label: 'Change', numeric: true, format: points },
    { key: 'relative_change_pct', label: 'Relative change', numeric: true, format: (value) => (value === null || value === undefined ? '—' : `${decimal(value)}%`) },
    { key: 'mcnemar_p_value', label: 'McNemar p', numeric: true, format: (value) => (value === null || value === undefined ? '—' : Number(value) < 0.001 ? '< 0.001' : decimal(value, 3)) },
  ];
  const labelled = (list) => list.map((row) => ({ ...row, domain_label: DOMAIN_LABEL[row.domain] ?? text(row.domain) }));
  const byCompletion = rows.filter((row) => row.completion_group && row.completion_group !== 'all');
  const followedVsNot = rowsOf(view, 'outcomes-followed-vs-not') ?? [];
  return panel(
    { id: 'outcomes', title: 'Six-month outcomes', metric: 'outcomes', wide: true },
    el('p', { className: 'note', text: 'Matched pairs only: clients with both an intake and an in-window six-month interview, item answered at both.' }),
    figure(chart, 'Light bars: intake; dark bars: six-month follow-up.', [
      { kind: 'bar', color: PALETTE.sky, pattern: 'light', label: 'Intake' },
      { kind: 'bar', color: PALETTE.blue, label: 'Six months' },
    ]),
    dataTable({ caption: 'Intake vs six months (all clients with matched pairs)', filename: csvName(view, 'outcomes'), rows: labelled(all), columns }),
    byCompletion.length
      ? el(
          'details',
          {},
          el('summary', { text: 'Completers vs non-completers' }),
          dataTable({
            caption: 'Intake vs six months by how treatment ended',
            filename: csvName(view, 'outcomes-by-completion'),
            rows: labelled(byCompletion).map((row) => ({ ...row, group: text(row.completion_group) })),
            columns: [{ key: 'group', label: 'Group' }, ...columns],
          }),
        )
      : null,
    followedVsNot.length
      ? el(
          'details',
          {},
          el('summary', { text: 'Intake of clients followed up vs not followed up (is the follow-up sample biased?)' }),
          dataTable({ caption: 'Intake answers by follow-up status', filename: csvName(view, 'outcomes-followed-vs-not'), rows: followedVsNot, columns: columnsFor(followedVsNot) }),
        )
      : null,
  );
}

// ── follow-ups ──────────────────────────────────────────────────────────────

export function followUpPanel(view) {
  const rate = rowsOf(view, 'follow-up') ?? [];
  const due = rowsOf(view, 'follow-up-due') ?? [];
  const content = [];
  if (rate.length) {
    content.push(
      dataTable({
        caption: 'Six-month follow-up rate (windows closed by the cutoff)',
        filename: csvName(view, 'follow-up-rate'),
        rows: rate,
        columns: [
          { key: 'due', label: 'Windows closed', numeric: true, format: count },
          { key: 'followed', label: 'Followed up in window', numeric: true, format: count },
          { key: 'follow_up_rate', label: 'Rate', numeric: true, format: percent },
          { key: 'follow_up_ci_lower', label: '95% CI', numeric: true, format: (_value, row) => range(row.follow_up_ci_lower, row.follow_up_ci_upper) },
          { key: 'follow_up_target', label: 'Target', numeric: true, format: (value) => percent(value, 0) },
          { key: 'window_open', label: 'Windows open now', numeric: true, format: count },
        ],
      }),
    );
  }
  if (view.disclosure.view === 'network') {
    content.push(el('p', { className: 'note', text: 'The list of follow-ups due is operational and shown only in a clinic’s own view.' }));
  } else if (due.length === 0) {
    content.push(el('p', { className: 'empty', text: 'No six-month follow-ups are due in the next 30 days.' }));
  } else {
    content.push(
      dataTable({
        caption: `Follow-ups due in the next 30 days (${due.length})`,
        filename: csvName(view, 'follow-ups-due'),
        rows: due,
        columns: [
          { key: 'episode_id', label: 'Episode' },
          { key: 'program_id', label: 'Program' },
          { key: 'window_start', label: 'Window opens' },
          { key: 'window_end', label: 'Window closes' },
          { key: 'window_status', label: 'Status', format: text },
          { key: 'days_left', label: 'Days left', numeric: true, format: count },
          { key: 'attempts_in_window', label: 'Attempts', numeric: true, format: count },
          { key: 'last_attempt_status', label: 'Last attempt', format: (value) => (value === null || value === undefined ? 'none' : text(value)) },
        ],
      }),
    );
  }
  return panel({ id: 'follow-ups', title: 'Follow-ups', metric: 'follow-up', tableHeavy: true, wide: true }, ...content);
}

// ── data quality ────────────────────────────────────────────────────────────

export function dataQualityPanel(view) {
  const quality = view.dataQuality;
  const scope = quality.scope;
  const item = (key, label, value) => [el('dt', { text: label }), el('dd', { 'data-quality': key, text: value })];
  const lag = scope?.lakeLagHours;
  return panel(
    { id: 'data-quality', title: 'Data quality', metric: 'data-quality' },
    el(
      'dl',
      { className: 'quality' },
      item('refreshed', 'Last refresh', new Date(quality.refreshedAt).toISOString().replace('T', ' ').slice(0, 16) + ' UTC'),
      item('as-of', 'Data cutoff (as of)', view.asOf),
      item('lake-lag', 'Lake lag at refresh', lag === null || lag === undefined ? 'no data' : lag < 48 ? `${decimal(lag)} hours` : `${decimal(lag / 24)} days`),
      item('events', 'Events in the lake', count(scope?.events)),
      item('rejected', 'Rejected at ingest', quality.rejectedEvents === null ? 'not tracked here (see the ingest API answers)' : count(quality.rejectedEvents)),
      item('duplicates', 'Duplicate deliveries (ignored)', count(scope?.duplicateDeliveries)),
      item('late', `Late events (received > ${quality.lateAfterDays} days after the event)`, count(scope?.lateEvents)),
      item('corrections', 'Corrected events', count(scope?.corrections)),
      item('retractions', 'Retracted events', count(scope?.retractions)),
      item('definitions', 'Metric definitions version', view.definitionsVersion),
    ),
  );
}

export const PANELS = [overviewPanel, retentionPanel, dischargePanel, abstinencePanel, dosePanel, goalsPanel, outcomesPanel, followUpPanel, dataQualityPanel];
