import { DashboardAccessError, viewerFromClaims } from '../../lambdas/core/dashboard-view';

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
