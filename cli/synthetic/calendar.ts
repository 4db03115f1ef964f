/**
 * Day arithmetic for the generator. Dates are whole UTC day numbers (days since
 * 1970-01-01) inside the model and ISO `YYYY-MM-DD` strings only at emission.
 */
const DAY_MS = 86_400_000;

export type DayNumber = number;

export function dayOf(isoDate: string): DayNumber {
  const time = Date.parse(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== isoDate) {
    throw new RangeError(`${JSON.stringify(isoDate)} is not a calendar date written YYYY-MM-DD`);
  }
  return Math.round(time / DAY_MS);
}

export function isoOf(day: DayNumber): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Monday … 6 = Sunday (ISO weekday − 1). 1970-01-01 was a Thursday. */
export function weekdayOf(day: DayNumber): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** The same day of the month `months` later (clamped to the month's last day), as GPRA windows count. */
export function addMonths(day: DayNumber, months: number): DayNumber {
  const date = new Date(day * DAY_MS);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Math.round(Date.UTC(year, month, Math.min(date.getUTCDate(), lastDay)) / DAY_MS);
}

export function todayUtc(now: Date = new Date()): DayNumber {
  return Math.floor(now.getTime() / DAY_MS);
}
