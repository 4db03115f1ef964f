/**
 * Makes DuckDB expose the lake under the names Athena uses: one view per lake table
 * over a local mirror of the bucket, then the `<table>_current` views from
 * queries/views/. The metrics' DuckDB engine runs these statements in order.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LAKE_PREFIX } from '../core/runtime-env';
import { LAKE_TABLES, type LakeTable, SQL_TYPE } from '../core/lake-columns';
import { QUERIES_DIR } from './query-files';

/** Partition columns, as Athena's projection declares them (strings). */
const PARTITION_COLUMNS = ['dt'];

/**
 * Statements for a mirror folder holding `<mirrorDir>/<lakePrefix><table>/dt=…/*.parquet`.
 * Every table view has exactly the Glue columns, in order, plus `dt`: a column no file has
 * yet (a newer contract field) reads as NULL, as in Athena, and a table with no files is an
 * empty, typed view so queries on an empty lake still run.
 */
export function lakeViewStatements(mirrorDir: string, lakePrefix = DEFAULT_LAKE_PREFIX, queriesDir = QUERIES_DIR): string[] {
  return [...LAKE_TABLES.map((table) => tableViewStatement(table, join(mirrorDir, lakePrefix, table.name))), ...currentViewStatements(queriesDir)];
}

/** The `<table>_current` view definitions, in lake-table order. */
export function currentViewStatements(queriesDir = QUERIES_DIR): string[] {
  return LAKE_TABLES.map((table) => readFileSync(join(queriesDir, 'views', `${table.name}_current.sql`), 'utf8'));
}

export function tableViewStatement(table: LakeTable, tableDir: string): string {
  const typedNulls = (timestampType: string) =>
    [
      ...table.columns.map(
        (column) => `CAST(NULL AS ${column.type === 'TIMESTAMP' ? timestampType : SQL_TYPE[column.type]}) AS ${column.name}`,
      ),
      ...PARTITION_COLUMNS.map((name) => `CAST(NULL AS VARCHAR) AS ${name}`),
    ].join(', ');
  if (!hasParquetFiles(tableDir)) return `CREATE OR REPLACE VIEW ${table.name} AS SELECT ${typedNulls('TIMESTAMP')} WHERE false`;
  // The files hold UTC-adjusted timestamps, which DuckDB reads as TIMESTAMPTZ; Athena reads
  // them as TIMESTAMP in UTC. timezone('UTC', …) gives that, whatever the session time zone.
  const selectList = [
    ...table.columns.map((column) => (column.type === 'TIMESTAMP' ? `timezone('UTC', ${column.name}) AS ${column.name}` : column.name)),
    ...PARTITION_COLUMNS,
  ].join(', ');
  const glob = sqlString(join(tableDir, '*', '*.parquet'));
  const files =
    `SELECT * FROM read_parquet(${glob}, hive_partitioning = true, union_by_name = true, ` +
    `hive_types = {'dt': VARCHAR})`;
  // UNION ALL BY NAME with a typed empty relation pins every declared column and its type.
  return (
    `CREATE OR REPLACE VIEW ${table.name} AS SELECT ${selectList} ` +
    `FROM (SELECT ${typedNulls('TIMESTAMPTZ')} WHERE false UNION ALL BY NAME ${files}) lake_files`
  );
}

function hasParquetFiles(tableDir: string): boolean {
  if (!existsSync(tableDir)) return false;
  return readdirSync(tableDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name.startsWith('dt='))
    .some((partition) => readdirSync(join(tableDir, partition.name)).some((file) => file.endsWith('.parquet')));
}

function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
