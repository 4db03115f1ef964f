import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { ATHENA_ENGINE_VERSION, readQueryFiles } from '../../lib/analytics';
import { readViewDefinitions } from '../../lib/athena-views';
import { PROJECT_ROOT } from '../../lib/handler-function';
import { LAKE_TABLES } from '../../lambdas/core/lake-columns';
import { resourceId, synthStack } from './support/synth';

const HIVE_TYPE = { STRING: 'string', INT: 'int', BOOLEAN: 'boolean', DATE: 'date', TIMESTAMP: 'timestamp' } as const;

function sqlFilesUnder(dir: string, relative = ''): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    const rel = relative ? `${relative}/${entry}` : entry;
    if (statSync(full).isDirectory()) return sqlFilesUnder(full, rel);
    return entry.endsWith('.sql') ? [rel] : [];
  });
}

describe('analytics', () => {
  const { template } = synthStack('dev');
  const lakeBucket = resourceId(template, 'AWS::S3::Bucket', 'LakeBucket');
  const resultsBucket = resourceId(template, 'AWS::S3::Bucket', 'AnalyticsResultsBucket');
  const dataKey = resourceId(template, 'AWS::KMS::Key', 'KeysData');

  it('should declare one Glue table per lake table whose columns and types equal LAKE_TABLES', () => {
    // Assess
    template.resourceCountIs('AWS::Glue::Table', LAKE_TABLES.length);
    for (const table of LAKE_TABLES) {
      template.hasResourceProperties('AWS::Glue::Table', {
        DatabaseName: 'iop_outcomes_dev',
        TableInput: Match.objectLike({
          Name: table.name,
          TableType: 'EXTERNAL_TABLE',
          PartitionKeys: [Match.objectLike({ Name: 'dt', Type: 'string' })],
          StorageDescriptor: Match.objectLike({
            Columns: table.columns.map((column) => Match.objectLike({ Name: column.name, Type: HIVE_TYPE[column.type] })),
            InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' }),
            Location: { 'Fn::Join': ['', ['s3://', { Ref: lakeBucket }, `/lake/${table.name}/`]] },
          }),
        }),
      });
    }
  });

  it('should project dt partitions by day from the configured start to now, with no crawler', () => {
    // Assess
    const tables = Object.values(template.findResources('AWS::Glue::Table'));
    for (const table of tables) {
      const name = table.Properties.TableInput.Name;
      expect(table.Properties.TableInput.Parameters).toEqual({
        EXTERNAL: 'TRUE',
        classification: 'parquet',
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': '2024-01-01,NOW',
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
        'storage.location.template': { 'Fn::Join': ['', ['s3://', { Ref: lakeBucket }, `/lake/${name}/dt=\${dt}/`]] },
      });
    }
    template.resourceCountIs('AWS::Glue::Crawler', 0);
  });

  it('should enforce engine v3, KMS-encrypted results, a scan cutoff and CloudWatch metrics on the workgroup', () => {
    // Assess
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'iop-outcomes-dev',
      State: 'ENABLED',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        EngineVersion: { SelectedEngineVersion: ATHENA_ENGINE_VERSION },
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10_000_000_000,
        RequesterPaysEnabled: false,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: resultsBucket }, '/results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [dataKey, 'Arn'] } },
          ExpectedBucketOwner: '123456789012',
        },
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 7, Status: 'Enabled' })]) },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'athena-results/' }),
    });
  });

  it('should register every runnable queries/ file as a named query with its expanded SQL', () => {
    // Prepare: an independent walk of queries/, leaving out fragments (lib/) and DuckDB-only shims (shims/)
    const expected = sqlFilesUnder(path.join(PROJECT_ROOT, 'queries'))
      .filter((file) => !file.startsWith('lib/') && !file.startsWith('shims/'))
      .map((file) => file.slice(0, -4))
      .sort();

    // Act
    const named = Object.values(template.findResources('AWS::Athena::NamedQuery')).map((query) => query.Properties);

    // Assess
    expect(expected.length).toBeGreaterThan(0);
    expect(named.map((query) => query.Name).sort()).toEqual(expected);
    for (const query of named) {
      expect(query).toMatchObject({ Database: 'iop_outcomes_dev', WorkGroup: { Ref: resourceId(template, 'AWS::Athena::WorkGroup', 'AnalyticsWorkGroup') } });
      expect(query.QueryString).not.toMatch(/^--\s*include:/m);
      expect(query.QueryString.length).toBeLessThan(262_144);
    }
  });

  it('should register exactly the query files it is given', () => {
    // Prepare
    const queryFiles = [{ name: 'metrics/example', sql: 'SELECT 1', description: 'example' }];

    // Act
    const { template: custom } = synthStack('dev', { queryFiles, views: [] });

    // Assess
    custom.resourceCountIs('AWS::Athena::NamedQuery', 1);
    custom.hasResourceProperties('AWS::Athena::NamedQuery', { Name: 'metrics/example', QueryString: 'SELECT 1', Description: 'example' });
  });

  it('should hand every queries/views file to the view custom resource, after the tables and workgroup exist', () => {
    // Assess
    const views = readViewDefinitions();
    expect(views.length).toBeGreaterThan(0);
    const [id, resource] = Object.entries(template.findResources('Custom::AthenaViews'))[0];
    expect(resource.Properties).toMatchObject({ WorkGroup: 'iop-outcomes-dev', Database: 'iop_outcomes_dev', Views: views });
    expect(resource.DependsOn).toEqual(
      expect.arrayContaining([
        resourceId(template, 'AWS::Athena::WorkGroup', 'AnalyticsWorkGroup'),
        ...Object.keys(template.findResources('AWS::Glue::Table')),
      ]),
    );
    expect(id).toMatch(/^AnalyticsViews/);
  });

  it('should refuse two view files that create the same view, naming it', () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'views-'));
    writeFileSync(path.join(dir, 'a.sql'), '-- a\nCREATE OR REPLACE VIEW same AS SELECT 1\n');
    writeFileSync(path.join(dir, 'b.sql'), 'CREATE VIEW same AS SELECT 2;\n');

    // Act / Assess
    try {
      expect(() => readViewDefinitions(dir)).toThrow('queries/views: two files create the view same');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should expand queries through the same loader the engines use', () => {
    // Act
    const files = readQueryFiles();

    // Assess
    expect(files.every((file) => !file.name.startsWith('lib/') && !file.name.startsWith('shims/'))).toBe(true);
    expect(files.every((file) => file.description.length > 0 && file.description.length <= 1024)).toBe(true);
  });
});
