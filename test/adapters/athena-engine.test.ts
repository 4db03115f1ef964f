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
import { athenaLiteral, createAthenaEngine, inlineParameters, typedValue } from '../../lambdas/adapters/athena-engine';

const athena = mockClient(AthenaClient);

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
