import { benchmarksFrom, DashboardAccessError, viewerFromClaims } from '../../lambdas/core/dashboard-view';

describe('viewerFromClaims', () => {
  it('should read clinic groups given as text or a list', () => {
    // Act / Assess
    expect(viewerFromClaims({ 'cognito:username': 'dir', 'cognito:groups': '[clinic:b clinic:a]' })).toEqual({ name: 'dir', clinics: ['a', 'b'] });
    expect(viewerFromClaims({ sub: 'u-1', 'cognito:groups': ['clinic:a', 'admins'] })).toEqual({ name: 'u-1', clinics: ['a'] });
  });

  it('should not take a group clinic:all as a clinic: "all" is the reserved network scope', () => {
    // Act / Assess
    expect(viewerFromClaims({ 'cognito:username': 'dir', 'cognito:groups': 'clinic:all,clinic:harbor-view' }).clinics).toEqual(['harbor-view']);
    expect(() => viewerFromClaims({ 'cognito:username': 'dir', 'cognito:groups': 'clinic:all' })).toThrow(DashboardAccessError);
    expect(() => viewerFromClaims({ 'cognito:username': 'dir', 'cognito:groups': 'clinic:all' })).toThrow(/belongs to no clinic group/);
  });
});

describe('benchmarksFrom', () => {
  it('should read the TEDS figures from the network rows of completion, whatever the viewed clinic has', () => {
    // Prepare: completion.sql rows (only the network scope has a reason without discharges)
    const metrics = {
      completion: [
        { scope: 'all', reason: 'all', teds_share: 1, teds_median_los_days: 41 },
        { scope: 'all', reason: 'completed', teds_share: 0.377, teds_median_los_days: 50 },
        { scope: 'all', reason: 'died', teds_share: null, teds_median_los_days: null },
        { scope: 'clinic-a', reason: 'completed', teds_share: 0.5, teds_median_los_days: 7 },
      ],
    };

    // Act
    const benchmarks = benchmarksFrom({ metrics });

    // Assess
    expect(benchmarks.dischargeShares).toEqual({ all: 1, completed: 0.377 });
    expect(benchmarks.medianLengthOfStayDays).toEqual({ all: 41, completed: 50 });
    expect(benchmarks.source).toMatch(/TEDS-D 2004/);
  });

  it('should give no figures, rather than invented ones, when completion did not run', () => {
    // Act / Assess
    expect(benchmarksFrom({ metrics: {} })).toMatchObject({ dischargeShares: {}, medianLengthOfStayDays: {} });
  });
});
