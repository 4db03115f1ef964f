/**
 * What real clinic feeds look like on the wire: duplicate sends, corrections (the
 * same eventId again with a higher version), late-arriving events, an entry made
 * twice and later retracted, and a handful of invalid events the API must reject.
 * Everything that is re-sent later waits in a small delay line measured in
 * episodes, so memory stays bounded whatever the cohort size.
 */
import type { GeneratedEvent } from './episode';
import type { Random } from './random';

/**
 * `fact`: the event's final true content (what the metrics must see); `superseded`: a first
 * version later corrected; `duplicate`: a re-send of a fact; `retracted`: an entry made in
 * error and later deleted; `invalid`: must be rejected by the API.
 */
export type LineRole = 'fact' | 'superseded' | 'duplicate' | 'retracted' | 'invalid';

export type InvalidEvent = Record<string, unknown> & { eventId: string; clinicId: string; type: string };

export type GeneratedLine =
  | { kind: 'event'; role: Exclude<LineRole, 'invalid'>; event: GeneratedEvent; late: boolean }
  | { kind: 'event'; role: 'invalid'; event: InvalidEvent; late: false; defect: string }
  | { kind: 'retract'; clinicId: string; eventId: string };

/** Per-event rates of each kind of mess (one kind at most per event). */
const LATE_RATE = 0.01;
const DUPLICATE_RATE = 0.005;
const CORRECTION_RATE = 0.01;
/** Per-episode rates. */
const RETRACTION_RATE = 0.003;
const INVALID_RATE = 0.0005;
/** Re-sends and late events arrive within this many episodes of the original. */
const MAX_DELAY_EPISODES = 25;
/** Episodes (0-based) that always carry one invalid event of each kind, so even small cohorts have a handful. */
const GUARANTEED_INVALID_AT = [2, 5, 9, 14, 20, 27];
const GUARANTEED_RETRACTION_AT = [1, 40];

interface Delayed {
  releaseAt: number;
  line: GeneratedLine;
}

export class Messiness {
  private readonly delayed: Delayed[] = [];
  private invalidCount = 0;

  constructor(
    private readonly rng: Random,
    private readonly enabled: boolean,
  ) {}

  /** Lines waiting to be re-sent; bounded by the delay window, not by the cohort. */
  get buffered(): number {
    return this.delayed.length;
  }

  /** The wire lines of one episode, followed by earlier lines now due. */
  *episodeLines(episodeIndex: number, events: readonly GeneratedEvent[]): Generator<GeneratedLine> {
    if (!this.enabled) {
      for (const event of events) yield { kind: 'event', role: 'fact', event, late: false };
      return;
    }
    const rng = this.rng.fork('episode', episodeIndex);
    const later = (line: GeneratedLine) =>
      this.delayed.push({ releaseAt: episodeIndex + rng.int(1, MAX_DELAY_EPISODES), line });

    for (const event of events) {
      const roll = rng.next();
      if (roll < LATE_RATE) {
        later({ kind: 'event', role: 'fact', event, late: true });
      } else if (roll < LATE_RATE + DUPLICATE_RATE) {
        yield { kind: 'event', role: 'fact', event, late: false };
        const copy: GeneratedLine = { kind: 'event', role: 'duplicate', event, late: false };
        if (rng.chance(0.3)) yield copy; // a double click: the same event twice in one export
        else later(copy);
      } else if (roll < LATE_RATE + DUPLICATE_RATE + CORRECTION_RATE && firstVersion(event)) {
        yield { kind: 'event', role: 'superseded', event: firstVersion(event) as GeneratedEvent, late: false };
        later({ kind: 'event', role: 'fact', event: { ...event, version: 2 }, late: false });
      } else {
        yield { kind: 'event', role: 'fact', event, late: false };
      }
    }

    const doubleEntry = events.find((event) => event.type === 'attendance' && event.status === 'attended');
    if (doubleEntry && (GUARANTEED_RETRACTION_AT.includes(episodeIndex) || rng.chance(RETRACTION_RATE))) {
      // The same session keyed in twice under a second id; the clinic deletes the copy later.
      const copy = { ...doubleEntry, eventId: `${doubleEntry.eventId}-x` };
      yield { kind: 'event', role: 'retracted', event: copy, late: false };
      later({ kind: 'retract', clinicId: copy.clinicId, eventId: copy.eventId });
    }

    const enrollment = events.find((event) => event.type === 'enrollment');
    const guaranteed = GUARANTEED_INVALID_AT.indexOf(episodeIndex);
    if (enrollment && (guaranteed >= 0 || rng.chance(INVALID_RATE))) {
      const kind = guaranteed >= 0 ? guaranteed : rng.int(0, INVALID_KINDS.length - 1);
      this.invalidCount += 1;
      yield invalidEvent(enrollment, kind, this.invalidCount);
    }

    yield* this.release(episodeIndex);
  }

  /** Everything still waiting, at the end of the cohort. */
  *drain(): Generator<GeneratedLine> {
    yield* this.release(Number.POSITIVE_INFINITY);
  }

  private *release(upTo: number): Generator<GeneratedLine> {
    let kept = 0;
    const due: GeneratedLine[] = [];
    for (const entry of this.delayed) {
      if (entry.releaseAt <= upTo) due.push(entry.line);
      else this.delayed[kept++] = entry;
    }
    this.delayed.length = kept;
    yield* due;
  }
}

/** A plausible wrong first version of an event, or undefined when this kind is not corrected. */
function firstVersion(event: GeneratedEvent): GeneratedEvent | undefined {
  switch (event.type) {
    case 'attendance':
      // Marked absent before the group note was finished.
      return event.status === 'attended' ? { ...event, status: 'no_show', attendedMinutes: 0 } : undefined;
    case 'drug_test':
      // Point-of-care cup read as inconclusive; the lab confirmation corrects it.
      return event.status === 'collected' && event.results?.length
        ? { ...event, results: [{ substance: event.results[0].substance, result: 'inconclusive' }, ...event.results.slice(1)] }
        : undefined;
    case 'discharge':
      return { ...event, reason: event.reason === 'other' ? 'dropped_out' : 'other' };
    default:
      return undefined;
  }
}

type EnrollmentEvent = Extract<GeneratedEvent, { type: 'enrollment' }>;

/** The mistakes real exports make; each must be rejected naming the field. */
const INVALID_KINDS: { defect: string; build: (base: Record<string, unknown>, enrollment: EnrollmentEvent) => Record<string, unknown> }[] = [
  {
    defect: 'attendedMinutes above the 600-minute limit (hours typed as minutes)',
    build: (base, enrollment) => ({ ...base, type: 'attendance', sessionDate: enrollment.admissionDate, sessionType: 'group', status: 'attended', scheduledMinutes: 180, attendedMinutes: 900 }),
  },
  {
    defect: 'scheduledDate is not a calendar date (30 February)',
    build: (base, enrollment) => ({ ...base, type: 'drug_test', scheduledDate: `${enrollment.admissionDate.slice(0, 4)}-02-30`, status: 'missed', random: true }),
  },
  {
    defect: 'admissionDate in the future (year typed wrong)',
    build: (base, enrollment) => ({
      ...enrollment,
      ...base,
      admissionDate: `${Number(enrollment.admissionDate.slice(0, 4)) + 40}${enrollment.admissionDate.slice(4)}`,
    }),
  },
  {
    defect: 'collected drug test without results',
    build: (base, enrollment) => ({ ...base, type: 'drug_test', scheduledDate: enrollment.admissionDate, collectedDate: enrollment.admissionDate, status: 'collected', random: false }),
  },
  {
    defect: 'attendance status outside the code list',
    build: (base, enrollment) => ({ ...base, type: 'attendance', sessionDate: enrollment.admissionDate, sessionType: 'individual', status: 'present', scheduledMinutes: 60, attendedMinutes: 60 }),
  },
  {
    defect: 'completed interview without its answers',
    build: (base, enrollment) => ({ ...base, type: 'assessment', timepoint: 'intake', interviewDate: enrollment.admissionDate, status: 'completed', employedOrInSchool: true, stablyHoused: true, socialSupport: false, arrestsPast30: 0 }),
  },
];

function invalidEvent(enrollment: EnrollmentEvent, kind: number, sequence: number): GeneratedLine {
  const base = {
    eventId: `${enrollment.clinicId}-${enrollment.episodeId}-bad-${sequence}`,
    version: 1,
    clinicId: enrollment.clinicId,
    clientId: enrollment.clientId,
    episodeId: enrollment.episodeId,
  };
  const { defect, build } = INVALID_KINDS[kind];
  return { kind: 'event', role: 'invalid', event: build(base, enrollment) as InvalidEvent, late: false, defect };
}
