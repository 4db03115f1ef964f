import { createSqlHarness, type SqlHarness } from '../support/sql-harness';

describe('views/episodes.sql', () => {
  let harness: SqlHarness;
  beforeAll(async () => {
    harness = await createSqlHarness();
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(async () => {
    await harness.clear();
  });

  const episodes = () => harness.sql('SELECT clinic_id, episode_id, admission_date, discharge_date, discharge_reason FROM episodes ORDER BY clinic_id, episode_id');

  it('should keep the same episode id at two clinics as two episodes', async () => {
    await harness.addEpisode({ episodeId: 'e1', clinicId: 'clinic-a', admissionDate: '2026-01-31' });
    await harness.addEpisode({ episodeId: 'e1', clinicId: 'clinic-b', admissionDate: '2026-02-28', discharge: { date: '2026-03-31', reason: 'transferred' } });
    expect(await episodes()).toEqual([
      { clinic_id: 'clinic-a', episode_id: 'e1', admission_date: '2026-01-31', discharge_date: null, discharge_reason: null },
      { clinic_id: 'clinic-b', episode_id: 'e1', admission_date: '2026-02-28', discharge_date: '2026-03-31', discharge_reason: 'transferred' },
    ]);
  });

  it('should take the discharge received last when a clinic sent two under different event ids', async () => {
    await harness.addEpisode({ episodeId: 'e1', admissionDate: '2026-01-01' });
    await harness.insert('discharges', [
      { event_id: 'd-2', episode_id: 'e1', discharge_date: '2026-02-10', reason: 'dropped_out', received_at: '2026-02-11 09:00:00' },
      { event_id: 'd-1', episode_id: 'e1', discharge_date: '2026-02-01', reason: 'completed', received_at: '2026-02-02 09:00:00' },
    ]);
    expect(await episodes()).toEqual([{ clinic_id: 'clinic-a', episode_id: 'e1', admission_date: '2026-01-01', discharge_date: '2026-02-10', discharge_reason: 'dropped_out' }]);
  });

  it('should read a discharge dated before its admission as a same-day discharge and ignore a discharge without an enrollment', async () => {
    await harness.addEpisode({ episodeId: 'typo', admissionDate: '2026-03-10', discharge: { date: '2026-03-01', reason: 'other' } });
    await harness.insert('discharges', [{ episode_id: 'orphan', discharge_date: '2026-03-05', reason: 'completed' }]);
    expect(await episodes()).toEqual([{ clinic_id: 'clinic-a', episode_id: 'typo', admission_date: '2026-03-10', discharge_date: '2026-03-10', discharge_reason: 'other' }]);
  });
});
