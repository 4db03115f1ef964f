import { mapLimit } from '../../lambdas/core/map-limit';

describe('mapLimit', () => {
  it('keeps input order and never has more than the limit in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimit([5, 1, 4, 2, 3], 2, async (value) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, value));
      inFlight -= 1;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('starts nothing after a failure and throws the first error once the running items settle', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = mapLimit([1, 2, 3, 4, 5, 6], 2, async (value) => {
      started.push(value);
      await new Promise((resolve) => setTimeout(resolve, value === 1 ? 1 : 20));
      settled += 1;
      if (value === 1) throw new Error('first failed');
      return value;
    });
    await expect(run).rejects.toThrow('first failed');
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(2);
  });

  it('returns an empty list for no items', async () => {
    await expect(mapLimit([], 4, async () => 1)).resolves.toEqual([]);
  });
});
