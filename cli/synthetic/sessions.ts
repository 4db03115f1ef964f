/**
 * The scheduled sessions of one episode and what happened at each: the program's
 * weekly template from admission to the last scheduled day, attended with a
 * probability that rises with the client's propensity and falls in the weeks
 * before a dropout; after the last attended session only no-shows remain.
 */
import type { ATTENDANCE_STATUSES } from '../../lambdas/core/event-schema';
import { weekdayOf, type DayNumber } from './calendar';
import type { ProgramProfile, SessionType } from './clinics';
import { logistic, type Random } from './random';
import type { Propensity, Trajectory } from './trajectory';

export type AttendanceStatus = (typeof ATTENDANCE_STATUSES)[number];

export interface ScheduledSession {
  /** Days after admission. */
  day: number;
  sessionType: SessionType;
  scheduledMinutes: number;
  status: AttendanceStatus;
  attendedMinutes: number;
}

const INTAKE_SESSION_MINUTES = 60;
const CLINIC_CANCELLATION_RATE = 0.02;
const EXCUSED_SHARE_OF_MISSES = 0.12;
/** Weeks before a dropout in which attendance visibly slips. */
const DISENGAGEMENT_DAYS = 14;

const ENDS_IN_DROPOUT = new Set(['dropped_out', 'terminated', 'other', 'silent', 'incarcerated']);

/**
 * Draws the sessions and snaps the trajectory's last attended day onto a real session day
 * (the returned trajectory is the one every later draw must use).
 */
export function drawSessions(
  program: ProgramProfile,
  admissionDay: DayNumber,
  planned: Trajectory,
  u: Propensity,
  rng: Random,
): { sessions: ScheduledSession[]; trajectory: Trajectory } {
  const schedule = scheduleDays(program, admissionDay, planned.lastScheduledDay, rng);
  const lastAttendedDay = planned.neverAttended || planned.noReturn ? 0 : snapToSession(schedule, planned.lastAttendedDay);
  const ranToTheEnd = planned.lastScheduledDay === planned.lastAttendedDay;
  const lastScheduledDay = ranToTheEnd ? lastAttendedDay : planned.lastScheduledDay;
  const trajectory: Trajectory = {
    ...planned,
    lastAttendedDay,
    lastScheduledDay,
    dischargeDay: planned.dischargeDay === undefined ? undefined : Math.max(planned.dischargeDay - planned.lastAttendedDay + lastAttendedDay, lastScheduledDay),
  };
  const baseRate = logistic(1.55 + 0.55 * u);
  const disengages = ENDS_IN_DROPOUT.has(planned.fate);
  const sessions: ScheduledSession[] = [];
  for (const slot of schedule) {
    if (slot.day > lastScheduledDay) break;
    let status: AttendanceStatus;
    if (slot.day === 0) status = planned.neverAttended ? 'no_show' : 'attended';
    else if (slot.day === lastAttendedDay) status = 'attended';
    else if (rng.chance(CLINIC_CANCELLATION_RATE)) status = 'cancelled_by_clinic';
    else if (slot.day > lastAttendedDay) status = 'no_show';
    else {
      const slipping = disengages && slot.day > lastAttendedDay - DISENGAGEMENT_DAYS ? 0.75 : 1;
      const rate = Math.min(0.97, Math.max(0.35, baseRate * slipping));
      status = rng.chance(rate) ? 'attended' : rng.chance(EXCUSED_SHARE_OF_MISSES) ? 'excused' : 'no_show';
    }
    sessions.push({ ...slot, status, attendedMinutes: status === 'attended' ? attendedMinutes(slot.scheduledMinutes, rng) : 0 });
  }
  return { sessions, trajectory };
}

/** Late arrivals and early leavers are common; a session rarely runs over. */
function attendedMinutes(scheduled: number, rng: Random): number {
  if (rng.chance(0.12)) return Math.max(15, scheduled - rng.int(10, 45));
  if (rng.chance(0.02)) return scheduled + 15;
  return scheduled;
}

function scheduleDays(
  program: ProgramProfile,
  admissionDay: DayNumber,
  lastDay: number,
  rng: Random,
): Omit<ScheduledSession, 'status' | 'attendedMinutes'>[] {
  // Admission day: the intake session (an individual assessment session).
  const days: Omit<ScheduledSession, 'status' | 'attendedMinutes'>[] = [
    { day: 0, sessionType: 'individual', scheduledMinutes: INTAKE_SESSION_MINUTES },
  ];
  // Some clients start their first group a few days after intake (admission → first session latency).
  const firstDay = rng.chance(0.2) ? rng.int(2, 6) : 1;
  for (let day = firstDay; day <= lastDay; day++) {
    const weekday = weekdayOf(admissionDay + day);
    const parity = Math.floor(day / 7) % 2 === 0 ? 'even' : 'odd';
    for (const slot of program.week) {
      if (slot.weekday !== weekday || (slot.weeks && slot.weeks !== parity)) continue;
      days.push({ day, sessionType: slot.sessionType, scheduledMinutes: slot.minutes });
    }
  }
  return days;
}

function snapToSession(schedule: { day: number }[], day: number): number {
  let snapped = 0;
  for (const slot of schedule) {
    if (slot.day > day) break;
    snapped = slot.day;
  }
  return snapped;
}
