import { createSqlHarness, type SqlHarness } from '../support/sql-harness';

describe('sql harness', () => {
  let harness: SqlHarness;
  beforeAll(async () => {
    harness = await createSqlHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('should build one episode row per episode from the fixture tables', async () => {
    // Prepare
    await harness.addEpisode({ episodeId: 'e1', admissionDate: '2024-02-29', attended: ['2024-02-29'], discharge: { date: '2024-03-31', reason: 'completed' } });
    await harness.addEpisode({ episodeId: 'e2', admissionDate: '2024-03-01', clinicId: 'clinic-b' });

    // Act
    const rows = await harness.sql('SELECT clinic_id, episode_id, admission_date, discharge_date, discharge_reason FROM episodes ORDER BY episode_id');

    // Assess
    expect(rows).toEqual([
      { clinic_id: 'clinic-a', episode_id: 'e1', admission_date: '2024-02-29', discharge_date: '2024-03-31', discharge_reason: 'completed' },
      { clinic_id: 'clinic-b', episode_id: 'e2', admission_date: '2024-03-01', discharge_date: null, discharge_reason: null },
    ]);
  });

  it('should reject a fixture column the lake does not have', async () => {
    await expect(harness.insert('enrollments', [{ episode_id: 'x', client_id: 'raw' }])).rejects.toThrow(/no column\(s\) client_id/);
  });
});
