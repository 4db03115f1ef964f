/**
 * Outcome interviews (GPRA / SUPRT style) of one episode: at intake, at discharge,
 * and the 6-month follow-up aimed at admission + 6 months, mostly inside the
 * [5, 8]-month window, with a realistic share not located or refusing. Answers
 * improve with propensity and with completing treatment.
 */
import type { ASSESSMENT_STATUSES, ASSESSMENT_TIMEPOINTS } from '../../lambdas/core/event-schema';
import { addMonths, type DayNumber } from './calendar';
import type { ClientProfile } from './client';
import { logistic, type Random } from './random';
import type { Propensity, Trajectory } from './trajectory';

export type Timepoint = (typeof ASSESSMENT_TIMEPOINTS)[number];
export type InterviewStatus = (typeof ASSESSMENT_STATUSES)[number];

export interface InterviewAnswers {
  daysUsedPast30: number;
  employedOrInSchool: boolean;
  stablyHoused: boolean;
  socialSupport: boolean;
  arrestsPast30: number;
}

export interface Interview {
  timepoint: Timepoint;
  day: DayNumber;
  status: InterviewStatus;
  answers?: InterviewAnswers;
}

const POSITIVE_ENDINGS = new Set(['completed', 'transferred']);

export function drawInterviews(
  client: ClientProfile,
  trajectory: Trajectory,
  u: Propensity,
  admissionDay: DayNumber,
  followUpEffort: number,
  rng: Random,
): Interview[] {
  const interviews: Interview[] = [];
  const intake = intakeAnswers(client, rng);
  interviews.push(
    rng.chance(0.97)
      ? { timepoint: 'intake', day: admissionDay + (rng.chance(0.8) ? 0 : rng.int(1, 3)), status: 'completed', answers: intake }
      : { timepoint: 'intake', day: admissionDay, status: 'refused' },
  );

  const finishedWell = POSITIVE_ENDINGS.has(trajectory.fate);
  if (trajectory.dischargeDay !== undefined) {
    const day = admissionDay + trajectory.dischargeDay;
    const status = dischargeInterviewStatus(trajectory, rng);
    interviews.push({ timepoint: 'discharge', day, status, answers: status === 'completed' ? followedAnswers(intake, u, finishedWell, 0.5, rng) : undefined });
  }

  // Some programs never attempt a follow-up for a few clients (lost paperwork, staff turnover).
  if (trajectory.fate !== 'died' && rng.chance(0.96)) {
    const target = addMonths(admissionDay, 6);
    const outsideWindow = rng.chance(0.05);
    const day = outsideWindow
      ? rng.chance(0.5)
        ? addMonths(admissionDay, 4) + rng.int(5, 25)
        : addMonths(admissionDay, 8) + rng.int(3, 40)
      : Math.min(addMonths(admissionDay, 8), Math.max(addMonths(admissionDay, 5), target + Math.round(rng.normal(4, 14))));
    const reached = rng.chance(logistic(1.0 + 0.45 * u + (finishedWell ? 0.6 : 0) + followUpEffort));
    const status: InterviewStatus = reached
      ? 'completed'
      : trajectory.fate === 'incarcerated' || rng.chance(0.08)
        ? 'incarcerated'
        : rng.chance(0.02)
          ? 'died'
          : rng.chance(0.25)
            ? 'refused'
            : 'not_located';
    interviews.push({ timepoint: 'six_month', day, status, answers: reached ? followedAnswers(intake, u, finishedWell, 1, rng) : undefined });
  }
  return interviews;
}

function dischargeInterviewStatus(trajectory: Trajectory, rng: Random): InterviewStatus {
  switch (trajectory.fate) {
    case 'completed':
    case 'transferred':
      return rng.chance(0.9) ? 'completed' : 'refused';
    case 'terminated':
      return rng.weighted({ completed: 0.5, refused: 0.3, not_located: 0.2 });
    case 'incarcerated':
      return 'incarcerated';
    case 'died':
      return 'died';
    default:
      return rng.weighted({ not_located: 0.8, completed: 0.1, refused: 0.1 });
  }
}

function intakeAnswers(client: ClientProfile, rng: Random): InterviewAnswers {
  // Some arrive abstinent from detox, a residential stay or jail.
  const daysUsedPast30 = rng.chance(0.15) ? 0 : 1 + Math.round(rng.beta(1.3, 1.0) * 29);
  const arrestRate = client.referralSource === 'court_criminal_justice' ? 0.18 : 0.05;
  return {
    daysUsedPast30,
    employedOrInSchool: client.employedAtIntake,
    stablyHoused: client.housedAtIntake,
    socialSupport: client.supportAtIntake,
    arrestsPast30: rng.chance(arrestRate) ? rng.int(1, 2) : 0,
  };
}

/** Later answers: abstinence driven by propensity and completion; circumstances improve or stay. */
function followedAnswers(intake: InterviewAnswers, u: Propensity, finishedWell: boolean, horizon: number, rng: Random): InterviewAnswers {
  const abstinent = rng.chance(logistic(-0.65 + 0.9 * u + (finishedWell ? 0.6 : -0.2) + 0.3 * (1 - horizon)));
  const improve = (had: boolean, gain: number) => had ? !rng.chance(0.08) : rng.chance(gain + 0.08 * u);
  return {
    daysUsedPast30: abstinent ? 0 : 1 + Math.round(rng.beta(1.0, 1.8) * 29),
    employedOrInSchool: improve(intake.employedOrInSchool, 0.3 * horizon),
    stablyHoused: improve(intake.stablyHoused, 0.35 * horizon),
    socialSupport: improve(intake.socialSupport, 0.35),
    arrestsPast30: rng.chance(abstinent ? 0.02 : 0.07) ? 1 : 0,
  };
}
