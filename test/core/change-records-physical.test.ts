import type { DynamoDBRecord } from 'aws-lambda';
import fc from 'fast-check';
import type { ObjectStore, StoredObject } from '../../lambdas/adapters/object-store';
import {
  type LakeRow,
  type PhysicalLakeValue,
  type PhysicalRows,
  mapStreamRecord,
  mapStreamRecordPhysical,
} from '../../lambdas/core/change-records';
import { deliverChanges, partitionObjectKey } from '../../lambdas/core/deliver-changes';
import { LAKE_TABLE_NAMES, type LakeTableName, lakeTable } from '../../lambdas/core/lake-columns';
import { encodeLakeParquet } from '../../lambdas/core/parquet';
import { benchCohort, streamRecordOf, tableChanges } from '../../bench/synthetic-changes';

const MS_PER_DAY = 86_400_000;

/** Clean stream records of a small synthetic network, every table and kind of change. */
const RECORDS: DynamoDBRecord[] = (() => {
  const records: DynamoDBRecord[] = [];
  for (const change of tableChanges(benchCohort(60, 7))) records.push(streamRecordOf(change));
  return records;
})();

/** mapStreamRecord's rows in the physical form the fast path gives (DATE as days, TIMESTAMP as ms). */
function physicalOf(rows: LakeRow[]): { table: LakeTableName; dt: string; values: PhysicalLakeValue[] }[] {
  return rows.map((row) => ({
    table: row.table,
    dt: row.dt,
    values: lakeTable(row.table).columns.map((column) => {
      const value = row.values[column.name];
      if (value instanceof Date) return column.type === 'DATE' ? value.getTime() / MS_PER_DAY : value.getTime();
      return value;
    }),
  }));
}

function rowsOfPhysical(physical: PhysicalRows): { table: LakeTableName; dt: string; values: PhysicalLakeValue[] }[] {
  return [
    { table: physical.table, dt: physical.dt, values: [...physical.values] },
    ...physical.results.slice(0, physical.resultCount).map((values) => ({ table: 'drug_test_results' as const, dt: physical.dt, values: [...values] })),
  ];
}

/** The fast path either declines, or gives exactly the general mapping's rows (which must then be ok). */
function expectAgreement(record: DynamoDBRecord): 'fast' | 'declined' {
  const physical = mapStreamRecordPhysical(record);
  if (physical === undefined) return 'declined';
  const general = mapStreamRecord(record);
  expect(general.ok).toBe(true);
  if (!general.ok) return 'fast';
  expect(rowsOfPhysical(physical)).toEqual(physicalOf(general.rows));
  expect(physical.seq).toBe(general.rows[0].values.change_seq);
  return 'fast';
}

/** A copy of a record with one attribute value of its image (or of a drug test result) replaced or removed. */
function mutated(record: DynamoDBRecord, where: number, replacement: unknown, inResult: boolean): DynamoDBRecord {
  const copy = structuredClone(record) as DynamoDBRecord & { dynamodb: Record<string, unknown> };
  const image = (copy.eventName === 'REMOVE' ? copy.dynamodb.OldImage : copy.dynamodb.NewImage) as Record<string, unknown>;
  let target = image;
  const results = (image.results as { L?: { M: Record<string, unknown> }[] } | undefined)?.L;
  if (inResult && results && results.length > 0) target = results[where % results.length].M;
  const fields = Object.keys(target);
  const field = fields[where % fields.length];
  if (replacement === 'delete') delete target[field];
  else target[field] = replacement;
  return copy;
}

const ODD_VALUES = [
  'delete',
  { S: 5 },
  { S: '' },
  { S: 'not a date' },
  { S: '2026-02-30' },
  { S: '2026-01-01T25:00:00Z' },
  { S: '2026-01-01 10:00' },
  { N: 'abc' },
  { N: '1e400' },
  { N: '12345678901234567890' },
  { N: '2147483648' },
  { N: '-2147483647' },
  { N: '1.5' },
  { N: '-0' },
  { BOOL: 'yes' },
  { BOOL: false },
  { NULL: true },
  { SS: ['a', 'b'] },
  { NS: ['1'] },
  { B: new Uint8Array([1, 2]) },
  {},
  { S: undefined, N: '3' },
  { N: '1', S: 'x' },
  { M: { a: { S: 'b' } } },
  { L: [{ S: 'a' }, { N: '2' }] },
  { L: 'not a list' },
  { M: [] },
  null,
  'plain string',
  [{ S: 'a' }],
];

const RECORD_LEVEL: ((record: DynamoDBRecord & { dynamodb: Record<string, unknown> }) => void)[] = [
  (record) => {
    record.eventName = 'UPSERT' as never;
  },
  (record) => {
    delete record.dynamodb.SequenceNumber;
  },
  (record) => {
    record.dynamodb.SequenceNumber = '12a';
  },
  (record) => {
    record.dynamodb.SequenceNumber = '1'.repeat(41);
  },
  (record) => {
    record.dynamodb.SequenceNumber = '9'.repeat(40);
  },
  (record) => {
    record.dynamodb.ApproximateCreationDateTime = 1e20;
  },
  (record) => {
    record.dynamodb.ApproximateCreationDateTime = -1.0004;
  },
  (record) => {
    delete record.dynamodb.ApproximateCreationDateTime;
  },
  (record) => {
    record.dynamodb.Keys = { pk: { SS: ['x'] } };
  },
  (record) => {
    record.dynamodb.Keys = { pk: { Z: 'x' } as never };
  },
  (record) => {
    delete record.dynamodb.NewImage;
    delete record.dynamodb.OldImage;
  },
  (record) => {
    const image = (record.dynamodb.NewImage ?? record.dynamodb.OldImage) as Record<string, unknown>;
    Object.defineProperty(image, '__proto__', { value: { S: 'x' }, enumerable: true, configurable: true, writable: true });
  },
  (record) => {
    const image = (record.dynamodb.NewImage ?? record.dynamodb.OldImage) as Record<string, unknown>;
    image.type = { S: 'toString' };
  },
  (record) => {
    const image = (record.dynamodb.NewImage ?? record.dynamodb.OldImage) as Record<string, unknown>;
    image.results = { L: [{ M: { '': { S: 'x' }, substance: { S: 'opioids' } } }] };
  },
];

describe('mapStreamRecordPhysical (the delivery fast path)', () => {
  it('should take every clean record of a synthetic network and give exactly the general mapping rows', () => {
    const outcomes = RECORDS.map(expectAgreement);
    expect(RECORDS.length).toBeGreaterThan(1_000);
    expect(outcomes.every((outcome) => outcome === 'fast')).toBe(true);
    const kinds = new Set(RECORDS.map((record) => record.eventName));
    expect(kinds).toEqual(new Set(['INSERT', 'MODIFY', 'REMOVE']));
  });

  it('should agree with the general mapping or decline, for records with any attribute replaced (property)', () => {
    const outcomes = { fast: 0, declined: 0 };
    fc.assert(
      fc.property(
        fc.nat(RECORDS.length - 1),
        fc.nat(100),
        fc.constantFrom(...ODD_VALUES),
        fc.boolean(),
        (recordIndex, where, replacement, inResult) => {
          outcomes[expectAgreement(mutated(RECORDS[recordIndex], where, replacement, inResult))] += 1;
        },
      ),
      { numRuns: 3_000 },
    );
    // Both branches were exercised: odd values the fast path takes (empty strings, deletions, -0…) and ones it declines.
    expect(outcomes.fast).toBeGreaterThan(300);
    expect(outcomes.declined).toBeGreaterThan(300);
  });

  it('should read timestamps exactly as the general mapping does, canonical or not (property)', () => {
    // Mostly valid fields (so the canonical form is common), sometimes out of range or not digits.
    const field = (max: number, width = 2) =>
      fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, '0')) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 10 ** width - 1 }).map((n) => String(n).padStart(width, '0')) },
        { weight: 1, arbitrary: fc.constantFrom('-1', 'a1', ' 1', '1', '٣1') },
      );
    const stamp = fc
      .tuple(
        fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')) }, { weight: 1, arbitrary: fc.constantFrom('+02026', '20x6') }),
        field(13),
        field(31),
        fc.constantFrom('T', 'T', 'T', 't', ' '),
        field(24),
        field(60),
        field(60),
        fc.oneof({ weight: 8, arbitrary: field(999, 3) }, { weight: 1, arbitrary: fc.constantFrom('', '1', '12', '1234', '-12') }),
        fc.constantFrom('Z', 'Z', 'Z', 'z', '+00:00', '+01:00', ''),
      )
      .map(([y, mo, d, t, h, mi, s, ms, zone]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}${ms === '' ? '' : `.${ms}`}${zone}`);
    const drugTests = RECORDS.filter((record) => (record.dynamodb?.NewImage ?? record.dynamodb?.OldImage)?.type?.S === 'drug_test');
    let taken = 0;
    fc.assert(
      fc.property(fc.nat(drugTests.length - 1), stamp, (index, text) => {
        const record = structuredClone(drugTests[index]) as DynamoDBRecord & { dynamodb: Record<string, Record<string, unknown>> };
        const image = record.eventName === 'REMOVE' ? record.dynamodb.OldImage : record.dynamodb.NewImage;
        image!.receivedAt = { S: text };
        if (expectAgreement(record) === 'fast') taken += 1;
      }),
      { numRuns: 2_000 },
    );
    expect(taken).toBeGreaterThan(200);
  });

  it('should decline records the general mapping quarantines or treats specially', () => {
    RECORD_LEVEL.forEach((change, index) => {
      for (const base of RECORDS.slice(index * 10, index * 10 + 10)) {
        const record = structuredClone(base) as DynamoDBRecord & { dynamodb: Record<string, unknown> };
        change(record);
        expectAgreement(record);
      }
    });
  });
});

/** Keeps every object written, by key. */
class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array | string>();
  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.objects.set(key, body);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    const body = this.objects.get(key);
    return typeof body === 'string' ? new TextEncoder().encode(body) : body;
  }
  async list(): Promise<StoredObject[]> {
    return [];
  }
  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }
}

describe('deliverChanges with the fast path', () => {
  it('should write, byte for byte, the files of the general mapping and encodeLakeParquet, with poison records quarantined', async () => {
    // Prepare: a batch of clean records with odd ones mixed in.
    const batch = RECORDS.slice(0, 400).map((record, index) => (index % 9 === 4 ? mutated(record, index, ODD_VALUES[index % ODD_VALUES.length], index % 2 === 0) : record));
    const store = new MemoryStore();

    // Act
    const report = await deliverChanges(batch, { store, lakePrefix: 'lake/', quarantinePrefix: 'quarantine/', now: () => new Date('2026-07-01T00:00:00Z') });

    // Assess: the reference — every record through mapStreamRecord, grouped by (table, dt), encoded from row objects.
    const partitions = new Map<string, { table: LakeTableName; dt: string; rows: LakeRow['values'][]; seqs: string[]; last: number }>();
    let quarantined = 0;
    batch.forEach((record, index) => {
      const mapped = mapStreamRecord(record);
      if (!mapped.ok) {
        quarantined += 1;
        return;
      }
      for (const row of mapped.rows) {
        const id = `${row.table}/${row.dt}`;
        const partition = partitions.get(id) ?? { table: row.table, dt: row.dt, rows: [], seqs: [], last: -1 };
        partitions.set(id, partition);
        partition.rows.push(row.values);
        if (partition.last !== index) partition.seqs.push(row.values.change_seq as string);
        partition.last = index;
      }
    });
    expect(quarantined).toBeGreaterThan(0);
    expect(report.quarantined).toBe(quarantined);
    const lakeKeys = [...store.objects.keys()].filter((key) => key.startsWith('lake/'));
    expect(lakeKeys.length).toBe(partitions.size);
    for (const partition of partitions.values()) {
      const key = partitionObjectKey('lake/', partition.table, partition.dt, partition.seqs);
      expect(store.objects.get(key)).toEqual(encodeLakeParquet(lakeTable(partition.table), partition.rows));
    }
    const order = report.written.filter((key) => key.startsWith('lake/')).map((key) => LAKE_TABLE_NAMES.indexOf(key.split('/')[1] as LakeTableName));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});
