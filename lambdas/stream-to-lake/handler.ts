/**
 * Stream-to-lake Lambda: DynamoDB stream batches of the events table → Parquet in the
 * lake bucket. A plain async handler (no middy) so the local stream mapping can load it
 * under tsx too; partial failures are reported per record (ReportBatchItemFailures).
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { S3ObjectStore, s3ClientFromEnv } from '../adapters/object-store';
import { type DeliveryDeps, deliverChanges } from '../core/deliver-changes';
import { DEFAULT_LAKE_PREFIX, DEFAULT_QUARANTINE_PREFIX, RUNTIME_ENV, requiredEnv } from '../core/runtime-env';

let deps: DeliveryDeps | undefined;

/** Built on first use (not at import) so tests and the local runtime can set the environment first. */
function deliveryDeps(): DeliveryDeps {
  deps ??= {
    store: new S3ObjectStore(s3ClientFromEnv(), requiredEnv(RUNTIME_ENV.lakeBucket)),
    lakePrefix: process.env[RUNTIME_ENV.lakePrefix] || DEFAULT_LAKE_PREFIX,
    quarantinePrefix: process.env[RUNTIME_ENV.quarantinePrefix] || DEFAULT_QUARANTINE_PREFIX,
    log: (message, fields) => console.log(JSON.stringify({ level: 'INFO', service: 'stream-to-lake', message, ...fields })),
  };
  return deps;
}

export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const report = await deliverChanges(event.Records ?? [], deliveryDeps());
  return { batchItemFailures: report.batchItemFailures };
}
