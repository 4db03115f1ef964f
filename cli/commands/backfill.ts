import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from '../command';
import { CliError, parseOptions } from '../command';
import { LOCAL_AWS_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local';
import { runningStack } from '../local/stack';
import { eventsTableScan } from '../../lambdas/adapters/events-scan';
import { S3ObjectStore } from '../../lambdas/adapters/object-store';
import { backfillLake } from '../../lambdas/core/backfill-lake';
import { DEFAULT_LAKE_PREFIX, RUNTIME_ENV } from '../../lambdas/core/runtime-env';

export const command: Command = {
  summary: 'Rebuild the lake from the events table (new deployment, schema change, lost stream batches)',
  usage: [
    'iop-outcomes backfill                               the running local stack (`serve`)',
    'iop-outcomes backfill --table T --bucket B [...]    a deployed stage (AWS credentials from the environment)',
    '',
    '  --table NAME     events table (default $EVENTS_TABLE_NAME)',
    '  --bucket NAME    lake bucket (default $LAKE_BUCKET)',
    `  --prefix P       lake prefix in the bucket (default $LAKE_PREFIX or ${DEFAULT_LAKE_PREFIX})`,
    '  --segments N     parallel scan segments (default 4)',
    '',
    'Every item becomes one INSERT row (change_seq all zeros) under new object keys; then',
    'the objects that were in the lake before are deleted, oldest change first. Readers see',
    'a consistent lake throughout, and stream deliveries may continue (docs/adr/0043).',
  ].join('\n'),
  async run(argv) {
    const { values } = parseOptions(argv, {
      table: { type: 'string' },
      bucket: { type: 'string' },
      prefix: { type: 'string' },
      segments: { type: 'string', default: '4' },
    });
    const segments = Number(values.segments);
    if (!Number.isInteger(segments) || segments < 1 || segments > 64) {
      throw new CliError(`--segments must be a whole number from 1 to 64, got "${values.segments}"`);
    }
    const prefix = values.prefix ?? process.env[RUNTIME_ENV.lakePrefix] ?? DEFAULT_LAKE_PREFIX;
    if (!prefix.endsWith('/')) throw new CliError(`--prefix must end with "/", e.g. ${DEFAULT_LAKE_PREFIX}`);
    const target = resolveTarget(values.table, values.bucket);
    const runId = `${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}-${randomBytes(3).toString('hex')}`;
    console.log(`Backfilling s3://${target.bucket}/${prefix} from table ${target.table} (${target.where}, ${segments} segments, run ${runId})…`);
    try {
      const report = await backfillLake({
        store: new S3ObjectStore(target.s3, target.bucket),
        lakePrefix: prefix,
        scan: eventsTableScan(target.dynamo, target.table),
        segments,
        runId,
      });
      console.log(
        `Done: ${report.items} items → ${report.rows} rows in ${report.written.length} objects; ${report.removed} earlier objects removed.`,
      );
      for (const skipped of report.skipped) console.log(`  skipped ${String(skipped.pk)}: ${skipped.reason}`);
      return report.skipped.length > 0 ? 1 : 0;
    } finally {
      target.dynamo.destroy();
      target.s3.destroy();
    }
  },
};

function resolveTarget(table: string | undefined, bucket: string | undefined) {
  if (table || bucket) {
    const tableName = table ?? process.env[RUNTIME_ENV.eventsTable];
    const bucketName = bucket ?? process.env[RUNTIME_ENV.lakeBucket];
    if (!tableName || !bucketName) throw new CliError('give both --table and --bucket (or set EVENTS_TABLE_NAME and LAKE_BUCKET)');
    return {
      table: tableName,
      bucket: bucketName,
      where: 'AWS',
      dynamo: new DynamoDBClient({}),
      s3: new S3Client({ forcePathStyle: process.env[RUNTIME_ENV.s3ForcePathStyle] === 'true' }),
    };
  }
  const stack = runningStack();
  if (!stack) {
    throw new CliError('no local stack is running. Start it with `iop-outcomes serve`, or give --table and --bucket for a deployed stage.');
  }
  const local = { region: LOCAL_REGION, credentials: LOCAL_AWS_CREDENTIALS };
  return {
    table: stack.tableName,
    bucket: stack.bucket,
    where: 'local stack',
    dynamo: new DynamoDBClient({ ...local, endpoint: stack.dynamoEndpoint }),
    s3: new S3Client({ ...local, endpoint: stack.s3Endpoint, forcePathStyle: true }),
  };
}
