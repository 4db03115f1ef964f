import { cohortLines, type GenerateOptions } from '../../../cli/synthetic/emit';

describe('synthetic cohort streaming', () => {
  it('should yield the first events before a second episode is built, even for a million admissions', () => {
    // Prepare
    let built = 0;
    const options: GenerateOptions = {
      seed: 5,
      clinics: 4,
      admissions: 1_000_000,
      months: 18,
      asOf: '2026-06-30',
      clean: false,
      onEpisode: () => {
        built += 1;
      },
    };
    const lines = cohortLines(options);

    // Act
    const first = lines.next();

    // Assess
    expect(first.done).toBe(false);
    expect(built).toBe(1);
  });

  it('should hold only a bounded delay line while streaming 200k events to a counting consumer', () => {
    // Prepare
    let built = 0;
    let maxBuffered = 0;
    let maxLinesPerEpisode = 0;
    let linesSinceEpisode = 0;
    const options: GenerateOptions = {
      seed: 6,
      clinics: 4,
      admissions: 4000,
      months: 18,
      asOf: '2026-06-30',
      clean: false,
      onEpisode: (_index, buffered) => {
        built += 1;
        maxBuffered = Math.max(maxBuffered, buffered);
        maxLinesPerEpisode = Math.max(maxLinesPerEpisode, linesSinceEpisode);
        linesSinceEpisode = 0;
      },
    };
    let events = 0;

    // Act
    for (const line of cohortLines(options)) {
      if (line.kind === 'event') events += 1;
      linesSinceEpisode += 1;
    }

    // Assess: lines leave episode by episode; what waits for re-sending stays small whatever the cohort size.
    expect(events).toBeGreaterThan(200_000);
    expect(built).toBe(4000);
    expect(maxLinesPerEpisode).toBeLessThan(400);
    expect(maxBuffered).toBeLessThan(100);
  });
});
