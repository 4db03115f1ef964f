/**
 * `iop-outcomes clinic-key`: the operator's command for clinic API keys in a deployed
 * stage (or any clinic-keys table, e.g. on DynamoDB Local). Keys are made by the one
 * issuing function the local stack also uses (lambdas/core/clinic-key-issue.ts); the
 * table receives only their SHA-256. Why rotation overlaps and revocation flushes the
 * authorizer cache: docs/adr/0115-clinic-key-command.md.
 */
import { APIGatewayClient, FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CliError, type Command, parseOptions } from '../command';
import { LOCAL_AWS_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local';
import { type ClinicKeyStore, createDynamoClinicKeyStore } from '../../lambdas/adapters/clinic-credentials';
import { ClinicIdError, issueClinicKey, type IssuedClinicKey } from '../../lambdas/core/clinic-key-issue';
import { clinicKeyId, clinicKeyRefusal, type ClinicKeyRecord } from '../../lambdas/core/clinic-keys';

const ACTIONS = ['issue', 'rotate', 'revoke', 'list'] as const;
type Action = (typeof ACTIONS)[number];

/** Default overlap of a rotation: a working day for the clinic to switch its export job. */
export const DEFAULT_OVERLAP = '24h';
const MAX_OVERLAP_MS = 30 * 86_400_000;

const USAGE = `iop-outcomes clinic-key issue  --clinic ID  (--stage S | --table T [--api-url URL] | --table T --endpoint URL)
iop-outcomes clinic-key rotate --clinic ID [--overlap 24h]  (target as above)
iop-outcomes clinic-key revoke (--clinic ID | --key KEY_ID)  (target as above)
iop-outcomes clinic-key list  [--clinic ID]  (target as above)

  issue            a first key for a clinic; refused if the clinic already has a working key (use rotate)
  rotate           a new key; the clinic's old keys keep working for --overlap, then are refused
  revoke           disables the clinic's keys (or one key) now, and flushes the API's authorizer cache
  list             key ids, clinics, status and dates; never a key

  --clinic ID      the clinic id events carry (2-40 characters of a-z, 0-9 and -; "all" is reserved)
  --key KEY_ID     a key id as \`list\` shows it (the first hex digits of the key's SHA-256)
  --overlap D      how long rotated-out keys still work: 0 (disabled at once), 30m, 12h, 7d (default ${DEFAULT_OVERLAP}, at most 30d)
  --stage S        a deployed stage: the table and API come from stack iop-outcomes-<S>'s outputs
  --table NAME     a clinic-keys table by name (outputs: ClinicKeysTable)
  --api-url URL    with --table: the ingest API (output ApiUrl), so revocation can flush its cache
  --endpoint URL   with --table: a DynamoDB endpoint such as DynamoDB Local (no API cache there)
  --region R       AWS region (default: the AWS CLI's configuration)

The new key is printed once, alone, on stdout (KEY=$(iop-outcomes clinic-key issue ...));
everything else goes to stderr. Only the key's SHA-256 is stored: a lost key cannot be
shown again, rotate instead. Credentials come from the environment (AWS_PROFILE, SSO, role);
they need dynamodb:Scan/PutItem/UpdateItem on the table, cloudformation:DescribeStacks with
--stage, and apigateway:DELETE on the stage's authorizer cache to revoke at once.`;

export interface KeyOperations {
  store: ClinicKeyStore;
  now: () => Date;
  /** Empties API Gateway's cache of authorizer decisions, so a disabled key is refused at once. Absent: no cache to flush, or unknown API. */
  flushAuthorizerCache?: () => Promise<void>;
  /** Progress for the operator (stderr). */
  log: (line: string) => void;
}

const usable = (record: ClinicKeyRecord, now: Date) => clinicKeyRefusal(record, now) === undefined;

/** A clinic's first key. */
export async function issueKey(ops: KeyOperations, clinicId: string): Promise<IssuedClinicKey> {
  const issued = issue(clinicId, ops.now());
  const working = (await ops.store.list(clinicId)).filter((record) => usable(record, ops.now()));
  if (working.length > 0) {
    throw new CliError(
      `clinic "${clinicId}" already has ${working.length} working key(s) (${working.map((record) => clinicKeyId(record.keyHash)).join(', ')}); ` +
        '`clinic-key rotate` gives it a new one with an overlap, `clinic-key revoke` ends the old ones',
    );
  }
  await ops.store.add(issued.record);
  ops.log(`Issued key ${clinicKeyId(issued.record.keyHash)} for clinic "${clinicId}". Hand it to the clinic over a secure channel; it is not shown again.`);
  return issued;
}

export interface Rotation {
  issued: IssuedClinicKey;
  /** Each earlier working key and when it stops working. */
  ended: { keyId: string; endsAt: string }[];
}

/** A new key; the clinic's earlier working keys end after `overlapMs` (0 = disabled at once). */
export async function rotateKey(ops: KeyOperations, clinicId: string, overlapMs: number): Promise<Rotation> {
  const now = ops.now();
  const issued = issue(clinicId, now);
  const working = (await ops.store.list(clinicId)).filter((record) => usable(record, now));
  if (working.length === 0) throw new CliError(`clinic "${clinicId}" has no working key to rotate; \`clinic-key issue --clinic ${clinicId}\` gives it one`);
  // The new key first: the clinic is never left without a working key.
  await ops.store.add(issued.record);
  const endsAt = new Date(now.getTime() + overlapMs).toISOString();
  const ended: Rotation['ended'] = [];
  for (const record of working) {
    if (overlapMs === 0) await ops.store.disable(record.keyHash, endsAt);
    else if (record.expiresAt === undefined || record.expiresAt > endsAt) await ops.store.expire(record.keyHash, endsAt);
    ended.push({ keyId: clinicKeyId(record.keyHash), endsAt: record.expiresAt !== undefined && record.expiresAt < endsAt ? record.expiresAt : endsAt });
  }
  ops.log(`Issued key ${clinicKeyId(issued.record.keyHash)} for clinic "${clinicId}". Hand it to the clinic over a secure channel; it is not shown again.`);
  if (overlapMs === 0) {
    ops.log(`Disabled the earlier key(s) ${ended.map((end) => end.keyId).join(', ')} now.`);
    await flush(ops);
  } else {
    for (const end of ended) ops.log(`Earlier key ${end.keyId} works until ${end.endsAt}${cacheNote(ops)}; \`clinic-key revoke --key ${end.keyId}\` ends it sooner.`);
  }
  return { issued, ended };
}

/** Disables keys now: every key of a clinic, or one key by id. */
export async function revokeKeys(ops: KeyOperations, target: { clinicId?: string; keyId?: string }): Promise<ClinicKeyRecord[]> {
  if (!target.clinicId && !target.keyId) throw new CliError('revoke needs --clinic ID (all its keys) or --key KEY_ID (one key)', 2);
  const keyId = target.keyId?.toLowerCase();
  if (keyId !== undefined && !/^[0-9a-f]{6,64}$/.test(keyId)) throw new CliError(`--key "${target.keyId}" is not a key id: give at least 6 hex digits as \`clinic-key list\` shows them`, 2);
  const candidates = (await ops.store.list(target.clinicId)).filter((record) => keyId === undefined || record.keyHash.startsWith(keyId));
  if (keyId !== undefined && new Set(candidates.map((record) => record.keyHash)).size > 1) {
    throw new CliError(`--key ${keyId} matches ${candidates.length} keys; give more digits`, 2);
  }
  const now = ops.now();
  const revoked = candidates.filter((record) => record.status === 'active');
  if (revoked.length === 0) {
    const what = keyId !== undefined ? `key ${keyId}${target.clinicId ? ` of clinic "${target.clinicId}"` : ''}` : `clinic "${target.clinicId}"`;
    throw new CliError(candidates.length === 0 ? `no ${what} in the table (\`clinic-key list\` shows the keys)` : `${what}: every key is already disabled`);
  }
  for (const record of revoked) await ops.store.disable(record.keyHash, now.toISOString());
  ops.log(`Disabled ${revoked.map((record) => `key ${clinicKeyId(record.keyHash)} (clinic "${record.clinicId}")`).join(', ')}.`);
  await flush(ops);
  return revoked;
}

export interface KeyListing {
  keyId: string;
  clinicId: string;
  status: 'active' | 'expiring' | 'expired' | 'disabled';
  createdAt: string;
  /** When it stopped or stops working (expiry or revocation). */
  endsAt: string;
}

export async function listKeys(ops: KeyOperations, clinicId?: string): Promise<KeyListing[]> {
  const now = ops.now();
  return (await ops.store.list(clinicId)).map((record) => {
    const refusal = clinicKeyRefusal(record, now);
    const status = refusal ?? (record.expiresAt ? 'expiring' : 'active');
    return {
      keyId: clinicKeyId(record.keyHash),
      clinicId: record.clinicId,
      status,
      createdAt: record.createdAt ?? '',
      endsAt: (refusal === 'disabled' ? record.disabledAt : record.expiresAt) ?? '',
    };
  });
}

function issue(clinicId: string, now: Date): IssuedClinicKey {
  try {
    return issueClinicKey(clinicId, now, '--clinic');
  } catch (error) {
    if (error instanceof ClinicIdError) throw new CliError(error.message, 2);
    throw error;
  }
}

function cacheNote(ops: KeyOperations): string {
  return ops.flushAuthorizerCache ? ' (plus up to the API authorizer cache TTL, 5 min by default)' : '';
}

async function flush(ops: KeyOperations): Promise<void> {
  if (!ops.flushAuthorizerCache) {
    ops.log(
      'No ingest API given (--stage, or --api-url with --table): API Gateway may accept a cached decision for the key for up to the authorizer cache TTL (5 min by default). ' +
        'Flush it now with `aws apigateway flush-stage-authorizers-cache --rest-api-id <id> --stage-name <stage>`.',
    );
    return;
  }
  await ops.flushAuthorizerCache();
  ops.log('Flushed the ingest API authorizer cache: the change applies to the next request.');
}

/** `0`, `90m`, `12h`, `7d` → milliseconds. */
export function parseOverlap(text: string): number {
  const match = /^(\d{1,5})(m|h|d)?$/.exec(text.trim());
  if (!match || (match[2] === undefined && match[1] !== '0')) {
    throw new CliError(`--overlap "${text}" is not a duration: write 0, minutes (30m), hours (12h) or days (7d)`, 2);
  }
  const unit = match[2] === 'd' ? 86_400_000 : match[2] === 'h' ? 3_600_000 : 60_000;
  const ms = Number(match[1]) * unit;
  if (ms > MAX_OVERLAP_MS) throw new CliError(`--overlap ${text} is longer than 30d: an old key should not outlive a rotation that long`, 2);
  return ms;
}

/** `https://<apiId>.execute-api.<region>.amazonaws.com/<stage>/v1/events` → the API id and stage. */
export function parseApiUrl(url: string): { restApiId: string; stageName: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--api-url "${url}" is not a URL; use the stack output ApiUrl`, 2);
  }
  const restApiId = /^([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.exec(parsed.hostname)?.[1];
  const stageName = parsed.pathname.split('/').filter(Boolean)[0];
  if (!restApiId || !stageName) {
    throw new CliError(`--api-url "${url}" is not an API Gateway stage URL (https://<id>.execute-api.<region>.amazonaws.com/<stage>/…); use the stack output ApiUrl`, 2);
  }
  return { restApiId, stageName };
}

interface Target {
  description: string;
  ops: Omit<KeyOperations, 'log' | 'now'>;
  close(): void;
}

async function resolveTarget(values: { stage?: string; table?: string; 'api-url'?: string; endpoint?: string; region?: string }): Promise<Target> {
  const modes = [values.stage !== undefined, values.table !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new CliError('give the target: --stage S (a deployed stage) or --table NAME (with --api-url or --endpoint)', 2);
  if (values.endpoint && values['api-url']) throw new CliError('--endpoint (DynamoDB Local) and --api-url (a deployed API) do not go together', 2);
  if (values.stage !== undefined && (values.endpoint || values['api-url'])) throw new CliError('--stage finds the table and API itself; --endpoint and --api-url go with --table', 2);
  const local = values.endpoint !== undefined;
  const config: DynamoDBClientConfig = local
    ? { endpoint: values.endpoint, region: values.region ?? LOCAL_REGION, credentials: LOCAL_AWS_CREDENTIALS }
    : values.region
      ? { region: values.region }
      : {};
  let table = values.table;
  let apiUrl = values['api-url'];
  if (values.stage !== undefined) {
    const outputs = await stackOutputs(`iop-outcomes-${values.stage}`, values.region);
    table = outputs.ClinicKeysTable;
    apiUrl = outputs.ApiUrl;
    if (!table || !apiUrl) throw new CliError(`stack iop-outcomes-${values.stage} has no ClinicKeysTable or ApiUrl output; is it an iop-outcomes stack, deployed completely?`);
  }
  const dynamo = new DynamoDBClient(config);
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const api = apiUrl ? parseApiUrl(apiUrl) : undefined;
  const gateway = api ? new APIGatewayClient(values.region ? { region: values.region } : {}) : undefined;
  return {
    description: `table ${table}${local ? ` at ${values.endpoint}` : ''}${api ? `, API ${api.restApiId} stage ${api.stageName}` : ''}`,
    ops: {
      store: createDynamoClinicKeyStore(table as string, documents),
      flushAuthorizerCache: api && gateway ? async () => void (await gateway.send(new FlushStageAuthorizersCacheCommand(api))) : undefined,
    },
    close() {
      dynamo.destroy();
      gateway?.destroy();
    },
  };
}

async function stackOutputs(stackName: string, region: string | undefined): Promise<Record<string, string>> {
  const cloudFormation = new CloudFormationClient(region ? { region } : {});
  try {
    const found = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = found.Stacks?.[0];
    if (!stack) throw new CliError(`no stack ${stackName}`);
    return Object.fromEntries((stack.Outputs ?? []).filter((output) => output.OutputKey && output.OutputValue).map((output) => [output.OutputKey, output.OutputValue]));
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = (error as Error).message;
    throw new CliError(`cannot read stack ${stackName}: ${message} (is the stage deployed in this account and region? --region picks the region)`, 1, { cause: error });
  } finally {
    cloudFormation.destroy();
  }
}

function printListing(rows: KeyListing[]): void {
  if (rows.length === 0) {
    console.error('No keys.');
    return;
  }
  const header = ['key id', 'clinic', 'status', 'created', 'ends'];
  const cells = rows.map((row) => [row.keyId, row.clinicId, row.status, row.createdAt, row.endsAt]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  for (const line of [header, ...cells]) console.log(line.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
}

export const command: Command = {
  summary: 'Issue, rotate, revoke and list clinic API keys of a deployed stage (the key is shown once, only its hash stored)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseOptions(
      argv,
      {
        clinic: { type: 'string' },
        key: { type: 'string' },
        overlap: { type: 'string' },
        stage: { type: 'string' },
        table: { type: 'string' },
        'api-url': { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
      },
      true,
    );
    const action = positionals[0] as Action | undefined;
    if (!action || !ACTIONS.includes(action) || positionals.length > 1) {
      throw new CliError(`say what to do: ${ACTIONS.join(', ')} (\`iop-outcomes clinic-key --help\`)`, 2);
    }
    if ((action === 'issue' || action === 'rotate') && !values.clinic) throw new CliError(`${action} needs --clinic ID`, 2);
    if (values.overlap !== undefined && action !== 'rotate') throw new CliError('--overlap goes with rotate', 2);
    if (values.key !== undefined && action !== 'revoke') throw new CliError('--key goes with revoke', 2);
    if (values.clinic !== undefined) issue(values.clinic, new Date()); // refuses a bad or reserved id before any AWS call
    const overlapMs = action === 'rotate' ? parseOverlap(values.overlap ?? DEFAULT_OVERLAP) : 0;
    const target = await resolveTarget(values);
    const ops: KeyOperations = { ...target.ops, now: () => new Date(), log: (line) => console.error(line) };
    try {
      ops.log(`clinic-key ${action}: ${target.description}`);
      if (action === 'issue') process.stdout.write(`${(await issueKey(ops, values.clinic as string)).key}\n`);
      else if (action === 'rotate') process.stdout.write(`${(await rotateKey(ops, values.clinic as string, overlapMs)).issued.key}\n`);
      else if (action === 'revoke') await revokeKeys(ops, { clinicId: values.clinic, keyId: values.key });
      else printListing(await listKeys(ops, values.clinic));
      return 0;
    } finally {
      target.close();
    }
  },
};
