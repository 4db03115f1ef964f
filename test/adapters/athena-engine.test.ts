import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  InvalidRequestException,
  TooManyRequestsException,
} from '@aws-sdk/client-athena';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { TrinoSQL } from 'dt-sql-parser';
import {
  athenaLiteral,
  createAthenaEngine,
  inlineParameters,
  refreshDatabaseName,
  SNAPSHOT_VIEWS,
  snapshotPlan,
  typedValue,
  viewSelect,
} from '../../lambdas/adapters/athena-engine';
import { S3ObjectStore } from '../../lambdas/adapters/object-store';
import { LAKE_TABLE_NAMES } from '../../lambdas/core/lake-columns';

const athena = mockClient(AthenaClient);
const s3 = mockClient(S3Client);

function header(names: string[]) {
  return { Data: names.map((name) => ({ VarCharValue: name })) };
}

function dataRow(values: (string | undefined)[]) {
  return { Data: values.map((value) => (value === undefined ? {} : { VarCharValue: value })) };
}

function engine(delays: number[] = [], clock = { now: 0 }) {
  return createAthenaEngine({
    workGroup: 'iop-outcomes-test',
    database: 'iop_lake',
    client: new AthenaClient({ region: 'us-east-1' }),
    timeoutMs: 10_000,
    firstPollMs: 100,
    maxPollMs: 400,
    sleep: async (ms) => {
      delays.push(ms);
      clock.now += ms;
    },
    now: () => clock.now,
  });
}

describe('Athena query engine', () => {
  beforeEach(() => {
    athena.reset();
  });

  it('should start the expanded query with named parameters bound in header order as SQL literals', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'scope', Type: 'varchar' }] }, Rows: [header(['scope'])] } });

    // Act
    await engine().runQuery('retention', { as_of: '2026-06-30', clinic_id: "o'clinic", inactivity_days: 14 });

    // Assess
    const input = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(input.WorkGroup).toBe('iop-outcomes-test');
    expect(input.QueryExecutionContext).toEqual({ Database: 'iop_lake', Catalog: undefined });
    expect(input.ExecutionParameters).toEqual(["'2026-06-30'", "'o''clinic'", 'NULL', 'NULL', 'NULL', '14', 'NULL']);
    expect(input.QueryString).toContain('survival');
    expect(input.QueryString).not.toMatch(/wilson_lower|survival_ci_lower|-- include:/);
  });

  it('should poll with doubling backoff and read every result page with typed values', async () => {
    // Prepare
    const delays: number[] = [];
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const columns = [
      { Name: 'scope', Type: 'varchar' },
      { Name: 'day', Type: 'bigint' },
      { Name: 'estimate', Type: 'double' },
      { Name: 'admitted', Type: 'date' },
      { Name: 'seen_at', Type: 'timestamp' },
      { Name: 'active', Type: 'boolean' },
    ];
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-2', NextToken: undefined })
      .resolves({
        NextToken: 'page-2',
        ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [header(columns.map((column) => column.Name)), dataRow(['all', '30', '0.75', '2024-02-29', '2026-06-30 23:59:59.5', 'true'])] },
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-2', NextToken: 'page-2' })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [dataRow(['clinic-a', '60', undefined, undefined, undefined, 'false'])] } });

    // Act
    const rows = await engine(delays).runSql('SELECT 1', []);

    // Assess
    expect(delays).toEqual([100, 200, 400, 400]);
    expect(rows).toEqual([
      { scope: 'all', day: 30, estimate: 0.75, admitted: '2024-02-29', seen_at: '2026-06-30T23:59:59.500Z', active: true },
      { scope: 'clinic-a', day: 60, estimate: null, admitted: null, seen_at: null, active: false },
    ]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.ExecutionParameters).toBeUndefined();
  });

  it('should stop the query and say so when it runs past the timeout', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-slow' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});

    // Act
    const run = engine().runSql('SELECT 1', []);

    // Assess
    await expect(run).rejects.toThrow(/q-slow did not finish within 10 s and was stopped/);
    expect(athena.commandCalls(StopQueryExecutionCommand)[0].args[0].input).toEqual({ QueryExecutionId: 'q-slow' });
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('should explain a failed query with its reason and id', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-bad' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'FAILED', StateChangeReason: "COLUMN_NOT_FOUND: line 3:8: Column 'x' cannot be resolved", AthenaError: { ErrorCategory: 2 } } },
    });
    await expect(engine().runSql('SELECT x', [])).rejects.toThrow(/rejected query q-bad \(a problem in the SQL or the data\): COLUMN_NOT_FOUND/);
  });

  it('should name the bytes-scanned limit when the workgroup cut the query off', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-big' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'Query cancelled: bytes scanned limit was exceeded', AthenaError: { ErrorCategory: 2 } } },
    });
    await expect(engine().runSql('SELECT 1', [])).rejects.toThrow(/bytes-scanned limit.*Narrow the cohort/);
  });

  it('should retry a throttled start and then give up with a clear message', async () => {
    const throttled = new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
    athena.on(StartQueryExecutionCommand).rejectsOnce(throttled).resolves({ QueryExecutionId: 'q-3' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    await expect(engine().runSql('SELECT 1', [])).resolves.toEqual([]);

    athena.reset();
    athena.on(StartQueryExecutionCommand).rejects(throttled);
    await expect(engine().runSql('SELECT 1', [])).rejects.toThrow(/throttling workgroup "iop-outcomes-test"/);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(4);
  });

  it('should name the workgroup when Athena refuses to start', async () => {
    athena.on(StartQueryExecutionCommand).rejects(new InvalidRequestException({ message: 'WorkGroup iop-outcomes-test is not found', $metadata: {} }));
    await expect(engine().runSql('SELECT 1', [])).rejects.toThrow(/refused to start the query in workgroup "iop-outcomes-test": WorkGroup iop-outcomes-test is not found/);
  });

  it('should report a cancelled query', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-c' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'CANCELLED' } } });
    await expect(engine().runSql('SELECT 1', [])).rejects.toThrow(/q-c was cancelled/);
  });

  it('should rerun with inlined literals when Athena rejects the parameter placement', async () => {
    // Prepare: Athena's docs allow `?` only in WHERE; the params CTE has them in a SELECT list.
    athena.on(StartQueryExecutionCommand).resolvesOnce({ QueryExecutionId: 'q-params' }).resolves({ QueryExecutionId: 'q-inline' });
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q-params' }).resolves({
      QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'INVALID_PARAMETER_USAGE: Query parameters are not allowed here', AthenaError: { ErrorCategory: 2 } } },
    });
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q-inline' }).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });

    // Act
    await engine().runQuery('retention', { as_of: '2026-06-30', clinic_id: "o'clinic" });

    // Assess
    const retry = athena.commandCalls(StartQueryExecutionCommand)[1].args[0].input;
    expect(retry.ExecutionParameters).toBeUndefined();
    expect(retry.QueryString).toContain("CAST('2026-06-30' AS DATE) AS as_of");
    expect(retry.QueryString).toContain("CAST('o''clinic' AS VARCHAR) AS clinic_id");
    expect(retry.QueryString).toContain('CAST(30 AS INTEGER) AS inactivity_days');
  });

  it('should inline only real placeholders, not question marks in strings or comments', () => {
    expect(inlineParameters("SELECT '?' AS q, ? AS a -- why?\nFROM t WHERE b = ?", ['x', 2])).toBe("SELECT '?' AS q, 'x' AS a -- why?\nFROM t WHERE b = 2");
    expect(() => inlineParameters('SELECT ?', [])).toThrow(/more "\?" placeholders/);
  });

  it('should write parameters as Athena literals and type result text', () => {
    expect([athenaLiteral(null), athenaLiteral(30), athenaLiteral(true), athenaLiteral("it's")]).toEqual(['NULL', '30', 'true', "'it''s'"]);
    expect([typedValue('12', 'integer'), typedValue('1.5', 'decimal(10,2)'), typedValue('2026-01-01', 'date')]).toEqual([12, 1.5, '2026-01-01']);
  });
});

describe('Athena refresh snapshot (CTAS per refresh)', () => {
  const REFRESH_DB = 'iop_lake_refresh_20261129t231500_0a1b2c3d';
  const trino = new TrinoSQL();

  /** Records every statement with the database it ran in; `failWhen` marks statements whose query FAILS. */
  function fakeAthena(failWhen: (sql: string) => boolean = () => false) {
    const started: { id: string; sql: string; database?: string }[] = [];
    athena.on(StartQueryExecutionCommand).callsFake((input) => {
      const id = `q-${started.length + 1}`;
      started.push({ id, sql: input.QueryString, database: input.QueryExecutionContext?.Database });
      return { QueryExecutionId: id };
    });
    athena.on(GetQueryExecutionCommand).callsFake((input) => {
      const statement = started.find((entry) => entry.id === input.QueryExecutionId);
      return statement && failWhen(statement.sql)
        ? { QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'HIVE_BAD_DATA: broken file', AthenaError: { ErrorCategory: 2 } } } }
        : { QueryExecution: { Status: { State: 'SUCCEEDED' } } };
    });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] }, Rows: [header(['n']), dataRow(['1'])] } });
    // Each CTAS wrote one file into its own folder under the workgroup's results location.
    s3.on(ListObjectsV2Command).callsFake((input) => ({ Contents: [{ Key: `${input.Prefix}part-0.parquet`, Size: 10 }], IsTruncated: false }));
    s3.on(DeleteObjectsCommand).resolves({});
    return started;
  }

  function snapshotEngine(log: string[] = []) {
    return createAthenaEngine({
      workGroup: 'iop-outcomes-test',
      database: 'iop_lake',
      client: new AthenaClient({ region: 'us-east-1' }),
      firstPollMs: 1,
      sleep: async () => {},
      snapshot: {
        resultsLocation: 's3://iop-results/results/',
        store: new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'iop-results'),
        suffix: () => '20261129T231500_0a1b2c3d',
        log: (line) => log.push(line),
      },
    });
  }

  const deletedKeys = () => s3.commandCalls(DeleteObjectsCommand).flatMap((call) => (call.args[0].input.Delete?.Objects ?? []).map((object) => object.Key));

  beforeEach(() => {
    athena.reset();
    s3.reset();
  });

  it('should name the refresh database after the lake database, a UTC stamp and a random part', () => {
    expect(refreshDatabaseName('iop_lake', '20261129T231500_0a1b2c3d')).toBe(REFRESH_DB);
  });

  it('should create the database, lake views, _current tables, then episodes, and run metric queries in the refresh database', async () => {
    // Prepare
    const started = fakeAthena();
    const engine = snapshotEngine();

    // Act: a second prepare changes nothing (once per engine, as on DuckDB)
    await engine.prepare?.();
    await engine.prepare?.();
    await engine.runQuery('retention', { as_of: '2026-06-30' });

    // Assess
    const statements = started.map((entry) => entry.sql);
    expect(statements[0]).toBe(`CREATE SCHEMA ${REFRESH_DB}`);
    const views = statements.filter((sql) => sql.startsWith('CREATE VIEW'));
    expect(views).toEqual(LAKE_TABLE_NAMES.map((table) => `CREATE VIEW ${REFRESH_DB}.${table} AS SELECT * FROM iop_lake.${table}`));
    const ctas = started.filter((entry) => entry.sql.startsWith('CREATE TABLE'));
    expect(ctas.map((entry) => entry.sql.split('\n')[0])).toEqual(SNAPSHOT_VIEWS.map((view) => `CREATE TABLE ${REFRESH_DB}.${view}`));
    expect(ctas.every((entry) => entry.database === REFRESH_DB && /WITH \(format = 'PARQUET', write_compression = 'ZSTD'\)/.test(entry.sql))).toBe(true);
    // episodes comes last, after every statement it depends on, and reads the snapshot's _current tables (unqualified, in the refresh database).
    const episodes = ctas[ctas.length - 1];
    expect(episodes.sql).toMatch(/FROM enrollments_current e/);
    expect(episodes.sql).not.toMatch(/iop_lake\./);
    const metric = started[started.length - 1];
    expect(metric.sql).toContain('survival');
    expect(metric.database).toBe(REFRESH_DB);
    expect(started.filter((entry) => entry.database === 'iop_lake').map((entry) => entry.sql)).toEqual([`CREATE SCHEMA ${REFRESH_DB}`]);
  });

  it('should drop the database and delete every CTAS folder at close, and query the lake again', async () => {
    // Prepare
    const started = fakeAthena();
    const engine = snapshotEngine();
    await engine.prepare?.();

    // Act
    await engine.close();

    // Assess
    const ctasIds = started.filter((entry) => entry.sql.startsWith('CREATE TABLE')).map((entry) => entry.id);
    expect(ctasIds).toHaveLength(SNAPSHOT_VIEWS.length);
    expect(started[started.length - 1]).toEqual({ id: expect.any(String), sql: `DROP SCHEMA IF EXISTS ${REFRESH_DB} CASCADE`, database: 'iop_lake' });
    expect(s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix)).toEqual(ctasIds.map((id) => `results/tables/${id}/`));
    expect(deletedKeys()).toEqual(ctasIds.map((id) => `results/tables/${id}/part-0.parquet`));
  });

  it('should fail prepare with the table and reason when a CTAS fails, and clean up at once', async () => {
    // Prepare
    const started = fakeAthena((sql) => sql.startsWith(`CREATE TABLE ${REFRESH_DB}.attendance_current`));
    const engine = snapshotEngine();

    // Act
    const prepared = engine.prepare?.();

    // Assess
    await expect(prepared).rejects.toThrow(`refresh snapshot: CTAS of ${REFRESH_DB}.attendance_current failed: Athena rejected query`);
    await expect(prepared).rejects.toThrow(/HIVE_BAD_DATA: broken file/);
    await expect(engine.prepare?.()).rejects.toThrow('(it failed or was dropped); open a new engine');
    const statements = started.map((entry) => entry.sql);
    expect(statements.some((sql) => sql.startsWith(`CREATE TABLE ${REFRESH_DB}.episodes`))).toBe(false);
    expect(statements[statements.length - 1]).toBe(`DROP SCHEMA IF EXISTS ${REFRESH_DB} CASCADE`);
    // The failed CTAS's partial files are deleted too.
    const failedId = started.find((entry) => entry.sql.startsWith(`CREATE TABLE ${REFRESH_DB}.attendance_current`))?.id;
    expect(deletedKeys()).toContain(`results/tables/${failedId}/part-0.parquet`);
    // Queries after a failed prepare do not run in the dropped database.
    await engine.runSql('SELECT 1', []);
    expect(started[started.length - 1].database).toBe('iop_lake');
    // Cleanup already ran: close drops nothing twice.
    const before = started.length;
    await engine.close();
    expect(started).toHaveLength(before);
  });

  it('should still delete the files, then reject with what is left, when dropping the database fails', async () => {
    // Prepare
    fakeAthena((sql) => sql.startsWith('DROP SCHEMA'));
    const log: string[] = [];
    const engine = snapshotEngine(log);
    await engine.prepare?.();

    // Act
    const closed = engine.close();

    // Assess
    await expect(closed).rejects.toThrow(`dropping the Glue database ${REFRESH_DB} failed`);
    expect(deletedKeys()).toHaveLength(SNAPSHOT_VIEWS.length);
    expect(log.join('\n')).toContain(REFRESH_DB);
  });

  it('should offer no prepare step without the snapshot option (reports and the CLI query the lake directly)', () => {
    expect(engine().prepare).toBeUndefined();
    expect(snapshotEngine().prepare).toBeInstanceOf(Function);
  });

  it('should generate only statements that parse with the Trino grammar', () => {
    // Prepare
    const plan = snapshotPlan({ lakeDatabase: 'iop_outcomes_prod', database: refreshDatabaseName('iop_outcomes_prod', '20261129T231500_0a1b2c3d') });
    const statements = [plan.createDatabase, ...plan.lakeViews, ...plan.levels.flat().map((table) => table.sql), plan.dropDatabase];

    // Act
    const errors = statements.map((sql) => trino.validate(sql).map((error) => `${sql.split('\n')[0]}: ${error.message}`)).flat();

    // Assess
    expect(statements).toHaveLength(2 + LAKE_TABLE_NAMES.length + SNAPSHOT_VIEWS.length);
    expect(errors).toEqual([]);
    expect(trino.validate(`CREATE TABLE x WITH (format = 'PARQUET') AS SELECT FROM`).length).toBeGreaterThan(0);
  });

  it('should order the snapshot so episodes is built from the _current tables it reads', () => {
    const plan = snapshotPlan({ lakeDatabase: 'iop_lake', database: REFRESH_DB });
    expect(plan.levels.map((level) => level.map((table) => table.name))).toEqual([LAKE_TABLE_NAMES.map((table) => `${table}_current`), ['episodes']]);
    expect(plan.levels[1][0].reads.sort()).toEqual(['discharges_current', 'enrollments_current']);
  });

  it('should take the SELECT of a view file and refuse a file that is not that view', () => {
    expect(viewSelect('-- header\nCREATE OR REPLACE VIEW a_current AS\nSELECT 1 AS x;\n', 'a_current')).toBe('SELECT 1 AS x');
    expect(() => viewSelect('CREATE OR REPLACE VIEW b AS SELECT 1', 'a_current')).toThrow('views/a_current.sql must hold one');
    expect(() => snapshotPlan({ lakeDatabase: 'iop-lake', database: REFRESH_DB })).toThrow('"iop-lake" is not a plain lower-case identifier');
  });
});
