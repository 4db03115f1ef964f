/**
 * Test oracle for abstinence.sql and abstinence-runs.sql (test code only): scheduled
 * tests scored per target, pooled and per-client % negative, longest abstinence,
 * two consecutive positive-or-missing, end-of-treatment abstinence — written as plain
 * loops over in-memory episodes.
 */

export const SUBSTANCES = ['alcohol', 'opioids', 'fentanyl', 'buprenorphine', 'methadone', 'cocaine', 'amphetamines', 'cannabis', 'benzodiazepines'] as const;
export const TARGETS = ['any', 'primary', ...SUBSTANCES] as const;
export type Target = (typeof TARGETS)[number];

const PRIMARY_MAP: Record<string, readonly string[]> = {
  alcohol: ['alcohol'],
  opioids: ['opioids', 'fentanyl', 'buprenorphine', 'methadone'],
  stimulants: ['cocaine', 'amphetamines'],
  cannabis: ['cannabis'],
  benzodiazepines: ['benzodiazepines'],
  other: SUBSTANCES,
};

export interface AbstinenceEpisode {
  clinicId: string;
  episodeId: string;
  admissionDate: string;
  primarySubstance: string;
  discharge?: { date: string; reason: string };
}

export interface AbstinenceTest {
  clinicId: string;
  episodeId: string;
  eventId: string;
  scheduledDate: string;
  status: 'collected' | 'missed' | 'refused' | 'invalid';
  results: { substance: string; result: 'negative' | 'positive' | 'inconclusive'; prescribed: boolean }[];
}

type Outcome = 'negative' | 'positive' | 'missing';

interface ScoredEpisode {
  episode: AbstinenceEpisode;
  target: Target;
  outcomes: { date: string; outcome: Outcome }[];
  periodEnd: string;
  dischargeReason?: string;
}

function substancesOf(target: Target, episode: AbstinenceEpisode): readonly string[] {
  if (target === 'any') return SUBSTANCES;
  if (target === 'primary') return PRIMARY_MAP[episode.primarySubstance] ?? [];
  return [target];
}

function score(test: AbstinenceTest, substances: readonly string[]): Outcome {
  if (test.status !== 'collected') return 'missing';
  const relevant = test.results.filter((result) => substances.includes(result.substance));
  if (relevant.some((result) => result.result === 'positive' && !result.prescribed)) return 'positive';
  if (relevant.some((result) => result.result === 'inconclusive')) return 'missing';
  if (relevant.length > 0) return 'negative';
  return 'missing';
}

export function scoreEpisodes(episodes: AbstinenceEpisode[], tests: AbstinenceTest[], asOf: string): ScoredEpisode[] {
  const scored: ScoredEpisode[] = [];
  for (const episode of episodes) {
    if (episode.admissionDate > asOf) continue;
    const discharge = episode.discharge && episode.discharge.date <= asOf ? episode.discharge : undefined;
    const periodEnd = discharge ? discharge.date : asOf;
    const mine = tests
      .filter((test) => test.clinicId === episode.clinicId && test.episodeId === episode.episodeId)
      .filter((test) => test.scheduledDate >= episode.admissionDate && test.scheduledDate <= periodEnd)
      .sort((a, b) => (a.scheduledDate === b.scheduledDate ? (a.eventId < b.eventId ? -1 : 1) : a.scheduledDate < b.scheduledDate ? -1 : 1));
    if (mine.length === 0) continue;
    const panel = new Set(mine.filter((test) => test.status === 'collected').flatMap((test) => test.results.map((result) => result.substance)));
    for (const target of TARGETS) {
      const substances = substancesOf(target, episode);
      const applies = substances.some((substance) => panel.has(substance)) || (panel.size === 0 && (target === 'any' || target === 'primary'));
      if (!applies) continue;
      scored.push({
        episode,
        target,
        periodEnd,
        dischargeReason: discharge?.reason,
        outcomes: mine.map((test) => ({ date: test.scheduledDate, outcome: score(test, substances) })),
      });
    }
  }
  return scored;
}

export interface AbstinenceRow {
  scope: string;
  target: Target;
  episodes: number;
  scheduledTests: number;
  missingTests: number;
  negativeTests: number;
  meanClientNegativeRate: number | null;
  observedEpisodes: number;
  meanClientObservedNegativeRate: number | null;
}

export interface AbstinenceRunRow {
  scope: string;
  target: Target;
  episodes: number;
  meanLongestRunTests: number | null;
  medianLongestRunTests: number | null;
  meanLongestRunWeeks: number | null;
  medianLongestRunWeeks: number | null;
  twoConsecutivePositive: number;
  endCompleters: number;
  endAbstinent: number;
  endDischarged: number;
}

function scopesOf(episodes: AbstinenceEpisode[], asOf: string): string[] {
  return ['all', ...[...new Set(episodes.filter((episode) => episode.admissionDate <= asOf).map((episode) => episode.clinicId))].sort()];
}

const mean = (values: number[]) => (values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length);

/** Type-7 quantile, straight from the definition (sorted values, h = (n − 1)p). */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * 0.5;
  const low = Math.floor(h);
  return sorted[low] + (h - low) * ((sorted[low + 1] ?? sorted[low]) - sorted[low]);
}

export function abstinenceRows(episodes: AbstinenceEpisode[], tests: AbstinenceTest[], asOf: string): AbstinenceRow[] {
  const scored = scoreEpisodes(episodes, tests, asOf);
  return scopesOf(episodes, asOf).flatMap((scope) =>
    TARGETS.map((target) => {
      const mine = scored.filter((entry) => entry.target === target && (scope === 'all' || entry.episode.clinicId === scope));
      const count = (entry: ScoredEpisode, outcome: Outcome) => entry.outcomes.filter((test) => test.outcome === outcome).length;
      const observedOf = (entry: ScoredEpisode) => entry.outcomes.length - count(entry, 'missing');
      const withObserved = mine.filter((entry) => observedOf(entry) > 0);
      return {
        scope,
        target,
        episodes: mine.length,
        scheduledTests: mine.reduce((sum, entry) => sum + entry.outcomes.length, 0),
        missingTests: mine.reduce((sum, entry) => sum + count(entry, 'missing'), 0),
        negativeTests: mine.reduce((sum, entry) => sum + count(entry, 'negative'), 0),
        meanClientNegativeRate: mean(mine.map((entry) => count(entry, 'negative') / entry.outcomes.length)),
        observedEpisodes: withObserved.length,
        meanClientObservedNegativeRate: mean(withObserved.map((entry) => count(entry, 'negative') / observedOf(entry))),
      };
    }),
  );
}

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;

function longestRuns(entry: ScoredEpisode): { tests: number; weeks: number } {
  let bestTests = 0;
  let bestWeeks = 0;
  let runStart: string | undefined;
  let runLength = 0;
  entry.outcomes.forEach((test) => {
    if (test.outcome === 'negative') {
      if (runLength === 0) runStart = test.date;
      runLength += 1;
      bestTests = Math.max(bestTests, runLength);
      bestWeeks = Math.max(bestWeeks, (dayNumber(test.date) - dayNumber(runStart!) + 7) / 7);
    } else {
      runLength = 0;
    }
  });
  return { tests: bestTests, weeks: bestWeeks };
}

export function abstinenceRunRows(episodes: AbstinenceEpisode[], tests: AbstinenceTest[], asOf: string, finalWeeks: number): AbstinenceRunRow[] {
  const scored = scoreEpisodes(episodes, tests, asOf);
  return scopesOf(episodes, asOf).flatMap((scope) =>
    TARGETS.map((target) => {
      const mine = scored.filter((entry) => entry.target === target && (scope === 'all' || entry.episode.clinicId === scope));
      const runs = mine.map(longestRuns);
      const finalOutcomes = (entry: ScoredEpisode) =>
        entry.outcomes.filter((test) => dayNumber(entry.periodEnd) - dayNumber(test.date) < 7 * finalWeeks);
      const completers = mine.filter((entry) => entry.dischargeReason === 'completed' && finalOutcomes(entry).length > 0);
      return {
        scope,
        target,
        episodes: mine.length,
        meanLongestRunTests: mean(runs.map((run) => run.tests)),
        medianLongestRunTests: median(runs.map((run) => run.tests)),
        meanLongestRunWeeks: mean(runs.map((run) => run.weeks)),
        medianLongestRunWeeks: median(runs.map((run) => run.weeks)),
        twoConsecutivePositive: mine.filter((entry) =>
          entry.outcomes.some((test, index) => index > 0 && test.outcome !== 'negative' && entry.outcomes[index - 1].outcome !== 'negative'),
        ).length,
        endCompleters: completers.length,
        endAbstinent: completers.filter((entry) => finalOutcomes(entry).every((test) => test.outcome === 'negative')).length,
        endDischarged: mine.filter((entry) => entry.dischargeReason !== undefined).length,
      };
    }),
  );
}
