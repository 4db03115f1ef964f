/**
 * Environment variables the Lambda handlers read. The CDK stack sets them in AWS
 * and the local runtime sets them for the same handlers; both import these names.
 * AWS SDK endpoints are not here: locally the standard AWS_ENDPOINT_URL_DYNAMODB /
 * AWS_ENDPOINT_URL_S3 variables point the real SDK clients at the local servers.
 */
export const RUNTIME_ENV = {
  /** DynamoDB events table (system of record). */
  eventsTable: 'EVENTS_TABLE_NAME',
  /** Secrets Manager secret holding the pseudonymisation key (AWS). */
  pseudonymSecretArn: 'PSEUDONYM_SECRET_ARN',
  /** File holding the pseudonymisation key (local runtime). */
  pseudonymKeyFile: 'PSEUDONYM_KEY_FILE',
  /** DynamoDB table of clinic API keys, stored as SHA-256 hashes (AWS). */
  clinicKeysTable: 'CLINIC_KEYS_TABLE_NAME',
  /** JSON file {"<clinicId>": "<key>"} (local runtime). */
  clinicCredentialsFile: 'CLINIC_CREDENTIALS_FILE',
  maxEventsPerBatch: 'MAX_EVENTS_PER_BATCH',
  maxBodyBytes: 'MAX_BODY_BYTES',
  /** S3 bucket of the lake, and the prefixes inside it. */
  lakeBucket: 'LAKE_BUCKET',
  lakePrefix: 'LAKE_PREFIX',
  quarantinePrefix: 'QUARANTINE_PREFIX',
  /** S3 bucket and prefix of the materialised dashboard metrics (refresh writes, metrics API reads). */
  metricsBucket: 'METRICS_BUCKET',
  metricsPrefix: 'METRICS_PREFIX',
  /** Athena workgroup and Glue database the deployed query engine runs metric SQL in. */
  athenaWorkGroup: 'ATHENA_WORKGROUP',
  athenaDatabase: 'ATHENA_DATABASE',
  /**
   * The workgroup's query results location (s3://bucket/prefix/). Set for the refresh: its
   * per-refresh CTAS snapshot lands under <location>tables/ and is deleted from there.
   */
  athenaResultsLocation: 'ATHENA_RESULTS_LOCATION',
  /** Folder holding queries/ inside a Lambda bundle (defaults to the source tree locally). */
  queriesDir: 'QUERIES_DIR',
  /** Set to "true" to force S3 path-style addressing (local S3 server). */
  s3ForcePathStyle: 'S3_FORCE_PATH_STYLE',
} as const;

export const DEFAULT_LAKE_PREFIX = 'lake/';
export const DEFAULT_QUARANTINE_PREFIX = 'quarantine/';

/** Reads a required variable, failing at cold start with a message an operator can act on. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; the stack (or the local runtime) must set it`);
  return value;
}
