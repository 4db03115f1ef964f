/**
 * Test oracles for completion.sql, early-dropout.sql and engagement.sql, computed from the
 * episode states of episode-outcomes.ts with array filters and sorting (no SQL).
 */
import { byScope, quantile7, type EpisodeState } from './episode-outcomes';
import { wilsonInterval } from './wilson';
import { daysBetween } from '../support/sql-harness';

type Row = Record<string, string | number | null>;

function rate(prefix: string, successes: number, trials: number): Row {
  const interval = wilsonInterval(successes, trials);
  return {
    [`${prefix}_rate`]: trials > 0 ? successes / trials : null,
    [`${prefix}_ci_lower`]: interval?.lower ?? null,
    [`${prefix}_ci_upper`]: interval?.upper ?? null,
  };
}

function mean(values: number[]): number | null {
  return values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : null;
}

function scopesOf(states: EpisodeState[]): [string, EpisodeState[]][] {
  return states.length > 0 ? byScope(states) : [['all', []]];
}

const REASON_GROUPS: [string, (reason: string) => boolean][] = [
  ['all', () => true],
  ['completed', (reason) => reason === 'completed'],
  ['transferred', (reason) => reason === 'transferred'],
  ['completed_or_transferred', (reason) => reason === 'completed' || reason === 'transferred'],
  ['dropped_out', (reason) => reason === 'dropped_out'],
  ['terminated', (reason) => reason === 'terminated'],
  ['incarcerated', (reason) => reason === 'incarcerated'],
  ['died', (reason) => reason === 'died'],
  ['other', (reason) => reason === 'other'],
  ['other_teds', (reason) => ['incarcerated', 'died', 'other'].includes(reason)],
];

export function completion(states: EpisodeState[]): Row[] {
  const discharged = states.filter((state) => state.dischargeDate !== null);
  const rows: Row[] = [];
  for (const [scope, members] of scopesOf(discharged)) {
    for (const [reason, matches] of REASON_GROUPS) {
      const group = members.filter((state) => matches(state.dischargeReason as string));
      // TEDS outpatient LOS: min(last attended, discharge) − admission + 1.
      const stays = group.map((state) => daysBetween(state.admissionDate, state.lastAttended ?? (state.dischargeDate as string)) + 1);
      const interval = wilsonInterval(group.length, members.length);
      rows.push({
        scope,
        reason,
        discharges: group.length,
        total_discharges: members.length,
        share: members.length > 0 ? group.length / members.length : null,
        share_ci_lower: interval?.lower ?? null,
        share_ci_upper: interval?.upper ?? null,
        los_median_days: quantile7(stays, 0.5),
        los_q1_days: quantile7(stays, 0.25),
        los_q3_days: quantile7(stays, 0.75),
        los_mean_days: mean(stays),
      });
    }
  }
  return rows;
}

export function earlyDropout(states: EpisodeState[], asOf: string, horizon = 30): Row[] {
  return scopesOf(states).map(([scope, members]) => {
    const eligible = members.filter((state) => daysBetween(state.admissionDate, asOf) >= horizon);
    const noReturn = eligible.filter((state) => state.attendedDates.length === 1).length;
    const never = eligible.filter((state) => state.attendedDates.length === 0).length;
    const early = eligible.filter((state) => state.outcome === 'dropout' && state.daysInTreatment < horizon).length;
    const sessions = members.filter((state) => state.outcome === 'dropout').map((state) => state.attendedDates.length);
    return {
      scope,
      admissions: members.length,
      eligible: eligible.length,
      no_return: noReturn,
      ...rate('no_return', noReturn, eligible.length),
      never_attended: never,
      ...rate('never_attended', never, eligible.length),
      early_dropouts: early,
      ...rate('early_dropout', early, eligible.length),
      dropouts: sessions.length,
      sessions_median: quantile7(sessions, 0.5),
      sessions_q1: quantile7(sessions, 0.25),
      sessions_q3: quantile7(sessions, 0.75),
      sessions_mean: mean(sessions),
    };
  });
}

export function engagement(states: EpisodeState[], asOf: string, initiationDays = 13, engagementDays = 34): Row[] {
  return scopesOf(states).map(([scope, members]) => {
    const age = (state: EpisodeState) => daysBetween(state.admissionDate, asOf);
    const isInitiated = (state: EpisodeState) => state.firstAttended !== null && daysBetween(state.admissionDate, state.firstAttended) <= initiationDays;
    const isEngaged = (state: EpisodeState) => {
      if (!isInitiated(state)) return false;
      const further = new Set(
        state.attendedDates.filter((date) => {
          const gap = daysBetween(state.firstAttended as string, date);
          return gap >= 1 && gap <= engagementDays;
        }),
      );
      return further.size >= 2;
    };
    const initiationEligible = members.filter((state) => age(state) >= initiationDays);
    const engagementEligible = members.filter((state) => age(state) >= initiationDays + engagementDays);
    const initiated = initiationEligible.filter(isInitiated).length;
    const engaged = engagementEligible.filter(isEngaged).length;
    const latencies = members.filter((state) => state.firstAttended !== null).map((state) => daysBetween(state.admissionDate, state.firstAttended as string));
    return {
      scope,
      admissions: members.length,
      initiation_eligible: initiationEligible.length,
      initiated,
      ...rate('initiation', initiated, initiationEligible.length),
      engagement_eligible: engagementEligible.length,
      engaged,
      ...rate('engagement', engaged, engagementEligible.length),
      latency_episodes: latencies.length,
      latency_median_days: quantile7(latencies, 0.5),
      latency_q1_days: quantile7(latencies, 0.25),
      latency_q3_days: quantile7(latencies, 0.75),
      latency_mean_days: mean(latencies),
    };
  });
}
