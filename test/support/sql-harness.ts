/**
 * SQL test harness: an in-memory DuckDB with the `<table>_current` relations created as
 * plain tables from LAKE_TABLES (so fixtures cannot drift from the lake), the metric
 * views, and the same query port production uses. Shared by every test in test/sql/.
 */
import { LAKE_TABLES, SQL_TYPE, type LakeTableName } from '../../lambdas/core/lake-columns';
import { createDuckDbEngine, type DuckDbEngine } from '../../lambdas/adapters/duckdb-engine';
import type { Row } from '../../lambdas/adapters/query-engine';
import type { DISCHARGE_REASONS, PRIMARY_SUBSTANCES, SESSION_TYPES, ATTENDANCE_STATUSES } from '../../lambdas/core/event-schema';

export type FixtureValue = string | number | boolean | null;
export type FixtureRow = Record<string, FixtureValue>;

/** Columns of a `_current` view: the lake table's columns without change_kind. */
export function currentColumns(table: LakeTableName): { name: string; sqlType: string }[] {
  const lake = LAKE_TABLES.find((candidate) => candidate.name === table);
  if (!lake) throw new Error(`unknown lake table ${table}`);
  return lake.columns.filter((column) => column.name !== 'change_kind').map((column) => ({ name: column.name, sqlType: SQL_TYPE[column.type] }));
}

export function createCurrentTableStatements(): string[] {
  return LAKE_TABLES.map((table) => {
    const columns = currentColumns(table.name).map((column) => `  ${column.name} ${column.sqlType}`);
    return `CREATE TABLE ${table.name}_current (\n${columns.join(',\n')}\n)`;
  });
}

export interface EpisodeFixture {
  episodeId: string;
  admissionDate: string;
  clinicId?: string;
  programId?: string;
  clientKey?: string;
  primarySubstance?: (typeof PRIMARY_SUBSTANCES)[number];
  birthYear?: number;
  sex?: string;
  /** Session dates attended (status attended, 180 minutes of group). */
  attended?: string[];
  /** Session dates scheduled but not attended (status no_show). */
  noShows?: string[];
  discharge?: { date: string; reason: (typeof DISCHARGE_REASONS)[number] };
}

export interface SessionFixture {
  clinicId?: string;
  episodeId: string;
  clientKey?: string;
  sessionDate: string;
  status?: (typeof ATTENDANCE_STATUSES)[number];
  sessionType?: (typeof SESSION_TYPES)[number];
  scheduledMinutes?: number;
  attendedMinutes?: number;
}

export interface SqlHarness {
  engine: DuckDbEngine;
  /** Inserts rows into `<table>_current`; change/identity columns get defaults, unknown columns fail. */
  insert(table: LakeTableName, rows: FixtureRow[]): Promise<void>;
  /** An enrollment, its attended sessions/no-shows and discharge, in one call. */
  addEpisode(episode: EpisodeFixture): Promise<void>;
  addSessions(sessions: SessionFixture[]): Promise<void>;
  /** Runs a query file by name (`retention`) with named parameters through the query port. */
  run(name: string, params: Record<string, unknown>): Promise<Row[]>;
  /** Runs raw SQL (for assertions on views). */
  sql(sql: string): Promise<Row[]>;
  /** Empties every `_current` table (between property-test runs). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_CLINIC = 'clinic-a';
export const DEFAULT_PROGRAM = 'iop-adult';

export async function createSqlHarness(): Promise<SqlHarness> {
  const engine = await createDuckDbEngine({ setupStatements: createCurrentTableStatements() });
  let sequence = 0;

  async function insert(table: LakeTableName, rows: FixtureRow[]): Promise<void> {
    if (rows.length === 0) return;
    const columns = currentColumns(table);
    const known = new Set(columns.map((column) => column.name));
    const values: FixtureValue[] = [];
    const tuples = rows.map((row) => {
      const unknown = Object.keys(row).filter((name) => !known.has(name));
      if (unknown.length > 0) throw new Error(`${table}_current has no column(s) ${unknown.join(', ')}`);
      sequence += 1;
      const filled: FixtureRow = {
        change_seq: String(sequence).padStart(40, '0'),
        change_time: '2026-01-01 00:00:00',
        received_at: '2026-01-01 00:00:00',
        event_id: `${table}-${sequence}`,
        version: 1,
        clinic_id: DEFAULT_CLINIC,
        client_key: `client-${String(row.episode_id ?? sequence)}`,
        ...row,
      };
      values.push(...columns.map((column) => (filled[column.name] === undefined ? null : filled[column.name])));
      return `(${columns.map((column) => `CAST(? AS ${column.sqlType})`).join(', ')})`;
    });
    await engine.runSql(`INSERT INTO ${table}_current (${columns.map((column) => column.name).join(', ')}) VALUES ${tuples.join(', ')}`, values);
  }

  async function addSessions(sessions: SessionFixture[]): Promise<void> {
    await insert(
      'attendance',
      sessions.map((session) => {
        const status = session.status ?? 'attended';
        const scheduled = session.scheduledMinutes ?? 180;
        return {
          clinic_id: session.clinicId ?? DEFAULT_CLINIC,
          episode_id: session.episodeId,
          client_key: session.clientKey ?? `client-${session.episodeId}`,
          session_date: session.sessionDate,
          session_type: session.sessionType ?? 'group',
          status,
          scheduled_minutes: scheduled,
          attended_minutes: session.attendedMinutes ?? (status === 'attended' ? scheduled : 0),
        };
      }),
    );
  }

  async function addEpisode(episode: EpisodeFixture): Promise<void> {
    const clinicId = episode.clinicId ?? DEFAULT_CLINIC;
    const clientKey = episode.clientKey ?? `client-${episode.episodeId}`;
    await insert('enrollments', [
      {
        clinic_id: clinicId,
        episode_id: episode.episodeId,
        client_key: clientKey,
        admission_date: episode.admissionDate,
        program_id: episode.programId ?? DEFAULT_PROGRAM,
        level_of_care: '2.1',
        primary_substance: episode.primarySubstance ?? 'alcohol',
        birth_year: episode.birthYear ?? 1990,
        sex: episode.sex ?? 'unknown',
      },
    ]);
    const base = { clinicId, episodeId: episode.episodeId, clientKey };
    await addSessions([
      ...(episode.attended ?? []).map((sessionDate) => ({ ...base, sessionDate, status: 'attended' as const })),
      ...(episode.noShows ?? []).map((sessionDate) => ({ ...base, sessionDate, status: 'no_show' as const })),
    ]);
    if (episode.discharge) {
      await insert('discharges', [
        { clinic_id: clinicId, episode_id: episode.episodeId, client_key: clientKey, discharge_date: episode.discharge.date, reason: episode.discharge.reason },
      ]);
    }
  }

  return {
    engine,
    insert,
    addEpisode,
    addSessions,
    run: (name, params) => engine.runQuery(name, params),
    sql: (sql) => engine.runSql(sql, []),
    async clear() {
      for (const table of LAKE_TABLES) await engine.exec(`DELETE FROM ${table.name}_current`);
    },
    close: () => engine.close(),
  };
}

/** `addDays('2024-02-28', 1)` → '2024-02-29' (UTC calendar arithmetic). */
export function addDays(date: string, days: number): string {
  const time = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(time).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
