/**
 * One client's episode as contract events: enrollment, every scheduled session
 * and drug test, goals, discharge and interviews, in date order, none dated after
 * the as-of date. The draws live in trajectory/sessions/drug-tests/goals/interviews;
 * this module only turns them into events with stable ids.
 */
import type { ClinicEventInput } from '../../lambdas/core/event-schema';
import { isoOf, type DayNumber } from './calendar';
import type { ClientProfile } from './client';
import type { ClinicProfile, ProgramProfile } from './clinics';
import { drawDrugTests, drawMedication } from './drug-tests';
import { drawGoals } from './goals';
import { drawInterviews } from './interviews';
import type { Random } from './random';
import { drawSessions } from './sessions';
import { drawTrajectory, type Trajectory } from './trajectory';

/** A generated event: contract input with the version always written out. */
export type GeneratedEvent = ClinicEventInput & { version: number };

export interface EpisodeInput {
  clinic: ClinicProfile;
  program: ProgramProfile;
  client: ClientProfile;
  episodeId: string;
  admissionDay: DayNumber;
  asOfDay: DayNumber;
  rng: Random;
}

export interface Episode {
  events: GeneratedEvent[];
  /** The drawn truth, for re-admission planning and tests (never emitted). */
  trajectory: Trajectory;
}

const TYPE_ORDER = { enrollment: 0, assessment: 1, attendance: 2, drug_test: 3, goal: 4, discharge: 5 } as const;

export function buildEpisode(input: EpisodeInput): Episode {
  const { clinic, program, client, episodeId, admissionDay, asOfDay, rng } = input;
  const u = client.propensity + clinic.retentionEffect + program.retentionEffect;
  const planned = drawTrajectory(u, program.plannedWeeks, rng.fork('trajectory'));
  const { sessions, trajectory } = drawSessions(program, admissionDay, planned, u, rng.fork('sessions'));
  const medication = drawMedication(client, program.track, rng.fork('medication'));
  const tests = drawDrugTests(client, medication, sessions, trajectory, u, rng.fork('tests'));
  const goals = drawGoals(client, trajectory, u, rng.fork('goals'));
  const interviews = drawInterviews(client, trajectory, u, admissionDay, clinic.followUpEffort, rng.fork('interviews'));

  const common = (suffix: string) => ({
    eventId: `${clinic.clinicId}-${episodeId}-${suffix}`,
    version: 1,
    clinicId: clinic.clinicId,
    clientId: client.clientId,
    episodeId,
  });
  const dated: { day: DayNumber; event: GeneratedEvent }[] = [];
  const add = (day: DayNumber, event: GeneratedEvent) => {
    if (day <= asOfDay) dated.push({ day, event });
  };

  add(admissionDay, {
    type: 'enrollment',
    ...common('enr'),
    admissionDate: isoOf(admissionDay),
    programId: program.programId,
    levelOfCare: '2.1',
    primarySubstance: client.primarySubstance,
    referralSource: client.referralSource,
    birthYear: client.birthYear,
    sex: client.sex,
  });
  sessions.forEach((session, index) => {
    add(admissionDay + session.day, {
      type: 'attendance',
      ...common(`att-${index + 1}`),
      sessionDate: isoOf(admissionDay + session.day),
      sessionType: session.sessionType,
      status: session.status,
      scheduledMinutes: session.scheduledMinutes,
      attendedMinutes: session.attendedMinutes,
    });
  });
  tests.forEach((test, index) => {
    const date = isoOf(admissionDay + test.day);
    add(admissionDay + test.day, {
      type: 'drug_test',
      ...common(`uds-${index + 1}`),
      scheduledDate: date,
      ...(test.status === 'collected' ? { collectedDate: date } : {}),
      status: test.status,
      random: test.random,
      ...(test.results ? { results: test.results } : {}),
    });
  });
  goals.forEach((step, index) => {
    add(admissionDay + step.day, {
      type: 'goal',
      ...common(`goal-${index + 1}`),
      goalId: `${episodeId}-g${step.goalNumber}`,
      action: step.action,
      domain: step.domain,
      actionDate: isoOf(admissionDay + step.day),
      ...(step.targetDay !== undefined ? { targetDate: isoOf(admissionDay + step.targetDay) } : {}),
    });
  });
  if (trajectory.dischargeDay !== undefined && trajectory.fate !== 'silent') {
    add(admissionDay + trajectory.dischargeDay, {
      type: 'discharge',
      ...common('dis'),
      dischargeDate: isoOf(admissionDay + trajectory.dischargeDay),
      reason: trajectory.fate,
    });
  }
  for (const interview of interviews) {
    const suffix = interview.timepoint === 'six_month' ? 'asm-6m' : `asm-${interview.timepoint}`;
    add(interview.day, {
      type: 'assessment',
      ...common(suffix),
      timepoint: interview.timepoint,
      interviewDate: isoOf(interview.day),
      status: interview.status,
      ...(interview.answers ?? {}),
    });
  }
  dated.sort((left, right) => left.day - right.day || TYPE_ORDER[left.event.type] - TYPE_ORDER[right.event.type]);
  return { events: dated.map((entry) => entry.event), trajectory };
}
