/**
 * `query` end to end on a real lake mirror: Parquet files written by the lake's encoder →
 * the lake and `_current` views → episodes → retention SQL on DuckDB → printed table.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command } from '../../cli/commands/query';
import { encodeLakeParquet } from '../../lambdas/core/parquet';
import { lakeTable, type LakeTableName } from '../../lambdas/core/lake-columns';
import type { LakeRowValues } from '../../lambdas/core/change-records';

let sequence = 0;

function lakeRow(table: LakeTableName, values: Record<string, string | number>): LakeRowValues {
  sequence += 1;
  const row: LakeRowValues = {};
  for (const column of lakeTable(table).columns) {
    const given = values[column.name];
    if (column.type === 'DATE' && typeof given === 'string') row[column.name] = new Date(`${given}T00:00:00Z`);
    else if (given !== undefined) row[column.name] = given;
  }
  return {
    ...row,
    change_kind: 'INSERT',
    change_seq: String(sequence).padStart(40, '0'),
    change_time: new Date('2026-06-30T12:00:00Z'),
    received_at: new Date('2026-06-30T12:00:00Z'),
    event_id: `${table}-${sequence}`,
    version: 1,
    clinic_id: 'clinic-a',
    client_key: `client-${String(values.episode_id)}`,
  };
}

function writePartition(mirror: string, table: LakeTableName, rows: LakeRowValues[]): void {
  const dir = join(mirror, 'lake', table, 'dt=2026-06-30');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'batch-1.parquet'), encodeLakeParquet(lakeTable(table), rows));
}

describe('iop-outcomes query', () => {
  let localDir: string;
  let output: string[];
  const previousLocalDir = process.env.IOP_LOCAL_DIR;

  beforeAll(() => {
    localDir = mkdtempSync(join(tmpdir(), 'query-cli-'));
    process.env.IOP_LOCAL_DIR = localDir;
    const mirror = join(localDir, 'lake-mirror');
    // Bewick 2004 times as episodes: dropouts at 1, 1, 4, 5, 9, 22; censored at 6 and 9 (plus a
    // corrected discharge at day 0 and a retracted admission, below).
    const ends = [1, 1, 4, 5, 9, 22];
    const censored = [6, 9];
    const dayAfter = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    const enrollments: LakeRowValues[] = [];
    const sessions: LakeRowValues[] = [];
    const discharges: LakeRowValues[] = [];
    ends.forEach((days, index) => {
      const episode = `end-${index}`;
      enrollments.push(lakeRow('enrollments', { episode_id: episode, admission_date: '2026-01-01', program_id: 'iop', primary_substance: 'alcohol' }));
      sessions.push(lakeRow('attendance', { episode_id: episode, session_date: dayAfter('2026-01-01', days), session_type: 'group', status: 'attended', scheduled_minutes: 180, attended_minutes: 180 }));
      discharges.push(lakeRow('discharges', { episode_id: episode, discharge_date: dayAfter('2026-01-01', days + 1), reason: 'dropped_out' }));
    });
    censored.forEach((days, index) => {
      const episode = `open-${index}`;
      enrollments.push(lakeRow('enrollments', { episode_id: episode, admission_date: dayAfter('2026-06-30', -days), program_id: 'iop', primary_substance: 'opioids' }));
      sessions.push(lakeRow('attendance', { episode_id: episode, session_date: '2026-06-30', session_type: 'group', status: 'attended', scheduled_minutes: 180, attended_minutes: 180 }));
    });
    // A retracted admission (INSERT, then REMOVE of the same event) must not count, and a
    // corrected discharge (version 2: completed → terminated) counts with its latest reason.
    const retracted = lakeRow('enrollments', { episode_id: 'retracted', admission_date: '2026-03-01', program_id: 'iop', primary_substance: 'alcohol' });
    enrollments.push(retracted, { ...retracted, change_kind: 'REMOVE', change_seq: String(++sequence).padStart(40, '0') });
    enrollments.push(lakeRow('enrollments', { episode_id: 'corrected', admission_date: '2026-02-01', program_id: 'iop', primary_substance: 'alcohol' }));
    const firstVersion = lakeRow('discharges', { episode_id: 'corrected', discharge_date: '2026-02-20', reason: 'completed' });
    discharges.push(firstVersion, { ...firstVersion, version: 2, reason: 'terminated', change_kind: 'MODIFY', change_seq: String(++sequence).padStart(40, '0') });
    writePartition(mirror, 'enrollments', enrollments);
    writePartition(mirror, 'attendance', sessions);
    writePartition(mirror, 'discharges', discharges);
  });

  afterAll(() => {
    if (previousLocalDir === undefined) delete process.env.IOP_LOCAL_DIR;
    else process.env.IOP_LOCAL_DIR = previousLocalDir;
    rmSync(localDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    output = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('should print the retention curve and the 30/60/90-day figures from the local lake', async () => {
    // Act
    await command.run(['retention', '--as-of', '2026-06-30']);

    // Assess
    const text = output.join('');
    expect(text).toContain('retention (as of 2026-06-30)');
    expect(text).toContain('retention-summary');
    const curveLine = text.split('\n').find((line) => /^all\s+in_treatment\s+4\s/.test(line));
    expect(curveLine).toMatch(/\s0\.5556\s/);
    const summaryLine = text.split('\n').find((line) => /^all\s+in_treatment\s+30\s/.test(line));
    expect(summaryLine).toMatch(/reached/);
  });

  it('should print machine-readable JSON with typed values', async () => {
    await command.run(['retention-summary', '--as-of', '2026-06-30', '--format', 'json', '--clinic', 'clinic-a']);
    const rows = JSON.parse(output.join('')) as Record<string, unknown>[];
    expect(rows.find((row) => row.scope === 'clinic-a' && row.estimand === 'in_treatment' && row.day === 30)).toMatchObject({ episodes: 9, median_days: 5, estimate: 0 });
  });

  it('should print CSV with a header row', async () => {
    await command.run(['early-dropout', '--as-of', '2026-06-30', '--format', 'csv']);
    const [header, first] = output.join('').split('\r\n');
    expect(header.startsWith('scope,admissions,eligible,no_return')).toBe(true);
    expect(first.startsWith('all,9,7,')).toBe(true);
  });

  it('should read corrections and retractions as the lake views resolve them', async () => {
    // Act
    await command.run(['completion', '--as-of', '2026-06-30', '--format', 'json']);

    // Assess: 6 dropouts + the corrected discharge, now terminated; the retracted admission is gone.
    const rows = JSON.parse(output.join('')) as Record<string, unknown>[];
    expect(rows.find((row) => row.scope === 'all' && row.reason === 'all')).toMatchObject({ discharges: 7 });
    expect(rows.find((row) => row.scope === 'all' && row.reason === 'terminated')).toMatchObject({ discharges: 1 });
    expect(rows.find((row) => row.scope === 'all' && row.reason === 'completed')).toMatchObject({ discharges: 0 });
  });

  it('should refuse a filter the file does not have and a missing --as-of, naming the fix', async () => {
    await expect(command.run(['retention'])).rejects.toThrow(/--as-of YYYY-MM-DD is required/);
    await expect(command.run(['retention', '--as-of', '2026-02-30'])).rejects.toThrow(/not a calendar date/);
    await expect(command.run(['retention', '--as-of', '2026-06-30', '--param', 'inactivity_dayz=3'])).rejects.toThrow(/no parameter "inactivity_dayz"/);
  });

  it('should tell the user to start the local stack when there is no lake mirror', async () => {
    process.env.IOP_LOCAL_DIR = join(localDir, 'empty');
    try {
      await expect(command.run(['retention', '--as-of', '2026-06-30'])).rejects.toThrow(/no local lake .*`npm start`/);
    } finally {
      process.env.IOP_LOCAL_DIR = localDir;
    }
  });
});
