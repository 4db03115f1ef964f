import { mapStreamRecord } from '../../lambdas/core/change-records';
import { lakeTable } from '../../lambdas/core/lake-columns';
import { ndjsonOf } from '../../bench/lake-builder';
import { benchCohort, type ChangeCounts, type StoredChange, streamRecordOf, tableChanges } from '../../bench/synthetic-changes';

describe('tableChanges', () => {
  // Episodes 1 and 40 always carry a retraction; 1 % of events are corrected.
  const counts: ChangeCounts = { lines: 0, events: 0, inserts: 0, modifies: 0, removes: 0, noChange: 0 };
  const changes: StoredChange[] = [...tableChanges(benchCohort(60), counts)];

  it('should turn corrections into MODIFY with the earlier version as the old image', () => {
    // Prepare
    const modifies = changes.filter((change) => change.kind === 'MODIFY');

    // Act
    const versions = modifies.map((change) => [change.oldItem?.version, change.item.version]);

    // Assess
    expect(modifies.length).toBeGreaterThan(0);
    expect(modifies.every((change) => change.oldItem?.pk === change.item.pk)).toBe(true);
    expect(versions.every(([before, after]) => before !== undefined && after !== undefined && after > before)).toBe(true);
  });

  it('should turn retractions into REMOVE of an event inserted earlier, and store duplicates and invalid events not at all', () => {
    // Prepare
    const removes = changes.filter((change) => change.kind === 'REMOVE');

    // Act
    const insertedBefore = removes.map((remove) => changes.some((change) => change.kind === 'INSERT' && change.item.pk === remove.item.pk && change.sequence < remove.sequence));

    // Assess
    expect(removes.length).toBeGreaterThanOrEqual(2);
    expect(insertedBefore.every(Boolean)).toBe(true);
    expect(counts.noChange).toBeGreaterThan(0);
    expect(counts.inserts + counts.modifies + counts.removes).toBe(changes.length);
    // Every line made exactly one change or none.
    expect(counts.lines).toBe(changes.length + counts.noChange);
  });

  it('should build stream records the real mapping accepts, in stream order, without the raw client id', () => {
    // Prepare
    const records = changes.map(streamRecordOf);

    // Act
    const mapped = records.map(mapStreamRecord);

    // Assess
    expect(mapped.filter((mapping) => !mapping.ok)).toEqual([]);
    const sequenceNumbers = records.map((record) => BigInt(record.dynamodb!.SequenceNumber!));
    expect(sequenceNumbers.every((value, index) => index === 0 || value > sequenceNumbers[index - 1])).toBe(true);
    expect(changes.some((change) => 'clientId' in change.item)).toBe(false);
  });
});

describe('ndjsonOf', () => {
  it('should write DATE columns as YYYY-MM-DD and TIMESTAMP columns as ISO instants, one line per row', () => {
    // Prepare
    const rows = [
      { change_time: new Date('2026-07-01T01:00:00.001Z'), admission_date: new Date('2025-02-03T00:00:00Z'), event_id: 'enr-1', version: 1 },
      { change_time: new Date('2026-07-01T01:00:00.002Z'), admission_date: null, event_id: 'enr-2', version: 2 },
    ];

    // Act
    const text = ndjsonOf(lakeTable('enrollments'), rows);

    // Assess
    expect(text.split('\n')).toEqual([
      '{"change_time":"2026-07-01T01:00:00.001Z","admission_date":"2025-02-03","event_id":"enr-1","version":1}',
      '{"change_time":"2026-07-01T01:00:00.002Z","admission_date":null,"event_id":"enr-2","version":2}',
      '',
    ]);
  });
});
