import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncLakeMirror } from '../../cli/local/lake-mirror';
import { MemoryObjectStore } from '../support/memory-object-store';

describe('syncLakeMirror', () => {
  let mirror: string;

  beforeEach(() => {
    mirror = mkdtempSync(join(tmpdir(), 'lake-mirror-'));
  });

  afterEach(() => rmSync(mirror, { recursive: true, force: true }));

  it('should download only new or changed objects and remove deleted ones', async () => {
    // Prepare
    const store = new MemoryObjectStore();
    await store.put('lake/enrollments/dt=2026-03-01/a.parquet', 'first');
    await store.put('lake/goals/dt=2026-03-01/b.parquet', 'goal');
    await store.put('quarantine/dt=2026-03-01/x.json', '{}');
    const first = await syncLakeMirror(store, mirror);
    await store.put('lake/enrollments/dt=2026-03-01/a.parquet', 'changed');
    await store.delete(['lake/goals/dt=2026-03-01/b.parquet']);
    await store.put('lake/goals/dt=2026-03-02/c.parquet', 'new');

    // Act
    const second = await syncLakeMirror(store, mirror);
    const third = await syncLakeMirror(store, mirror);

    // Assess
    expect(first).toEqual({ downloaded: 2, removed: 0, unchanged: 0 });
    expect(second).toEqual({ downloaded: 2, removed: 1, unchanged: 0 });
    expect(third).toEqual({ downloaded: 0, removed: 0, unchanged: 2 });
    expect(readFileSync(join(mirror, 'lake/enrollments/dt=2026-03-01/a.parquet'), 'utf8')).toBe('changed');
    expect(existsSync(join(mirror, 'lake/goals/dt=2026-03-01/b.parquet'))).toBe(false);
    expect(existsSync(join(mirror, 'quarantine'))).toBe(false);
  });

  it('should fetch a file again when it went missing locally', async () => {
    // Prepare
    const store = new MemoryObjectStore();
    await store.put('lake/goals/dt=2026-03-01/b.parquet', 'goal');
    await syncLakeMirror(store, mirror);
    rmSync(join(mirror, 'lake/goals/dt=2026-03-01/b.parquet'));

    // Act
    const report = await syncLakeMirror(store, mirror);

    // Assess
    expect(report.downloaded).toBe(1);
    expect(readdirSync(join(mirror, 'lake/goals/dt=2026-03-01'))).toEqual(['b.parquet']);
  });

  it('should refuse a key that would land outside the mirror', async () => {
    // Prepare
    const store = new MemoryObjectStore();
    await store.put('lake/../../escape.parquet', 'x');

    // Act / Assess
    await expect(syncLakeMirror(store, mirror)).rejects.toThrow(/outside/);
  });
});
