import { formatBytes, formatSize, growthPerTenfold, median, parseSize, parseSizes, ratio } from '../../bench/measure';
import { sameRows } from '../../bench/bytes-read';
import { parseReadyLine } from '../../bench/demo-wall';

describe('benchmark arithmetic', () => {
  it('should give 10 per tenfold for linear growth, 1 for constant cost and 100 for quadratic', () => {
    // Prepare
    const sizes = [100_000, 1_000_000] as const;

    // Act
    const linear = growthPerTenfold(sizes[0], 2, sizes[1], 20);
    const constant = growthPerTenfold(sizes[0], 5, sizes[1], 5);
    const quadratic = growthPerTenfold(sizes[0], 1, sizes[1], 100);

    // Assess
    expect(linear).toBeCloseTo(10, 10);
    expect(constant).toBeCloseTo(1, 10);
    expect(quadratic).toBeCloseTo(100, 10);
  });

  it('should scale growth to a tenfold step when sizes are not exactly ten times apart', () => {
    // Prepare: cost proportional to size over a 4x step.

    // Act
    const growth = growthPerTenfold(250_000, 3, 1_000_000, 12);

    // Assess
    expect(growth).toBeCloseTo(10, 10);
  });

  it('should refuse sizes that do not increase and baselines that are not positive', () => {
    // Prepare, Act, Assess
    expect(() => growthPerTenfold(10, 1, 10, 2)).toThrow(/increasing/);
    expect(() => ratio(5, 0)).toThrow(/baseline must be a positive number/);
    expect(ratio(30, 10)).toBe(3);
  });

  it('should take the middle value, or the mean of the two middle values', () => {
    // Prepare, Act, Assess
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it('should read sizes with k and M suffixes, sorted and without repeats', () => {
    // Prepare, Act, Assess
    expect(parseSize('100k')).toBe(100_000);
    expect(parseSize('1M')).toBe(1_000_000);
    expect(parseSize('2.5k')).toBe(2_500);
    expect(parseSizes('10M,100k,1M,100k')).toEqual([100_000, 1_000_000, 10_000_000]);
    expect(() => parseSize('ten')).toThrow(/k or M suffix/);
    expect(() => parseSizes(',')).toThrow(/no sizes/);
  });

  it('should print sizes and bytes the way the tables show them', () => {
    // Prepare, Act, Assess
    expect([formatSize(100_000), formatSize(1_000_000), formatSize(2_500), formatSize(999)]).toEqual(['100k', '1M', '2.5k', '999']);
    expect([formatBytes(512), formatBytes(512_600), formatBytes(1_500_000)]).toEqual(['512 B', '512.6 kB', '1.5 MB']);
  });
});

describe('sameRows', () => {
  it('should accept doubles that differ only by summation order and refuse any other difference', () => {
    // Prepare
    const parquet = [{ clinic_id: 'c1', clients: 12, rate: 0.3573188897159488 }];
    const reordered = [{ clinic_id: 'c1', clients: 12, rate: 0.3573188897159487 }];
    const otherCount = [{ clinic_id: 'c1', clients: 13, rate: 0.3573188897159488 }];
    const otherRate = [{ clinic_id: 'c1', clients: 12, rate: 0.3573 }];

    // Act, Assess
    expect(sameRows(parquet, reordered)).toBe(true);
    expect(sameRows(parquet, otherCount)).toBe(false);
    expect(sameRows(parquet, otherRate)).toBe(false);
    expect(sameRows(parquet, [])).toBe(false);
  });
});

describe('parseReadyLine', () => {
  it('should read the total and every step of the demo summary line', () => {
    // Prepare
    const output = 'Dashboard http://127.0.0.1:3001\nReady in 52 s (start 5.1 s, generate 2.0 s, ingest 30.2 s, lake 4.0 s, refresh 8.3 s, report 1.5 s, summary 0.4 s).\n';

    // Act
    const ready = parseReadyLine(output);

    // Assess
    expect(ready.readySeconds).toBe(52);
    expect(ready.steps).toEqual([
      { step: 'start', seconds: 5.1 },
      { step: 'generate', seconds: 2 },
      { step: 'ingest', seconds: 30.2 },
      { step: 'lake', seconds: 4 },
      { step: 'refresh', seconds: 8.3 },
      { step: 'report', seconds: 1.5 },
      { step: 'summary', seconds: 0.4 },
    ]);
  });

  it('should say how to see why when the demo printed no summary line', () => {
    // Prepare, Act, Assess
    expect(() => parseReadyLine('Error: port in use')).toThrow(/npm start -- --fresh --exit/);
  });
});
