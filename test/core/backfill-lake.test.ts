import { backfillLake, deletionOrder } from '../../lambdas/core/backfill-lake';
import { BACKFILL_CHANGE_SEQ } from '../../lambdas/core/change-records';
import { decodeLakeParquet } from '../../lambdas/core/parquet';
import { drugTest, enrollment, stored } from '../support/lake-fixtures';
import { MemoryObjectStore } from '../support/memory-object-store';

const seq = (n: number) => String(n).padStart(40, '0');

/** A scan over fixed pages, split across segments by position. */
function scanOf(items: object[]) {
  return async function* (segment: number, total: number) {
    yield items.filter((_, index) => index % total === segment) as Record<string, unknown>[];
  };
}

describe('backfillLake', () => {
  it('should write one INSERT row per item with the all-zero change_seq, dated by receivedAt', async () => {
    // Prepare
    const store = new MemoryObjectStore();
    const items = [stored(enrollment(), '2026-01-31T23:59:59.000Z'), stored(drugTest(), '2026-02-01T00:00:00.000Z')];

    // Act
    const report = await backfillLake({ store, lakePrefix: 'lake/', scan: scanOf(items), segments: 2, runId: 'r1' });

    // Assess
    expect(report).toMatchObject({ items: 2, rows: 4, removed: 0, skipped: [] });
    expect([...store.objects.keys()].sort()).toEqual([
      'lake/drug_test_results/dt=2026-02-01/backfill-r1-s1-0.parquet',
      'lake/drug_tests/dt=2026-02-01/backfill-r1-s1-0.parquet',
      'lake/enrollments/dt=2026-01-31/backfill-r1-s0-0.parquet',
    ]);
    const [row] = await decodeLakeParquet(store.objects.get('lake/enrollments/dt=2026-01-31/backfill-r1-s0-0.parquet')!);
    expect(row).toMatchObject({ change_kind: 'INSERT', change_seq: BACKFILL_CHANGE_SEQ, change_time: new Date('2026-01-31T23:59:59.000Z'), event_id: 'enr-1' });
  });

  it('should delete the earlier objects but keep what was written after the listing', async () => {
    // Prepare
    const store = new MemoryObjectStore();
    await store.put(`lake/enrollments/dt=2026-01-01/${seq(5)}-${seq(9)}-aaa.parquet`, 'old');
    await store.put('lake/enrollments/dt=2026-01-01/backfill-r0-s0-0.parquet', 'older backfill');
    await store.put('quarantine/dt=2026-01-01/x.json', '{}');
    const concurrent = `lake/enrollments/dt=2026-03-01/${seq(10)}-${seq(12)}-bbb.parquet`;
    store.afterList = () => void store.objects.set(concurrent, new Uint8Array([1]));

    // Act
    const report = await backfillLake({ store, lakePrefix: 'lake/', scan: scanOf([stored(enrollment())]), segments: 1, runId: 'r1' });

    // Assess
    expect(report.removed).toBe(2);
    expect([...store.objects.keys()].sort()).toEqual([
      concurrent,
      'lake/enrollments/dt=2026-03-01/backfill-r1-s0-0.parquet',
      'quarantine/dt=2026-01-01/x.json',
    ]);
    expect(store.deletions).toEqual(['lake/enrollments/dt=2026-01-01/backfill-r0-s0-0.parquet', `lake/enrollments/dt=2026-01-01/${seq(5)}-${seq(9)}-aaa.parquet`]);
  });

  it('should split a large partition into several objects', async () => {
    // Prepare
    const store = new MemoryObjectStore();
    const items = Array.from({ length: 5 }, (_, n) => stored(enrollment({ eventId: `e-${n}` })));

    // Act
    const report = await backfillLake({ store, lakePrefix: 'lake/', scan: scanOf(items), segments: 1, runId: 'r1', maxRowsPerObject: 2 });

    // Assess
    expect(report.written).toHaveLength(3);
  });

  it('should report an item it cannot map by its key and reason, and go on', async () => {
    // Prepare
    const store = new MemoryObjectStore();
    const broken = { ...stored(enrollment({ eventId: 'broken' })), admissionDate: 'soon' };

    // Act
    const report = await backfillLake({ store, lakePrefix: 'lake/', scan: scanOf([broken, stored(enrollment())]), segments: 1, runId: 'r1' });

    // Assess
    expect(report.skipped).toEqual([{ pk: 'clinic-a#broken', reason: expect.stringMatching(/admissionDate must be a date/) }]);
    expect(report.rows).toBe(1);
  });

  it('should refuse a run id that could escape the key layout', async () => {
    await expect(backfillLake({ store: new MemoryObjectStore(), lakePrefix: 'lake/', scan: scanOf([]), segments: 1, runId: '../x' })).rejects.toThrow(/runId/);
  });
});

describe('deletionOrder', () => {
  it('should delete earlier backfills first, then stream objects oldest change first, parents before results', () => {
    // Prepare
    const object = (key: string) => ({ key, size: 1, etag: 'e' });
    const keys = [
      `lake/drug_test_results/dt=2026-01-02/${seq(100)}-${seq(200)}-h.parquet`,
      `lake/enrollments/dt=2026-01-03/${seq(300)}-${seq(400)}-h.parquet`,
      `lake/drug_tests/dt=2026-01-02/${seq(100)}-${seq(200)}-h.parquet`,
      'lake/goals/dt=2026-01-01/backfill-r0-s0-0.parquet',
      `lake/enrollments/dt=2026-01-01/${seq(99)}-${seq(99)}-h.parquet`,
    ];

    // Act
    const ordered = deletionOrder(keys.map(object), 'lake/').map((entry) => entry.key);

    // Assess
    expect(ordered).toEqual([keys[3], keys[4], keys[2], keys[0], keys[1]]);
  });
});
