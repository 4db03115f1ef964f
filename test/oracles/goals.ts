/**
 * Test oracle for goals.sql (test code only): each goal's set date, latest status and
 * domain from its events, then counts, rates and days to completion per scope and domain.
 */
import { median } from './abstinence';

export interface GoalEpisode {
  clinicId: string;
  episodeId: string;
  admissionDate: string;
}

export interface GoalEvent {
  clinicId: string;
  episodeId: string;
  eventId: string;
  goalId: string;
  action: 'set' | 'completed' | 'revised' | 'abandoned';
  domain: string;
  actionDate: string;
}

export const GOAL_DOMAIN_ROWS = ['all', 'sobriety', 'employment', 'housing', 'health', 'family', 'education', 'legal', 'other'] as const;

const PRECEDENCE = { set: 0, revised: 1, abandoned: 2, completed: 3 } as const;

export interface GoalRow {
  scope: string;
  domain: string;
  episodes: number;
  episodesWithGoals: number;
  goals: number;
  completed: number;
  abandoned: number;
  openGoals: number;
  revisedGoals: number;
  revisions: number;
  meanDaysToComplete: number | null;
  medianDaysToComplete: number | null;
}

const days = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

export function goalRows(episodes: GoalEpisode[], events: GoalEvent[], asOf: string): GoalRow[] {
  const cohort = episodes.filter((episode) => episode.admissionDate <= asOf);
  const inCohort = new Set(cohort.map((episode) => `${episode.clinicId}/${episode.episodeId}`));
  const byGoal = new Map<string, GoalEvent[]>();
  for (const event of events) {
    if (event.actionDate > asOf || !inCohort.has(`${event.clinicId}/${event.episodeId}`)) continue;
    const key = `${event.clinicId}/${event.episodeId}/${event.goalId}`;
    byGoal.set(key, [...(byGoal.get(key) ?? []), event]);
  }
  const goals = [...byGoal.values()].map((goalEvents) => {
    const latest = [...goalEvents].sort(
      (a, b) =>
        b.actionDate.localeCompare(a.actionDate) || PRECEDENCE[b.action] - PRECEDENCE[a.action] || (a.eventId < b.eventId ? 1 : a.eventId > b.eventId ? -1 : 0),
    )[0];
    const setDates = goalEvents.filter((event) => event.action === 'set').map((event) => event.actionDate).sort();
    const setDate = setDates[0] ?? goalEvents.map((event) => event.actionDate).sort()[0];
    return {
      clinicId: latest.clinicId,
      episodeKey: `${latest.clinicId}/${latest.episodeId}`,
      status: latest.action,
      domain: latest.domain,
      daysToComplete: latest.action === 'completed' ? days(setDate, latest.actionDate) : null,
      revisions: goalEvents.filter((event) => event.action === 'revised').length,
    };
  });
  const scopes = ['all', ...[...new Set(cohort.map((episode) => episode.clinicId))].sort()];
  return scopes.flatMap((scope) =>
    GOAL_DOMAIN_ROWS.map((domain) => {
      const mine = goals.filter((goal) => (scope === 'all' || goal.clinicId === scope) && (domain === 'all' || goal.domain === domain));
      const completionDays = mine.map((goal) => goal.daysToComplete).filter((value): value is number => value !== null);
      return {
        scope,
        domain,
        episodes: cohort.filter((episode) => scope === 'all' || episode.clinicId === scope).length,
        episodesWithGoals: new Set(mine.map((goal) => goal.episodeKey)).size,
        goals: mine.length,
        completed: mine.filter((goal) => goal.status === 'completed').length,
        abandoned: mine.filter((goal) => goal.status === 'abandoned').length,
        openGoals: mine.filter((goal) => goal.status === 'set' || goal.status === 'revised').length,
        revisedGoals: mine.filter((goal) => goal.revisions > 0).length,
        revisions: mine.reduce((sum, goal) => sum + goal.revisions, 0),
        meanDaysToComplete: completionDays.length > 0 ? completionDays.reduce((sum, value) => sum + value, 0) / completionDays.length : null,
        medianDaysToComplete: median(completionDays),
      };
    }),
  );
}
