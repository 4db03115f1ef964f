import { BACKFILL_CHANGE_SEQ, changeSeq, mapStreamRecord, rowsOfItem } from '../../lambdas/core/change-records';
import { lakeTable } from '../../lambdas/core/lake-columns';
import { drugTest, enrollment, stored, streamRecord } from '../support/lake-fixtures';

describe('mapStreamRecord', () => {
  it('should map an INSERT to one typed row with the change columns first', () => {
    // Prepare
    const item = stored(enrollment());
    const record = streamRecord({ kind: 'INSERT', seq: '4200000000000000000001', time: 1_772_409_599, newItem: item });

    // Act
    const mapped = mapStreamRecord(record);

    // Assess
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(mapped.rows).toHaveLength(1);
    const [row] = mapped.rows;
    expect(row.table).toBe('enrollments');
    expect(row.dt).toBe('2026-03-01');
    expect(Object.keys(row.values)).toEqual(lakeTable('enrollments').columns.map((column) => column.name));
    expect(row.values).toMatchObject({
      change_kind: 'INSERT',
      change_seq: '0000000000000000004200000000000000000001',
      change_time: new Date('2026-03-01T23:59:59.000Z'),
      received_at: new Date('2026-03-01T10:15:00.000Z'),
      event_id: 'enr-1',
      version: 1,
      clinic_id: 'clinic-a',
      client_key: 'key-C001',
      episode_id: 'ep-1',
      admission_date: new Date('2024-02-29T00:00:00.000Z'),
      level_of_care: '2.1',
      primary_substance: 'opioids',
      referral_source: null,
      birth_year: null,
    });
  });

  it('should use the old image for a REMOVE, so the retraction carries the removed values', () => {
    // Prepare
    const item = stored(enrollment({ version: 3 }));

    // Act
    const mapped = mapStreamRecord(streamRecord({ kind: 'REMOVE', seq: 7, oldItem: item }));

    // Assess
    expect(mapped.ok && mapped.rows[0].values).toMatchObject({ change_kind: 'REMOVE', version: 3, event_id: 'enr-1' });
  });

  it('should use the new image for a MODIFY', () => {
    // Prepare
    const before = stored(enrollment());
    const after = stored(enrollment({ version: 2, primarySubstance: 'alcohol' }));

    // Act
    const mapped = mapStreamRecord(streamRecord({ kind: 'MODIFY', seq: 8, oldItem: before, newItem: after }));

    // Assess
    expect(mapped.ok && mapped.rows[0].values).toMatchObject({ change_kind: 'MODIFY', version: 2, primary_substance: 'alcohol' });
  });

  it('should turn a drug test into one test row and one row per substance result', () => {
    // Prepare
    const record = streamRecord({ kind: 'INSERT', seq: 9, newItem: stored(drugTest()) });

    // Act
    const mapped = mapStreamRecord(record);

    // Assess
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(mapped.rows.map((row) => row.table)).toEqual(['drug_tests', 'drug_test_results', 'drug_test_results']);
    expect(mapped.rows[0].values).toMatchObject({ status: 'collected', random: true, collected_date: new Date('2026-01-05T00:00:00Z') });
    expect(mapped.rows[0].values).not.toHaveProperty('results');
    expect(mapped.rows.slice(1).map((row) => row.values)).toEqual([
      expect.objectContaining({ substance: 'opioids', result: 'negative', prescribed: false, scheduled_date: new Date('2026-01-05T00:00:00Z'), change_seq: changeSeq('9') }),
      expect.objectContaining({ substance: 'buprenorphine', result: 'positive', prescribed: true, event_id: 'dt-1', version: 1 }),
    ]);
  });

  it('should give a missed drug test no result rows', () => {
    // Prepare
    const missed = stored(drugTest({ status: 'missed', collectedDate: undefined, results: undefined }));

    // Act
    const mapped = mapStreamRecord(streamRecord({ kind: 'INSERT', seq: 10, newItem: missed }));

    // Assess
    expect(mapped.ok && mapped.rows.map((row) => row.table)).toEqual(['drug_tests']);
  });

  it.each([
    ['an unknown event type', { type: 'phone_call' }, /type "phone_call" is not one of/],
    ['a missing key field', { clientKey: undefined }, /clientKey is missing/],
    ['a string where an integer belongs', { version: '2' }, /version must be a 32-bit integer/],
    ['an impossible date', { admissionDate: '2026-02-30' }, /admissionDate must be a calendar date/],
    ['a number where a date belongs', { admissionDate: 20260101 }, /admissionDate must be a date written YYYY-MM-DD/],
  ])('should quarantine %s with a reason and only the keys', (_label, change, reason) => {
    // Prepare
    const item = { ...stored(enrollment()), ...change };

    // Act
    const mapped = mapStreamRecord(streamRecord({ kind: 'INSERT', seq: 11, newItem: item }));

    // Assess
    expect(mapped.ok).toBe(false);
    if (mapped.ok) return;
    expect(mapped.quarantine.reason).toMatch(reason);
    expect(mapped.quarantine).toEqual({
      reason: expect.any(String),
      eventName: 'INSERT',
      keys: { pk: 'clinic-a#enr-1' },
      sequenceNumber: '11',
      dt: '2026-03-01',
    });
    expect(JSON.stringify(mapped.quarantine)).not.toContain('key-C001');
  });

  it('should quarantine a record without images instead of throwing', () => {
    // Prepare
    const record = streamRecord({ kind: 'INSERT', seq: 12, newItem: stored(enrollment()) });
    delete record.dynamodb!.NewImage;

    // Act
    const mapped = mapStreamRecord(record);

    // Assess
    expect(!mapped.ok && mapped.quarantine.reason).toMatch(/NewImage is missing.*NEW_AND_OLD_IMAGES/);
  });

  it('should quarantine a record with a broken attribute value', () => {
    // Prepare
    const record = streamRecord({ kind: 'INSERT', seq: 13, newItem: stored(enrollment()) });
    record.dynamodb!.NewImage!.version = { N: 'not-a-number' };

    // Act
    const mapped = mapStreamRecord(record);

    // Assess
    expect(mapped.ok).toBe(false);
  });
});

describe('changeSeq', () => {
  it('should pad sequence numbers so that text order is stream order', () => {
    // Prepare
    const numbers = ['99', '100', '4200000000000000000000001', '1000'];

    // Act
    const sorted = numbers.map(changeSeq).sort();

    // Assess
    expect(sorted.map((seq) => seq.replace(/^0+/, ''))).toEqual(['99', '100', '1000', '4200000000000000000000001']);
    expect(sorted.every((seq) => seq.length === 40 && seq > BACKFILL_CHANGE_SEQ)).toBe(true);
  });

  it('should reject a sequence number that is not decimal', () => {
    expect(() => changeSeq('12a')).toThrow(/not a decimal string/);
  });
});

describe('rowsOfItem', () => {
  it('should map a scanned item with made-up change facts (backfill)', () => {
    // Prepare
    const item = stored(enrollment(), '2025-12-31T23:59:59.999Z') as unknown as Record<string, unknown>;

    // Act
    const rows = rowsOfItem(item, { kind: 'INSERT', seq: BACKFILL_CHANGE_SEQ, time: new Date('2025-12-31T23:59:59.999Z') });

    // Assess
    expect(rows[0].dt).toBe('2025-12-31');
    expect(rows[0].values.change_seq).toBe(BACKFILL_CHANGE_SEQ);
  });
});
