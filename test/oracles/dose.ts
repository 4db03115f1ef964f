/**
 * Test oracle for dose.sql and dose-weeks.sql (test code only). Weeks are found by
 * walking the calendar day by day with Date.getUTCDay (Monday = 1), independent of the
 * SQL's day-number arithmetic.
 */
import { median } from './abstinence';

export interface DoseEpisode {
  clinicId: string;
  episodeId: string;
  admissionDate: string;
  birthYear?: number | null;
  discharge?: { date: string; reason: string };
}

export interface DoseSession {
  clinicId: string;
  episodeId: string;
  sessionDate: string;
  sessionType: string;
  status: 'attended' | 'no_show' | 'excused' | 'cancelled_by_clinic';
  attendedMinutes: number;
}

export interface DoseSettings {
  asOf: string;
  adultWeeklyHours: number;
  adolescentWeeklyHours: number;
}

export const SESSION_TYPE_ROWS = ['all', 'group', 'individual', 'cbt', 'family', 'workshop', 'education', 'other'] as const;

const addDay = (date: string, days = 1) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();

interface EpisodePeriod {
  episode: DoseEpisode;
  end: string;
  adolescent: boolean;
  sessions: DoseSession[];
  /** Mondays of the full weeks inside the period. */
  fullWeeks: string[];
  touchedWeeks: number;
}

function periods(episodes: DoseEpisode[], sessions: DoseSession[], asOf: string): EpisodePeriod[] {
  return episodes
    .filter((episode) => episode.admissionDate <= asOf)
    .map((episode) => {
      const end = episode.discharge && episode.discharge.date <= asOf ? episode.discharge.date : asOf;
      const fullWeeks: string[] = [];
      let touchedWeeks = 0;
      for (let day = episode.admissionDate; day <= end; day = addDay(day)) {
        if (day === episode.admissionDate || weekday(day) === 1) touchedWeeks += 1;
        if (weekday(day) === 1 && addDay(day, 6) <= end) fullWeeks.push(day);
      }
      const age = episode.birthYear == null ? null : Number(episode.admissionDate.slice(0, 4)) - episode.birthYear;
      return {
        episode,
        end,
        adolescent: age !== null && age < 18,
        fullWeeks,
        touchedWeeks,
        sessions: sessions.filter(
          (session) =>
            session.clinicId === episode.clinicId &&
            session.episodeId === episode.episodeId &&
            session.sessionDate >= episode.admissionDate &&
            session.sessionDate <= end,
        ),
      };
    });
}

const scopesOf = (list: EpisodePeriod[]) => ['all', ...[...new Set(list.map((period) => period.episode.clinicId))].sort()];
const inScope = (scope: string, period: EpisodePeriod) => scope === 'all' || period.episode.clinicId === scope;
const attendedHours = (sessions: DoseSession[]) => sessions.filter((session) => session.status === 'attended').reduce((sum, session) => sum + session.attendedMinutes, 0) / 60;
const inWeek = (monday: string) => (session: DoseSession) => session.sessionDate >= monday && session.sessionDate <= addDay(monday, 6);

export interface DoseRow {
  scope: string;
  sessionType: string;
  attended: number;
  noShow: number;
  excused: number;
  cancelledByClinic: number;
  hoursAttended: number;
  clientWeeks: number;
  hoursPerClientWeek: number | null;
}

export function doseRows(episodes: DoseEpisode[], sessions: DoseSession[], settings: DoseSettings): DoseRow[] {
  const list = periods(episodes, sessions, settings.asOf);
  return scopesOf(list).flatMap((scope) => {
    const mine = list.filter((period) => inScope(scope, period));
    const clientWeeks = mine.reduce((sum, period) => sum + period.fullWeeks.length, 0);
    return SESSION_TYPE_ROWS.map((sessionType) => {
      const typed = (period: EpisodePeriod) => period.sessions.filter((session) => sessionType === 'all' || session.sessionType === sessionType);
      const all = mine.flatMap(typed);
      const count = (status: DoseSession['status']) => all.filter((session) => session.status === status).length;
      const fullWeekHours = mine.reduce(
        (sum, period) => sum + period.fullWeeks.reduce((weekSum, monday) => weekSum + attendedHours(typed(period).filter(inWeek(monday))), 0),
        0,
      );
      return {
        scope,
        sessionType,
        attended: count('attended'),
        noShow: count('no_show'),
        excused: count('excused'),
        cancelledByClinic: count('cancelled_by_clinic'),
        hoursAttended: attendedHours(all),
        clientWeeks,
        hoursPerClientWeek: clientWeeks > 0 ? fullWeekHours / clientWeeks : null,
      };
    });
  });
}

export interface DoseWeekRow {
  scope: string;
  ageGroup: 'all' | 'adult' | 'adolescent';
  episodes: number;
  clientWeeks: number;
  partialWeeksExcluded: number;
  meanWeeklyHours: number | null;
  medianWeeklyHours: number | null;
  weeksMeetingTarget: number;
  first30DaysEpisodes: number;
  meanFirst30DaysHours: number | null;
  medianFirst30DaysHours: number | null;
}

export function doseWeekRows(episodes: DoseEpisode[], sessions: DoseSession[], settings: DoseSettings): DoseWeekRow[] {
  const list = periods(episodes, sessions, settings.asOf);
  const groups = ['all', 'adult', 'adolescent'] as const;
  return scopesOf(list).flatMap((scope) =>
    groups.map((ageGroup) => {
      const mine = list.filter(
        (period) => inScope(scope, period) && (ageGroup === 'all' || (ageGroup === 'adolescent') === period.adolescent),
      );
      const weeks = mine.flatMap((period) =>
        period.fullWeeks.map((monday) => ({
          hours: attendedHours(period.sessions.filter(inWeek(monday))),
          target: period.adolescent ? settings.adolescentWeeklyHours : settings.adultWeeklyHours,
        })),
      );
      const observed30 = mine.filter((period) => addDay(period.episode.admissionDate, 29) <= settings.asOf);
      const first30 = observed30.map((period) =>
        attendedHours(period.sessions.filter((session) => session.sessionDate <= addDay(period.episode.admissionDate, 29))),
      );
      const total = weeks.reduce((sum, week) => sum + week.hours, 0);
      return {
        scope,
        ageGroup,
        episodes: mine.length,
        clientWeeks: weeks.length,
        partialWeeksExcluded: mine.reduce((sum, period) => sum + period.touchedWeeks - period.fullWeeks.length, 0),
        meanWeeklyHours: weeks.length > 0 ? total / weeks.length : null,
        medianWeeklyHours: median(weeks.map((week) => week.hours)),
        weeksMeetingTarget: weeks.filter((week) => week.hours >= week.target).length,
        first30DaysEpisodes: observed30.length,
        meanFirst30DaysHours: first30.length > 0 ? first30.reduce((sum, hours) => sum + hours, 0) / first30.length : null,
        medianFirst30DaysHours: median(first30),
      };
    }),
  );
}
