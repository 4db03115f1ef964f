/**
 * Scheduled urine drug tests of one episode: an intake test, then one random test a
 * week on a session day. A test is collected only when the client came that day
 * (else missed). Use follows a weekly AR(1) latent state per client, so results are
 * strongly autocorrelated within a client, improve with time in treatment and slip
 * in the weeks before a dropout (early negatives therefore predict retention).
 */
import type { DRUG_TEST_STATUSES, TEST_RESULTS, TEST_SUBSTANCES } from '../../lambdas/core/event-schema';
import type { ClientProfile, } from './client';
import type { PrimarySubstance, Track } from './clinics';
import { logistic, type Random } from './random';
import type { ScheduledSession } from './sessions';
import type { Propensity, Trajectory } from './trajectory';

export type TestSubstance = (typeof TEST_SUBSTANCES)[number];
export type TestStatus = (typeof DRUG_TEST_STATUSES)[number];
export type TestResultValue = (typeof TEST_RESULTS)[number];

export interface SubstanceResult {
  substance: TestSubstance;
  result: TestResultValue;
  prescribed?: true;
}

export interface ScheduledTest {
  day: number;
  random: boolean;
  status: TestStatus;
  results?: SubstanceResult[];
}

/** Panels ordered by primary substance (what a clinic would order for that client). */
export const PANELS: Record<PrimarySubstance, readonly TestSubstance[]> = {
  opioids: ['opioids', 'fentanyl', 'buprenorphine', 'methadone', 'benzodiazepines', 'cocaine'],
  alcohol: ['alcohol', 'cannabis', 'cocaine', 'benzodiazepines', 'opioids'],
  stimulants: ['cocaine', 'amphetamines', 'opioids', 'fentanyl', 'cannabis'],
  cannabis: ['cannabis', 'alcohol', 'cocaine', 'amphetamines'],
  benzodiazepines: ['benzodiazepines', 'opioids', 'fentanyl', 'alcohol'],
  other: ['opioids', 'cocaine', 'amphetamines', 'cannabis', 'benzodiazepines'],
};

/** Medication for opioid use disorder, which shows on the panel as a prescribed positive. */
export type Medication = 'buprenorphine' | 'methadone' | 'none';

export function drawMedication(client: ClientProfile, track: Track, rng: Random): Medication {
  if (client.primarySubstance !== 'opioids') return 'none';
  if (track === 'moud') return rng.weighted({ buprenorphine: 0.75, methadone: 0.15, none: 0.1 });
  return rng.chance(0.2) ? 'buprenorphine' : 'none';
}

const AUTOCORRELATION = 0.85;
const INNOVATION_SD = 0.7;
const RELAPSE_BEFORE_DROPOUT_DAYS = 14;
/** Log-odds of abstaining per unit of latent state: steep, so a week's result mostly reflects the state, not coin-flip noise. */
const STATE_SHARPNESS = 2.5;
const DROPOUT_FATES = new Set(['dropped_out', 'terminated', 'other', 'silent', 'incarcerated']);

export function drawDrugTests(
  client: ClientProfile,
  medication: Medication,
  sessions: readonly ScheduledSession[],
  trajectory: Trajectory,
  u: Propensity,
  rng: Random,
): ScheduledTest[] {
  const tests: ScheduledTest[] = [];
  const meanAt = (week: number) => 0.3 + 0.85 * u + 0.9 * Math.min(week, 8) / 8;
  // Stationary start around the week-0 mean.
  let state = meanAt(0) + rng.normal(0, INNOVATION_SD / Math.sqrt(1 - AUTOCORRELATION ** 2));
  const intake = sessions[0];
  tests.push(collectOrMiss(0, false, intake?.status === 'attended', state - 1.0, client, medication, rng));

  const relapses = DROPOUT_FATES.has(trajectory.fate);
  for (let week = 0; week * 7 + 1 <= trajectory.lastScheduledDay; week++) {
    const mean = meanAt(week + 1);
    state = mean + AUTOCORRELATION * (state - mean) + rng.normal(0, INNOVATION_SD);
    const candidates = sessions.filter(
      (session) => session.day >= week * 7 + 1 && session.day <= week * 7 + 7 && session.status !== 'cancelled_by_clinic',
    );
    if (candidates.length === 0) continue;
    const session = rng.pick(candidates);
    const slipping = relapses && session.day > trajectory.lastAttendedDay - RELAPSE_BEFORE_DROPOUT_DAYS ? 1.2 : 0;
    tests.push(collectOrMiss(session.day, true, session.status === 'attended', state - slipping, client, medication, rng));
  }
  return tests;
}

function collectOrMiss(
  day: number,
  random: boolean,
  present: boolean,
  state: number,
  client: ClientProfile,
  medication: Medication,
  rng: Random,
): ScheduledTest {
  if (!present) return { day, random, status: 'missed' };
  if (rng.chance(0.03)) return { day, random, status: 'refused' };
  if (rng.chance(0.02)) return { day, random, status: 'invalid' };
  const usingPrimary = !rng.chance(logistic(STATE_SHARPNESS * state));
  return { day, random, status: 'collected', results: panelResults(client, medication, usingPrimary, rng) };
}

function panelResults(client: ClientProfile, medication: Medication, usingPrimary: boolean, rng: Random): SubstanceResult[] {
  const panel = PANELS[client.primarySubstance];
  const positives = new Set<TestSubstance>();
  if (usingPrimary) for (const analyte of primaryAnalytes(client, rng)) positives.add(analyte);
  for (const substance of panel) {
    const secondaryRate = (substance === 'cannabis' ? 0.05 : 0.015) + (usingPrimary ? 0.06 : 0);
    if (!positives.has(substance) && rng.chance(secondaryRate)) positives.add(substance);
  }
  return panel.map((substance) => {
    if (substance === medication) {
      // Adherent clients test positive for their prescribed medication.
      return rng.chance(0.92) ? { substance, result: 'positive', prescribed: true } : { substance, result: 'negative' };
    }
    if (rng.chance(0.005)) return { substance, result: 'inconclusive' };
    return { substance, result: positives.has(substance) ? 'positive' : 'negative' };
  });
}

/** Which analytes a relapse on the primary substance lights up. */
function primaryAnalytes(client: ClientProfile, rng: Random): TestSubstance[] {
  switch (client.primarySubstance) {
    case 'opioids': {
      // Most street opioid is fentanyl, which the opiate immunoassay misses.
      const analytes: TestSubstance[] = [];
      if (rng.chance(0.8)) analytes.push('fentanyl');
      if (analytes.length === 0 || rng.chance(0.45)) analytes.push('opioids');
      return analytes;
    }
    case 'stimulants':
      return [client.stimulant];
    case 'other':
      return rng.chance(0.5) ? [rng.pick(PANELS.other)] : [];
    default:
      return [client.primarySubstance];
  }
}
