/**
 * Independent test oracle for the generator's calibration: plain TypeScript over
 * the final state of a generated cohort (latest version per event, retractions
 * removed), following the definitions in METRICS.md. Not the product's metrics
 * (those live in SQL); a second, simple reading of the same data.
 */
import { addMonths, dayOf } from '../../../cli/synthetic/calendar';
import type { GeneratedEvent } from '../../../cli/synthetic/episode';

interface EpisodeFacts {
  admissionDay: number;
  /** Sessions scheduled (any status) and their minutes, by day after admission. */
  schedule: { day: number; minutes: number }[];
  attendedDays: number[];
  scheduled: number;
  attended: number;
  cancelled: number;
  discharge?: { day: number; reason: string };
  collectedTests: { day: number; negative: boolean }[];
  followUp?: { day: number; status: string; daysUsedPast30?: number };
}

export interface CohortFigures {
  admissions: number;
  dischargeMix: Record<'completed' | 'transferred' | 'dropped_out' | 'terminated' | 'other', number>;
  noReturnRate: number;
  attendanceRate: number;
  observedNegativeRate: number;
  followUpRate: number;
  abstinentAtFollowUp: number;
  naiveRetention: Record<30 | 60 | 90, number>;
  /** 90-day retention of clients whose first two tests were both negative, vs neither. */
  retentionByEarlyTests: { bothNegative: number; noneNegative: number };
  retention90ByClinic: Record<string, number>;
  /** P(next collected test negative | this one negative) and (| this one positive), within episodes. */
  negativeAfter: { negative: number; positive: number };
  /** Scheduled sessions and hours per week in weeks 2–5 of episodes scheduled that long. */
  scheduledSessionsPerWeek: number;
  scheduledHoursPerWeek: number;
}

const NON_COMPLETION = new Set(['dropped_out', 'terminated', 'incarcerated', 'other']);
const INACTIVITY_DAYS = 30;

export function finalFacts(events: Iterable<GeneratedEvent>): Map<string, GeneratedEvent[]> {
  const byEpisode = new Map<string, GeneratedEvent[]>();
  for (const event of events) {
    const key = `${event.clinicId}/${event.episodeId}`;
    const list = byEpisode.get(key) ?? [];
    list.push(event);
    byEpisode.set(key, list);
  }
  return byEpisode;
}

function episodeFacts(events: GeneratedEvent[]): EpisodeFacts | undefined {
  const enrollment = events.find((event) => event.type === 'enrollment');
  if (!enrollment || enrollment.type !== 'enrollment') return undefined;
  const facts: EpisodeFacts = {
    admissionDay: dayOf(enrollment.admissionDate),
    attendedDays: [],
    schedule: [],
    scheduled: 0,
    attended: 0,
    cancelled: 0,
    collectedTests: [],
  };
  for (const event of events) {
    if (event.type === 'attendance') {
      facts.scheduled += 1;
      facts.schedule.push({ day: dayOf(event.sessionDate) - facts.admissionDay, minutes: event.scheduledMinutes });
      if (event.status === 'cancelled_by_clinic') facts.cancelled += 1;
      if (event.status === 'attended') {
        facts.attended += 1;
        facts.attendedDays.push(dayOf(event.sessionDate));
      }
    } else if (event.type === 'discharge') {
      facts.discharge = { day: dayOf(event.dischargeDate), reason: event.reason };
    } else if (event.type === 'drug_test' && event.status === 'collected') {
      const negative = (event.results ?? []).every((entry) => entry.result === 'negative' || entry.prescribed === true);
      facts.collectedTests.push({ day: dayOf(event.scheduledDate), negative });
    } else if (event.type === 'assessment' && event.timepoint === 'six_month') {
      facts.followUp = { day: dayOf(event.interviewDate), status: event.status, daysUsedPast30: event.daysUsedPast30 };
    }
  }
  facts.collectedTests.sort((left, right) => left.day - right.day);
  return facts;
}

/** Dropout time (days from admission to the last attended session) or undefined when not dropped out. */
function dropoutDay(facts: EpisodeFacts, asOfDay: number): number | undefined {
  const last = facts.attendedDays.length ? Math.max(...facts.attendedDays) : facts.admissionDay;
  const t = last - facts.admissionDay;
  if (facts.discharge) return NON_COMPLETION.has(facts.discharge.reason) ? t : undefined;
  return asOfDay - last > INACTIVITY_DAYS ? t : undefined;
}

export function cohortFigures(events: Iterable<GeneratedEvent>, asOf: string): CohortFigures {
  const asOfDay = dayOf(asOf);
  const episodes: { clinicId: string; facts: EpisodeFacts }[] = [];
  for (const [key, list] of finalFacts(events)) {
    const facts = episodeFacts(list);
    if (facts) episodes.push({ clinicId: key.split('/')[0], facts });
  }
  const mix = { completed: 0, transferred: 0, dropped_out: 0, terminated: 0, other: 0 };
  let discharges = 0;
  let noReturn = 0;
  let noReturnDenominator = 0;
  let scheduled = 0;
  let attended = 0;
  let collected = 0;
  let negative = 0;
  let followUpsDue = 0;
  let followUpsDone = 0;
  let abstinent = 0;
  const retained = { 30: [0, 0], 60: [0, 0], 90: [0, 0] } as Record<30 | 60 | 90, [number, number]>;
  const early = { both: [0, 0], none: [0, 0] };
  const byClinic = new Map<string, [number, number]>();
  const weeks = { count: 0, sessions: 0, minutes: 0 };
  const transitions = { fromNegative: [0, 0], fromPositive: [0, 0] };

  for (const { clinicId, facts } of episodes) {
    if (facts.discharge) {
      discharges += 1;
      const reason = facts.discharge.reason;
      if (reason in mix) mix[reason as keyof typeof mix] += 1;
      else mix.other += 1; // TEDS groups incarcerated and died under "other"
    }
    if (facts.admissionDay <= asOfDay - 30) {
      noReturnDenominator += 1;
      if (facts.attended === 1) noReturn += 1;
    }
    scheduled += facts.scheduled - facts.cancelled;
    if (facts.schedule.some((session) => session.day >= 35)) {
      const window = facts.schedule.filter((session) => session.day >= 7 && session.day < 35);
      weeks.count += 4;
      weeks.sessions += window.length;
      weeks.minutes += window.reduce((sum, session) => sum + session.minutes, 0);
    }
    attended += facts.attended;
    collected += facts.collectedTests.length;
    negative += facts.collectedTests.filter((test) => test.negative).length;
    for (let index = 1; index < facts.collectedTests.length; index++) {
      const from = facts.collectedTests[index - 1].negative ? transitions.fromNegative : transitions.fromPositive;
      from[0] += facts.collectedTests[index].negative ? 1 : 0;
      from[1] += 1;
    }
    if (addMonths(facts.admissionDay, 8) <= asOfDay) {
      followUpsDue += 1;
      const followUp = facts.followUp;
      const inWindow =
        followUp &&
        followUp.day >= addMonths(facts.admissionDay, 5) &&
        followUp.day <= addMonths(facts.admissionDay, 8);
      if (followUp && inWindow && followUp.status === 'completed') {
        followUpsDone += 1;
        if (followUp.daysUsedPast30 === 0) abstinent += 1;
      }
    }
    const dropout = dropoutDay(facts, asOfDay);
    for (const horizon of [30, 60, 90] as const) {
      if (facts.admissionDay > asOfDay - horizon - INACTIVITY_DAYS) continue;
      retained[horizon][1] += 1;
      if (dropout === undefined || dropout >= horizon) retained[horizon][0] += 1;
    }
    if (facts.admissionDay <= asOfDay - 90 - INACTIVITY_DAYS) {
      const kept = dropout === undefined || dropout >= 90 ? 1 : 0;
      const clinic = byClinic.get(clinicId) ?? [0, 0];
      byClinic.set(clinicId, [clinic[0] + kept, clinic[1] + 1]);
      const firstTwo = facts.collectedTests.slice(0, 2);
      if (firstTwo.length === 2) {
        const negatives = firstTwo.filter((test) => test.negative).length;
        if (negatives === 2) early.both = [early.both[0] + kept, early.both[1] + 1];
        if (negatives === 0) early.none = [early.none[0] + kept, early.none[1] + 1];
      }
    }
  }
  const share = (part: number, whole: number) => (whole === 0 ? Number.NaN : part / whole);
  return {
    admissions: episodes.length,
    dischargeMix: Object.fromEntries(Object.entries(mix).map(([reason, count]) => [reason, share(count, discharges)])) as CohortFigures['dischargeMix'],
    noReturnRate: share(noReturn, noReturnDenominator),
    attendanceRate: share(attended, scheduled),
    observedNegativeRate: share(negative, collected),
    followUpRate: share(followUpsDone, followUpsDue),
    abstinentAtFollowUp: share(abstinent, followUpsDone),
    naiveRetention: {
      30: share(...retained[30]),
      60: share(...retained[60]),
      90: share(...retained[90]),
    },
    retentionByEarlyTests: { bothNegative: share(early.both[0], early.both[1]), noneNegative: share(early.none[0], early.none[1]) },
    negativeAfter: {
      negative: share(transitions.fromNegative[0], transitions.fromNegative[1]),
      positive: share(transitions.fromPositive[0], transitions.fromPositive[1]),
    },
    scheduledSessionsPerWeek: share(weeks.sessions, weeks.count),
    scheduledHoursPerWeek: share(weeks.minutes / 60, weeks.count),
    retention90ByClinic: Object.fromEntries([...byClinic].map(([clinicId, [kept, total]]) => [clinicId, share(kept, total)])),
  };
}
