import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventDate, eventSchema, type ClinicEvent } from '../../../lambdas/core/event-schema';
import { ndjsonLine } from '../../../cli/formats/ndjson';
import { cohortClinicIds, cohortLines, generateCohort, toWireLine, writeCohort, type GeneratedLine, type GenerateOptions } from '../../../cli/synthetic/emit';
import { finalState } from './final-state';

const AS_OF = '2026-06-30';
const small: GenerateOptions = { seed: 42, clinics: 3, admissions: 150, months: 12, asOf: AS_OF, clean: false };

function serialise(options: GenerateOptions): string[] {
  return [...cohortLines(options)].map((line) => ndjsonLine(toWireLine(line)));
}

describe('synthetic cohort generator', () => {
  let lines: GeneratedLine[];
  const workDir = mkdtempSync(join(tmpdir(), 'iop-generate-'));

  beforeAll(() => {
    lines = [...cohortLines(small)];
  });

  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('should give byte-identical files for the same seed and options, and a different cohort for another seed', async () => {
    // Prepare
    const first = join(workDir, 'first.csv');
    const second = join(workDir, 'second.csv');

    // Act
    await writeCohort(small, first);
    await writeCohort(small, second);
    const otherSeed = serialise({ ...small, seed: 43 });

    // Assess
    expect(readFileSync(first).equals(readFileSync(second))).toBe(true);
    expect(readFileSync(first, 'utf8').split('\n')[0]).toMatch(/^type,eventId,version,clinicId/);
    expect(otherSeed).not.toEqual(serialise(small));
  });

  it('should yield the same lines from the async iterable as from the generator', async () => {
    // Prepare
    const expected = lines.map((line) => ndjsonLine(toWireLine(line)));
    const received: string[] = [];

    // Act
    for await (const line of generateCohort(small)) received.push(ndjsonLine(toWireLine(line)));

    // Assess
    expect(received).toEqual(expected);
  });

  it('should generate thousands of events that all pass the event contract, none dated after the as-of date', () => {
    // Prepare
    const valid = lines.filter((line) => line.kind === 'event' && line.role !== 'invalid');
    const problems: string[] = [];

    // Act
    for (const line of valid) {
      if (line.kind !== 'event') continue;
      const parsed = eventSchema.safeParse(line.event);
      if (!parsed.success) problems.push(`${line.event.eventId}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`);
      else if (eventDate(parsed.data as ClinicEvent) > AS_OF) problems.push(`${line.event.eventId} is dated after ${AS_OF}`);
    }

    // Assess
    expect(valid.length).toBeGreaterThan(5000);
    expect(problems).toEqual([]);
  });

  it('should include a handful of invalid events, each rejected by the contract', () => {
    // Prepare
    const invalid = lines.filter((line) => line.kind === 'event' && line.role === 'invalid');

    // Act
    const accepted = invalid.filter((line) => line.kind === 'event' && eventSchema.safeParse(line.event).success);

    // Assess
    expect(invalid.length).toBeGreaterThanOrEqual(5);
    expect(accepted).toEqual([]);
  });

  it('should send the feed messiness: duplicates, corrections after their first version, late events and retractions after the retracted event', () => {
    // Prepare
    const position = new Map<string, number>();
    lines.forEach((line, index) => {
      if (line.kind === 'event' && !position.has(`${line.event.eventId}@${line.event.version}`)) position.set(`${line.event.eventId}@${line.event.version}`, index);
    });
    const events = lines.filter((line) => line.kind === 'event');
    const retractions = lines.flatMap((line, index) => (line.kind === 'retract' ? [{ line, index }] : []));

    // Act
    const corrections = events.filter((line) => line.kind === 'event' && line.event.version === 2);
    const correctedLater = corrections.every((line) => line.kind === 'event' && (position.get(`${line.event.eventId}@1`) ?? Infinity) < (position.get(`${line.event.eventId}@2`) ?? -1));
    const retractedLater = retractions.every(({ line, index }) => (position.get(`${line.eventId}@1`) ?? Infinity) < index);

    // Assess
    expect(events.filter((line) => line.kind === 'event' && line.role === 'duplicate').length).toBeGreaterThan(5);
    expect(events.filter((line) => line.kind === 'event' && line.late).length).toBeGreaterThan(10);
    expect(corrections.length).toBeGreaterThan(5);
    expect(correctedLater).toBe(true);
    expect(retractions.length).toBeGreaterThanOrEqual(2);
    expect(retractedLater).toBe(true);
  });

  it('should leave exactly the true facts once latest versions win and retractions are applied', () => {
    // Prepare
    const facts = lines.flatMap((line) => (line.kind === 'event' && line.role === 'fact' ? [line.event] : []));

    // Act
    const state = finalState(lines);

    // Assess
    const key = (event: { clinicId: string; eventId: string }) => `${event.clinicId}/${event.eventId}`;
    expect(new Set(facts.map(key)).size).toBe(facts.length);
    expect(new Map(state.map((event) => [key(event), event]))).toEqual(new Map(facts.map((event) => [key(event), event])));
  });

  it('should name the clinics up front exactly as the events use them', () => {
    // Prepare
    const used = new Set(lines.flatMap((line) => (line.kind === 'event' ? [String(line.event.clinicId)] : [])));

    // Act
    const named = cohortClinicIds(small.seed, small.clinics);

    // Assess
    expect(new Set(named)).toEqual(used);
  });

  it('should test each client with the panel of their primary substance, MOUD medication flagged as prescribed', () => {
    // Prepare
    const substanceOf = new Map<string, string>();
    const panels = new Map<string, Set<string>>();
    let prescribed = 0;

    // Act
    for (const line of lines) {
      if (line.kind !== 'event' || line.role === 'invalid') continue;
      const event = line.event;
      if (event.type === 'enrollment') substanceOf.set(`${event.clinicId}/${event.episodeId}`, event.primarySubstance);
      if (event.type === 'drug_test' && event.results) {
        const substance = substanceOf.get(`${event.clinicId}/${event.episodeId}`) ?? '?';
        const panel = panels.get(substance) ?? new Set();
        event.results.forEach((entry) => panel.add(entry.substance));
        panels.set(substance, panel);
        prescribed += event.results.filter((entry) => entry.prescribed && ['buprenorphine', 'methadone'].includes(entry.substance)).length;
      }
    }

    // Assess
    expect([...(panels.get('opioids') ?? [])]).toEqual(expect.arrayContaining(['opioids', 'fentanyl', 'buprenorphine', 'methadone']));
    expect([...(panels.get('alcohol') ?? [])]).toContain('alcohol');
    expect([...(panels.get('alcohol') ?? [])]).not.toContain('fentanyl');
    expect(prescribed).toBeGreaterThan(20);
  });

  it('should set, complete, revise and abandon goals in every domain family, completions after they were set', () => {
    // Prepare
    const setOn = new Map<string, string>();
    const actions = new Set<string>();
    const domains = new Set<string>();
    const completedBeforeSet: string[] = [];

    // Act
    for (const line of lines) {
      if (line.kind !== 'event' || line.role !== 'fact' || line.event.type !== 'goal') continue;
      const goal = line.event;
      actions.add(goal.action);
      domains.add(goal.domain);
      if (goal.action === 'set') setOn.set(goal.goalId, goal.actionDate);
      if (goal.action === 'completed' && !(goal.actionDate > (setOn.get(goal.goalId) ?? '9999'))) completedBeforeSet.push(goal.goalId);
    }

    // Assess
    expect([...actions].sort()).toEqual(['abandoned', 'completed', 'revised', 'set']);
    expect([...domains]).toEqual(expect.arrayContaining(['sobriety', 'employment', 'housing', 'legal', 'health', 'family']));
    expect(completedBeforeSet).toEqual([]);
  });

  it('should record follow-up interviews that were completed, missed and outside the window', () => {
    // Prepare
    const statuses = new Set<string>();
    let outsideWindow = 0;
    const admission = new Map<string, string>();

    // Act
    for (const line of cohortLines({ ...small, admissions: 600, months: 18, clean: true })) {
      if (line.kind !== 'event' || line.role === 'invalid') continue;
      const event = line.event;
      if (event.type === 'enrollment') admission.set(event.episodeId + event.clinicId, event.admissionDate);
      if (event.type !== 'assessment' || event.timepoint !== 'six_month') continue;
      statuses.add(event.status);
      const admitted = new Date(`${admission.get(event.episodeId + event.clinicId)}T00:00:00Z`);
      const months = (Date.parse(`${event.interviewDate}T00:00:00Z`) - admitted.getTime()) / (30.44 * 86_400_000);
      if (months < 5 || months > 8.05) outsideWindow += 1;
    }

    // Assess
    expect([...statuses]).toEqual(expect.arrayContaining(['completed', 'not_located', 'refused', 'incarcerated']));
    expect(outsideWindow).toBeGreaterThan(0);
  });

  it('should produce no messiness at all with clean', () => {
    // Prepare
    const clean = { ...small, clean: true };

    // Act
    const roles = new Set([...cohortLines(clean)].map((line) => (line.kind === 'event' ? line.role : 'retract')));

    // Assess
    expect([...roles]).toEqual(['fact']);
  });

  it('should give re-admitted clients a second episode under the same clientId', () => {
    // Prepare
    const episodesByClient = new Map<string, Set<string>>();

    // Act
    for (const line of cohortLines({ ...small, admissions: 1500, months: 18, clean: true })) {
      if (line.kind !== 'event' || line.event.type !== 'enrollment') continue;
      const key = `${line.event.clinicId}/${line.event.clientId}`;
      episodesByClient.set(key, (episodesByClient.get(key) ?? new Set()).add(String(line.event.episodeId)));
    }

    // Assess
    const readmitted = [...episodesByClient.values()].filter((episodes) => episodes.size > 1).length;
    expect(readmitted).toBeGreaterThan(0);
    expect(readmitted / episodesByClient.size).toBeLessThan(0.05);
    expect([...episodesByClient.keys()].every((key) => /\/C-\d{6}$/.test(key))).toBe(true);
  });

  it('should refuse options that cannot make a valid cohort, naming the option', () => {
    // Prepare
    const bad: GenerateOptions[] = [
      { ...small, admissions: 0 },
      { ...small, asOf: '2026-02-30' },
      { ...small, months: 400 },
    ];

    // Act
    const messages = bad.map((options) => {
      try {
        cohortLines(options).next();
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    });

    // Assess
    expect(messages[0]).toContain('admissions must be a whole number');
    expect(messages[1]).toContain('"2026-02-30" is not a calendar date');
    expect(messages[2]).toContain('months must be a whole number');
  });
});
