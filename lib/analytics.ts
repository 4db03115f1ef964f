/**
 * What researchers, the refresh and the reports query: a Glue database with one
 * table per lake dataset (columns from LAKE_TABLES, partition projection on `dt`, no
 * crawlers), an Athena workgroup that enforces engine v3, KMS-encrypted results and
 * a scan cutoff, every query file as a named query, and the views.
 */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LAKE_TABLES, type LakeTable, SQL_TYPE } from '../lambdas/core/lake-columns';
import { loadQuery } from '../lambdas/adapters/query-files';
import { AthenaViews, readViewDefinitions } from './athena-views';
import { PROJECT_ROOT } from './handler-function';
import { DataBucket } from './secure-bucket';
import type { StageConfig } from './stage-config';
import type { ViewDefinition } from './athena-views/view-statements';

/** Hive/Glue type names for the SQL types of lake-columns.ts. */
export const GLUE_TYPE: Record<string, string> = {
  VARCHAR: 'string',
  INTEGER: 'int',
  BOOLEAN: 'boolean',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
};

export const PARTITION_KEY = 'dt';
/** Where the workgroup writes query results in the results bucket (CTAS tables under `<prefix>tables/<query id>/`). */
export const QUERY_RESULTS_PREFIX = 'results/';
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';
/** Folders of queries/ that are not Athena statements: lib/ holds fragments, shims/ DuckDB-only macros. */
const NOT_ATHENA_STATEMENTS = new Set(['lib', 'shims']);

export interface QueryFile {
  /** Path below queries/ without `.sql`, e.g. `metrics/retention`. */
  name: string;
  /** Expanded SQL (includes and macros resolved), exactly what Athena runs. */
  sql: string;
  description: string;
}

/** Every runnable query file under queries/, expanded by the same loader the engines use. */
export function readQueryFiles(queriesDir = path.join(PROJECT_ROOT, 'queries')): QueryFile[] {
  const files: string[] = [];
  const walk = (dir: string, relative: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry);
      const rel = relative ? `${relative}/${entry}` : entry;
      if (statSync(full).isDirectory()) {
        if (!(relative === '' && NOT_ATHENA_STATEMENTS.has(entry))) walk(full, rel);
      } else if (entry.endsWith('.sql')) {
        files.push(rel);
      }
    }
  };
  walk(queriesDir, '');
  return files.map((rel) => {
    const loaded = loadQuery(path.join(queriesDir, rel), queriesDir);
    return { name: rel.slice(0, -4), sql: loaded.sql, description: headerLine(loaded.sql) };
  });
}

/** First comment line of a file: the one-line summary its header opens with. */
function headerLine(sql: string): string {
  const first = sql.split(/\r?\n/).find((line) => line.trim().startsWith('--'));
  return (first ? first.replace(/^\s*--\s*/, '') : 'iop-outcomes query').slice(0, 1024);
}

export interface AnalyticsProps {
  config: StageConfig;
  lakeBucket: s3.IBucket;
  lakePrefix: string;
  dataKey: kms.IKey;
  logKey: kms.IKey;
  accessLogs: s3.IBucket;
  /** Defaults to reading queries/ at synth time. */
  queryFiles?: QueryFile[];
  views?: ViewDefinition[];
}

export class Analytics extends Construct {
  readonly databaseName: string;
  readonly database: glue.CfnDatabase;
  readonly tables: Record<string, glue.CfnTable> = {};
  readonly workGroup: athena.CfnWorkGroup;
  readonly workGroupName: string;
  readonly resultsBucket: s3.Bucket;
  readonly namedQueries: athena.CfnNamedQuery[] = [];
  readonly views: AthenaViews;

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    const { config, lakeBucket, dataKey } = props;
    const stack = Stack.of(this);
    this.databaseName = config.namePrefix.replace(/-/g, '_');
    this.workGroupName = config.namePrefix;

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: this.databaseName,
        description: 'iop-outcomes lake: pseudonymous IOP treatment events, one table per event type (see docs/data-dictionary.md)',
      },
    });

    for (const table of LAKE_TABLES) {
      const cfnTable = new glue.CfnTable(this, `Table-${table.name}`, {
        catalogId: stack.account,
        databaseName: this.databaseName,
        tableInput: this.tableInput(table, lakeBucket, props.lakePrefix, config.lake.partitionStartDate),
      });
      cfnTable.node.addDependency(this.database);
      this.tables[table.name] = cfnTable;
    }

    this.resultsBucket = new DataBucket(this, 'Results', {
      config,
      key: dataKey,
      accessLogs: props.accessLogs,
      accessLogPrefix: 'athena-results/',
      lifecycleRules: [
        {
          id: 'expire-query-results',
          expiration: Duration.days(config.analytics.queryResultsExpirationDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    }).bucket;

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'iop-outcomes: researchers, metric refresh and reports (engine v3, KMS results, scan cutoff)',
      state: 'ENABLED',
      // Dev can be torn down with its query history; prod keeps it.
      recursiveDeleteOption: !config.retainData,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: config.analytics.bytesScannedCutoffPerQuery,
        requesterPaysEnabled: false,
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/${QUERY_RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: dataKey.keyArn },
          expectedBucketOwner: stack.account,
        },
      },
    });

    for (const query of props.queryFiles ?? readQueryFiles()) {
      const named = new athena.CfnNamedQuery(this, `Query-${query.name.replace(/[^A-Za-z0-9]/g, '-')}`, {
        name: query.name.slice(0, 128),
        description: query.description,
        database: this.databaseName,
        queryString: query.sql,
        workGroup: this.workGroup.ref,
      });
      named.node.addDependency(this.database);
      this.namedQueries.push(named);
    }

    this.views = new AthenaViews(this, 'Views', {
      config,
      databaseName: this.databaseName,
      workGroupName: this.workGroupName,
      resultsBucket: this.resultsBucket,
      dataKey,
      logKey: props.logKey,
      views: props.views ?? readViewDefinitions(),
    });
    this.views.resource.node.addDependency(this.workGroup, ...Object.values(this.tables));
  }

  private tableInput(
    table: LakeTable,
    lakeBucket: s3.IBucket,
    lakePrefix: string,
    partitionStart: string,
  ): glue.CfnTable.TableInputProperty {
    const location = `s3://${lakeBucket.bucketName}/${lakePrefix}${table.name}/`;
    return {
      name: table.name,
      description: table.description,
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        EXTERNAL: 'TRUE',
        classification: 'parquet',
        'projection.enabled': 'true',
        [`projection.${PARTITION_KEY}.type`]: 'date',
        [`projection.${PARTITION_KEY}.format`]: 'yyyy-MM-dd',
        [`projection.${PARTITION_KEY}.range`]: `${partitionStart},NOW`,
        [`projection.${PARTITION_KEY}.interval`]: '1',
        [`projection.${PARTITION_KEY}.interval.unit`]: 'DAYS',
        'storage.location.template': `${location}${PARTITION_KEY}=\${${PARTITION_KEY}}/`,
      },
      partitionKeys: [
        { name: PARTITION_KEY, type: 'string', comment: 'UTC date of the change in the events table (YYYY-MM-DD); filter on it to read less' },
      ],
      storageDescriptor: {
        location,
        columns: table.columns.map((column) => ({
          name: column.name,
          type: GLUE_TYPE[SQL_TYPE[column.type]],
          comment: column.description.slice(0, 255),
        })),
        inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        serdeInfo: {
          serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
          parameters: { 'serialization.format': '1' },
        },
      },
    };
  }
}
