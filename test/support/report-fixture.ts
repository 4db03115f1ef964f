/**
 * Loads a seeded synthetic IOP cohort (the project's generator, clean mode) into the SQL
 * harness's `_current` tables, through the same event → stored item → lake row mapping
 * the pipeline uses, so report tests run the real metric SQL on realistic data.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cohortLines } from '../../cli/synthetic/emit';
import { rowsOfItem, type LakeRowValues } from '../../lambdas/core/change-records';
import { eventSchema } from '../../lambdas/core/event-schema';
import { toStoredEvent } from '../../lambdas/core/events-table';
import { LAKE_TABLE_NAMES, type LakeTableName } from '../../lambdas/core/lake-columns';
import { currentColumns, type FixtureRow, type SqlHarness } from './sql-harness';

export interface SyntheticLoad {
  events: number;
  clinics: string[];
}

export async function loadSyntheticCohort(
  harness: SqlHarness,
  options: { seed: number; clinics: number; admissions: number; months: number; asOf: string },
): Promise<SyntheticLoad> {
  const pending = new Map<LakeTableName, FixtureRow[]>();
  const clinics = new Set<string>();
  let events = 0;
  for (const line of cohortLines({ ...options, clean: true })) {
    if (line.kind !== 'event' || line.role !== 'fact') continue;
    const event = eventSchema.parse(line.event);
    clinics.add(event.clinicId);
    const stored = toStoredEvent(event, `key-${event.clinicId}-${event.clientId}`, '2026-01-01T00:00:00.000Z', `hash-${event.eventId}`);
    events += 1;
    const seq = String(events).padStart(40, '0');
    for (const row of rowsOfItem(stored as unknown as Record<string, unknown>, { kind: 'INSERT', seq, time: new Date('2026-01-01T00:00:00Z') })) {
      const list = pending.get(row.table) ?? [];
      list.push(fixtureValues(row.values));
      pending.set(row.table, list);
    }
  }
  // Bulk load through DuckDB's JSON reader: row-by-row parameter binding takes minutes.
  const dir = mkdtempSync(join(tmpdir(), 'report-fixture-'));
  try {
    for (const [table, rows] of pending) {
      const path = join(dir, `${table}.ndjson`);
      writeFileSync(path, rows.map((row) => JSON.stringify(row)).join('\n'));
      const columns = currentColumns(table);
      const types = columns.map((column) => `${column.name}: '${column.sqlType}'`).join(', ');
      const names = columns.map((column) => column.name).join(', ');
      await harness.engine.exec(`INSERT INTO ${table}_current (${names}) SELECT ${names} FROM read_json('${path}', format = 'newline_delimited', columns = {${types}})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // data-quality.sql reads the raw change tables; with one INSERT per event they are the current rows.
  for (const table of LAKE_TABLE_NAMES) {
    await harness.engine.exec(`CREATE OR REPLACE VIEW ${table} AS SELECT *, 'INSERT' AS change_kind FROM ${table}_current`);
  }
  return { events, clinics: [...clinics].sort() };
}

/** `_current` rows have no change_kind; timestamps go in as text DuckDB casts. */
function fixtureValues(values: LakeRowValues): FixtureRow {
  const row: FixtureRow = {};
  for (const [column, value] of Object.entries(values)) {
    if (column === 'change_kind') continue;
    row[column] = value instanceof Date ? value.toISOString().replace('T', ' ').replace('Z', '') : value;
  }
  return row;
}
