/**
 * Test oracle for the six-month follow-up family (follow-up.sql, follow-up-due.sql,
 * outcomes.sql, outcomes-followed-vs-not.sql): the same definitions written plainly
 * over in-memory episodes, with its own calendar arithmetic. Test code only.
 */
import { mcnemar } from './mcnemar';

export interface OracleEpisode {
  clinicId: string;
  episodeId: string;
  admissionDate: string;
  discharge?: { date: string; reason: string };
}

export interface OracleInterview {
  clinicId: string;
  episodeId: string;
  timepoint: 'intake' | 'discharge' | 'six_month';
  interviewDate: string;
  status: 'completed' | 'not_located' | 'refused' | 'incarcerated' | 'died';
  /** Answers, present on completed interviews. */
  daysUsedPast30?: number | null;
  employedOrInSchool?: boolean | null;
  arrestsPast30?: number | null;
  stablyHoused?: boolean | null;
  socialSupport?: boolean | null;
}

export interface FollowUpSettings {
  asOf: string;
  startMonths: number;
  endMonths: number;
}

/** Calendar months added with the day clamped to the target month's last day. */
export function addMonthsClamped(date: string, months: number): string {
  const [year, month, day] = date.split('-').map(Number);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth, 0)).getUTCDate();
  return `${targetYear}-${String(targetMonth).padStart(2, '0')}-${String(Math.min(day, lastDay)).padStart(2, '0')}`;
}

export interface EpisodeFollowUp {
  episode: OracleEpisode;
  windowStart: string;
  windowEnd: string;
  state: 'closed' | 'open' | 'not_open';
  deceased: boolean;
  followed: boolean;
  /** The earliest completed in-window interview. */
  followUp?: OracleInterview;
  completedOutsideWindow: boolean;
  attemptsInWindow: number;
  lastStatus?: string;
}

export function episodeFollowUps(episodes: OracleEpisode[], interviews: OracleInterview[], settings: FollowUpSettings): EpisodeFollowUp[] {
  return episodes
    .filter((episode) => episode.admissionDate <= settings.asOf)
    .map((episode) => {
      const windowStart = addMonthsClamped(episode.admissionDate, settings.startMonths);
      const windowEnd = addMonthsClamped(episode.admissionDate, settings.endMonths);
      const sixMonth = interviews.filter(
        (interview) =>
          interview.clinicId === episode.clinicId &&
          interview.episodeId === episode.episodeId &&
          interview.timepoint === 'six_month' &&
          interview.interviewDate <= settings.asOf,
      );
      const inWindow = (interview: OracleInterview) => interview.interviewDate >= windowStart && interview.interviewDate <= windowEnd;
      const completedInWindow = sixMonth
        .filter((interview) => interview.status === 'completed' && inWindow(interview))
        .sort((a, b) => a.interviewDate.localeCompare(b.interviewDate));
      const dischargedByAsOf = episode.discharge && episode.discharge.date <= settings.asOf ? episode.discharge : undefined;
      const latest = [...sixMonth].sort((a, b) => b.interviewDate.localeCompare(a.interviewDate))[0];
      return {
        episode,
        windowStart,
        windowEnd,
        state: windowEnd <= settings.asOf ? 'closed' : windowStart <= settings.asOf ? 'open' : 'not_open',
        deceased: dischargedByAsOf?.reason === 'died' || sixMonth.some((interview) => interview.status === 'died'),
        followed: completedInWindow.length > 0,
        followUp: completedInWindow[0],
        completedOutsideWindow: sixMonth.some((interview) => interview.status === 'completed' && !inWindow(interview)),
        attemptsInWindow: sixMonth.filter((interview) => interview.status !== 'completed' && inWindow(interview)).length,
        lastStatus: latest?.status,
      };
    });
}

export interface FollowUpRateRow {
  scope: string;
  episodes: number;
  due: number;
  followed: number;
  deceasedExcluded: number;
  completedOutsideWindow: number;
  windowOpen: number;
  openFollowed: number;
  notYetOpen: number;
}

/** One row per clinic plus 'all'. */
export function followUpRates(statuses: EpisodeFollowUp[]): FollowUpRateRow[] {
  const scopes = ['all', ...new Set(statuses.map((status) => status.episode.clinicId))].sort((a, b) =>
    a === 'all' ? -1 : b === 'all' ? 1 : a.localeCompare(b),
  );
  return scopes.map((scope) => {
    const mine = statuses.filter((status) => scope === 'all' || status.episode.clinicId === scope);
    const alive = mine.filter((status) => !status.deceased);
    const due = alive.filter((status) => status.state === 'closed');
    return {
      scope,
      episodes: mine.length,
      due: due.length,
      followed: due.filter((status) => status.followed).length,
      deceasedExcluded: mine.length - alive.length,
      completedOutsideWindow: due.filter((status) => !status.followed && status.completedOutsideWindow).length,
      windowOpen: alive.filter((status) => status.state === 'open').length,
      openFollowed: alive.filter((status) => status.state === 'open' && status.followed).length,
      notYetOpen: alive.filter((status) => status.state === 'not_open').length,
    };
  });
}

export const OUTCOME_DOMAINS = ['abstinent', 'employed_or_in_school', 'no_arrests', 'stably_housed', 'social_support'] as const;
export type OutcomeDomain = (typeof OUTCOME_DOMAINS)[number];

export function domainAnswer(interview: OracleInterview, domain: OutcomeDomain): boolean | null {
  const orNull = <T>(value: T | null | undefined) => (value === undefined ? null : value);
  switch (domain) {
    case 'abstinent': {
      const days = orNull(interview.daysUsedPast30);
      return days === null ? null : days === 0;
    }
    case 'no_arrests': {
      const arrests = orNull(interview.arrestsPast30);
      return arrests === null ? null : arrests === 0;
    }
    case 'employed_or_in_school':
      return orNull(interview.employedOrInSchool);
    case 'stably_housed':
      return orNull(interview.stablyHoused);
    case 'social_support':
      return orNull(interview.socialSupport);
  }
}

/** The baseline: the first completed intake interview on or before as_of. */
export function intakeOf(episode: OracleEpisode, interviews: OracleInterview[], asOf: string): OracleInterview | undefined {
  return interviews
    .filter(
      (interview) =>
        interview.clinicId === episode.clinicId &&
        interview.episodeId === episode.episodeId &&
        interview.timepoint === 'intake' &&
        interview.status === 'completed' &&
        interview.interviewDate <= asOf,
    )
    .sort((a, b) => a.interviewDate.localeCompare(b.interviewDate))[0];
}

export const COMPLETION_GROUPS = ['all', 'completers', 'non_completers'] as const;

export interface OutcomeRow {
  scope: string;
  completionGroup: (typeof COMPLETION_GROUPS)[number];
  domain: OutcomeDomain;
  pairs: number;
  intakeYes: number;
  followUpYes: number;
  yesToNo: number;
  noToYes: number;
  changePoints: number | null;
  relativeChangePct: number | null;
  mcnemarStatistic: number | null;
  mcnemarPValue: number | null;
}

export function matchedOutcomes(statuses: EpisodeFollowUp[], interviews: OracleInterview[], asOf: string): OutcomeRow[] {
  const scopes = ['all', ...[...new Set(statuses.map((status) => status.episode.clinicId))].sort()];
  const rows: OutcomeRow[] = [];
  for (const scope of scopes) {
    for (const completionGroup of COMPLETION_GROUPS) {
      for (const domain of OUTCOME_DOMAINS) {
        const pairs: [boolean, boolean][] = [];
        for (const status of statuses) {
          if (scope !== 'all' && status.episode.clinicId !== scope) continue;
          const discharge = status.episode.discharge && status.episode.discharge.date <= asOf ? status.episode.discharge : undefined;
          if (completionGroup === 'completers' && discharge?.reason !== 'completed') continue;
          if (completionGroup === 'non_completers' && (!discharge || discharge.reason === 'completed')) continue;
          const intake = intakeOf(status.episode, interviews, asOf);
          if (!intake || !status.followUp) continue;
          const before = domainAnswer(intake, domain);
          const after = domainAnswer(status.followUp, domain);
          if (before === null || after === null) continue;
          pairs.push([before, after]);
        }
        const intakeYes = pairs.filter(([before]) => before).length;
        const followUpYes = pairs.filter(([, after]) => after).length;
        const yesToNo = pairs.filter(([before, after]) => before && !after).length;
        const noToYes = pairs.filter(([before, after]) => !before && after).length;
        const test = mcnemar(yesToNo, noToYes);
        const n = pairs.length;
        rows.push({
          scope,
          completionGroup,
          domain,
          pairs: n,
          intakeYes,
          followUpYes,
          yesToNo,
          noToYes,
          changePoints: n > 0 ? (100 * (followUpYes - intakeYes)) / n : null,
          relativeChangePct: intakeYes > 0 ? (100 * (followUpYes - intakeYes)) / intakeYes : null,
          mcnemarStatistic: test.statistic,
          mcnemarPValue: test.pValue,
        });
      }
    }
  }
  return rows;
}

export interface IntakeComparisonRow {
  scope: string;
  domain: OutcomeDomain;
  followedN: number;
  followedYes: number;
  notFollowedN: number;
  notFollowedYes: number;
  differencePoints: number | null;
}

/** Intake answers of due (closed-window, living) episodes, followed vs not followed. */
export function intakeComparison(statuses: EpisodeFollowUp[], interviews: OracleInterview[], asOf: string): IntakeComparisonRow[] {
  const scopes = ['all', ...[...new Set(statuses.map((status) => status.episode.clinicId))].sort()];
  return scopes.flatMap((scope) =>
    OUTCOME_DOMAINS.map((domain) => {
      const groups = { followed: { n: 0, yes: 0 }, notFollowed: { n: 0, yes: 0 } };
      for (const status of statuses) {
        if (scope !== 'all' && status.episode.clinicId !== scope) continue;
        if (status.state !== 'closed' || status.deceased) continue;
        const intake = intakeOf(status.episode, interviews, asOf);
        const answer = intake ? domainAnswer(intake, domain) : null;
        if (answer === null) continue;
        const group = status.followed ? groups.followed : groups.notFollowed;
        group.n += 1;
        if (answer) group.yes += 1;
      }
      const { followed, notFollowed } = groups;
      return {
        scope,
        domain,
        followedN: followed.n,
        followedYes: followed.yes,
        notFollowedN: notFollowed.n,
        notFollowedYes: notFollowed.yes,
        differencePoints: followed.n > 0 && notFollowed.n > 0 ? 100 * (followed.yes / followed.n - notFollowed.yes / notFollowed.n) : null,
      };
    }),
  );
}
