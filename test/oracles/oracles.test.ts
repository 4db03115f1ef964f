import { wilsonInterval } from './wilson';
import { kaplanMeier } from './kaplan-meier';
import { aalenJohansen } from './aalen-johansen';
import { quantile7 } from './episode-outcomes';

const round4 = (value: number | undefined) => Number(value?.toFixed(4));

describe('statistical oracles against published values', () => {
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('should reproduce Newcombe 1998 Table I Wilson interval for %i/%i', (successes, trials, lower, upper) => {
    const interval = wilsonInterval(successes, trials);
    expect(round4(interval?.lower)).toBe(lower);
    expect(round4(interval?.upper)).toBe(upper);
  });

  it('should return no Wilson interval for zero trials', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('should reproduce the Bewick, Cheek & Ball 2004 Kaplan–Meier table', () => {
    // Prepare: times 1, 1, 4, 5, 6+, 9, 9+, 22
    const observations = [1, 1, 4, 5, -6, 9, -9, 22].map((value) => ({ time: Math.abs(value), event: value > 0 }));

    // Act
    const curve = kaplanMeier(observations);

    // Assess
    const eventRows = curve.filter((point) => point.events > 0).map((point) => [point.day, point.atRisk, point.events, Number(point.estimate.toFixed(3))]);
    expect(eventRows).toEqual([
      [1, 8, 2, 0.75],
      [4, 6, 1, 0.625],
      [5, 5, 1, 0.5],
      [9, 3, 1, 0.333],
      [22, 1, 1, 0],
    ]);
  });

  it('should give Aalen–Johansen equal to Kaplan–Meier, variance included, when nothing competes', () => {
    const times = [1, 1, 4, 5, -6, 9, -9, 22];
    const km = kaplanMeier(times.map((value) => ({ time: Math.abs(value), event: value > 0 })));
    const aj = aalenJohansen(times.map((value) => ({ time: Math.abs(value), status: value > 0 ? ('cause' as const) : ('censored' as const) })));
    aj.forEach((point, index) => {
      expect(point.complement).toBeCloseTo(km[index].estimate, 12);
      if (km[index].se !== null) expect(Math.sqrt(point.variance)).toBeCloseTo(km[index].se as number, 12);
    });
  });

  it('should count a competing end as neither dropout nor censoring', () => {
    // Prepare: 4 episodes; one completes at 2, one drops out at 3, two censored at 5.
    const aj = aalenJohansen([
      { time: 2, status: 'competing' },
      { time: 3, status: 'cause' },
      { time: 5, status: 'censored' },
      { time: 5, status: 'censored' },
    ]);
    // Assess: after the completion 3 remain; the dropout takes 1/3 of the surviving 3/4.
    expect(aj.map((point) => point.incidence)).toEqual([0, 0.25, 0.25]);
  });

  it('should interpolate quantiles like R type 7', () => {
    expect(quantile7([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile7([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile7([7], 0.75)).toBe(7);
    expect(quantile7([], 0.5)).toBeNull();
  });
});
