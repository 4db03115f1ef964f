/**
 * `iop-outcomes clinic-key` against a deployed stage, with the AWS SDK mocked
 * (CloudFormation outputs, the clinic-keys table, API Gateway's authorizer cache).
 * The same command on a real table is in test/local/clinic-key.test.ts.
 */
import { APIGatewayClient, FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBDocumentClient, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { command, parseApiUrl, parseOverlap } from '../../cli/commands/clinic-key';
import { apiKeyHash } from '../../lambdas/core/clinic-keys';

const cloudFormation = mockClient(CloudFormationClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const gateway = mockClient(APIGatewayClient);

const TABLE = 'iop-outcomes-prod-clinic-keys';
const API_URL = 'https://abc123def4.execute-api.eu-west-1.amazonaws.com/prod/v1/events';
const STAGE = ['--stage', 'prod', '--region', 'eu-west-1'];

let stdout: string;
let stderr: string;
/** The order of writes and flushes across the three clients. */
let sequence: string[];

beforeEach(() => {
  cloudFormation.reset();
  dynamo.reset();
  gateway.reset();
  stdout = '';
  stderr = '';
  sequence = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  jest.spyOn(console, 'log').mockImplementation((...args) => {
    stdout += `${args.join(' ')}\n`;
  });
  jest.spyOn(console, 'error').mockImplementation((...args) => {
    stderr += `${args.join(' ')}\n`;
  });
  cloudFormation.on(DescribeStacksCommand, { StackName: 'iop-outcomes-prod' }).resolves({
    Stacks: [
      {
        StackName: 'iop-outcomes-prod',
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [
          { OutputKey: 'ClinicKeysTable', OutputValue: TABLE },
          { OutputKey: 'ApiUrl', OutputValue: API_URL },
        ],
      },
    ],
  });
  dynamo.on(PutCommand).callsFake(() => void sequence.push('put'));
  dynamo.on(UpdateCommand).callsFake((input: { Key: { keyHash: string } }) => void sequence.push(`update ${input.Key.keyHash}`));
  gateway.on(FlushStageAuthorizersCacheCommand).callsFake(() => void sequence.push('flush'));
});
afterEach(() => jest.restoreAllMocks());

/** Every input the SDK clients were given, as text, to check a key never reaches AWS. */
function everythingSent(): string {
  return JSON.stringify([cloudFormation, dynamo, gateway].flatMap((client) => client.calls().map((call) => call.args[0].input)));
}

function stored(keyHash: string, extra: Record<string, string> = {}) {
  return { keyHash, clinicId: 'harbor-view', status: 'active', createdAt: '2026-01-01T00:00:00.000Z', ...extra };
}

describe('clinic-key issue', () => {
  it('should find the table from the stage outputs, store only the SHA-256 and print the key once, alone, on stdout', async () => {
    // Prepare
    dynamo.on(ScanCommand).resolves({ Items: [] });

    // Act
    const code = await command.run(['issue', '--clinic', 'harbor-view', ...STAGE]);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^iop_[A-Za-z0-9_-]{43}\n$/);
    const key = stdout.trim();
    const put = dynamo.commandCalls(PutCommand)[0].args[0].input;
    expect(put).toMatchObject({ TableName: TABLE, Item: { keyHash: apiKeyHash(key), clinicId: 'harbor-view', status: 'active' } });
    expect(put.ConditionExpression).toMatch(/attribute_not_exists/);
    expect(Object.keys(put.Item ?? {}).sort()).toEqual(['clinicId', 'createdAt', 'keyHash', 'status']);
    expect(everythingSent()).not.toContain(key);
    expect(stderr).not.toContain(key);
    expect(stderr).toContain(`Issued key ${apiKeyHash(key).slice(0, 12)} for clinic "harbor-view"`);
  });

  it('should refuse a second key for a clinic that has a working one, and point to rotate', async () => {
    // Prepare
    dynamo.on(ScanCommand).resolves({ Items: [stored('a'.repeat(64))] });

    // Act / Assess
    await expect(command.run(['issue', '--clinic', 'harbor-view', ...STAGE])).rejects.toThrow(/already has 1 working key\(s\) \(aaaaaaaaaaaa\); `clinic-key rotate`/);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    expect(stdout).toBe('');
  });

  it('should refuse the reserved clinic id "all" before calling AWS', async () => {
    // Act / Assess
    await expect(command.run(['issue', '--clinic', 'all', ...STAGE])).rejects.toThrow(/--clinic must not be "all" \(got "all"\): that id is reserved/);
    await expect(command.run(['issue', '--clinic', 'Harbor View', ...STAGE])).rejects.toThrow(/--clinic "Harbor View" must be 2-40 characters/);
    expect(cloudFormation.calls()).toHaveLength(0);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('should say what is missing when the stack has no such outputs', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'iop-outcomes-prod', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });

    // Act / Assess
    await expect(command.run(['issue', '--clinic', 'harbor-view', ...STAGE])).rejects.toThrow(/stack iop-outcomes-prod has no ClinicKeysTable or ApiUrl output/);
  });
});

describe('clinic-key rotate', () => {
  it('should add the new key first, then end the old one after the overlap the operator chose', async () => {
    // Prepare
    const old = 'b'.repeat(64);
    dynamo.on(ScanCommand).resolves({ Items: [stored(old), stored('c'.repeat(64), { status: 'disabled' })] });

    // Act
    await command.run(['rotate', '--clinic', 'harbor-view', '--overlap', '2h', ...STAGE]);

    // Assess
    const put = dynamo.commandCalls(PutCommand)[0].args[0].input;
    expect(put.Item?.keyHash).toBe(apiKeyHash(stdout.trim()));
    expect(sequence).toEqual(['put', `update ${old}`]); // the disabled key is left alone
    const update = dynamo.commandCalls(UpdateCommand)[0].args[0].input;
    const endsAt = update.ExpressionAttributeValues?.[':end'] as string;
    expect(Date.parse(endsAt) - Date.parse(put.Item?.createdAt as string)).toBe(2 * 3_600_000);
    expect(update.UpdateExpression).toBe('SET expiresAt = :end');
    expect(gateway.calls()).toHaveLength(0); // the old key is meant to keep working
    expect(stderr).toContain(`Earlier key bbbbbbbbbbbb works until ${endsAt}`);
  });

  it('should disable the old key at once and flush the authorizer cache with --overlap 0', async () => {
    // Prepare
    dynamo.on(ScanCommand).resolves({ Items: [stored('b'.repeat(64))] });

    // Act
    await command.run(['rotate', '--clinic', 'harbor-view', '--overlap', '0', ...STAGE]);

    // Assess
    expect(sequence).toEqual(['put', `update ${'b'.repeat(64)}`, 'flush']);
    expect(dynamo.commandCalls(UpdateCommand)[0].args[0].input.ExpressionAttributeValues).toMatchObject({ ':disabled': 'disabled' });
  });

  it('should refuse to rotate a clinic without a working key', async () => {
    // Prepare
    dynamo.on(ScanCommand).resolves({ Items: [stored('b'.repeat(64), { expiresAt: '2026-01-02T00:00:00.000Z' })] });

    // Act / Assess
    await expect(command.run(['rotate', '--clinic', 'harbor-view', ...STAGE])).rejects.toThrow(/has no working key to rotate; `clinic-key issue --clinic harbor-view`/);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('clinic-key revoke', () => {
  it('should disable the key, then flush the stage authorizer cache so the next request is refused', async () => {
    // Prepare
    const active = 'd1'.repeat(32);
    dynamo.on(ScanCommand).resolves({ Items: [stored(active), stored('e'.repeat(64), { status: 'disabled' })] });

    // Act
    await command.run(['revoke', '--clinic', 'harbor-view', ...STAGE]);

    // Assess
    expect(sequence).toEqual([`update ${active}`, 'flush']);
    expect(gateway.commandCalls(FlushStageAuthorizersCacheCommand)[0].args[0].input).toEqual({ restApiId: 'abc123def4', stageName: 'prod' });
    expect(dynamo.commandCalls(ScanCommand)[0].args[0].input).toMatchObject({ TableName: TABLE, ExpressionAttributeValues: { ':clinic': 'harbor-view' } });
    expect(stdout).toBe('');
  });

  it('should revoke one key by its id and refuse an ambiguous or unknown id', async () => {
    // Prepare
    dynamo.on(ScanCommand).resolves({ Items: [stored(`abcdef${'1'.repeat(58)}`), stored(`abcdef${'2'.repeat(58)}`)] });

    // Act / Assess
    await expect(command.run(['revoke', '--key', 'abcdef', ...STAGE])).rejects.toThrow(/--key abcdef matches 2 keys; give more digits/);
    await expect(command.run(['revoke', '--key', '999999', ...STAGE])).rejects.toThrow(/no key 999999 in the table/);
    await command.run(['revoke', '--key', 'abcdef2', ...STAGE]);
    expect(sequence).toEqual([`update abcdef${'2'.repeat(58)}`, 'flush']);
  });

  it('should warn that a cached decision may outlive the revocation when no API is known', async () => {
    // Prepare
    dynamo.on(ScanCommand).resolves({ Items: [stored('f'.repeat(64))] });

    // Act
    await command.run(['revoke', '--clinic', 'harbor-view', '--table', TABLE, '--region', 'eu-west-1']);

    // Assess
    expect(sequence).toEqual([`update ${'f'.repeat(64)}`]);
    expect(stderr).toMatch(/aws apigateway flush-stage-authorizers-cache/);
  });
});

describe('clinic-key list', () => {
  it('should show ids, clinics, status and ends, never a hash in full', async () => {
    // Prepare
    const far = new Date(Date.now() + 86_400_000).toISOString();
    dynamo.on(ScanCommand).resolves({
      Items: [
        stored('1'.repeat(64)),
        stored('2'.repeat(64), { expiresAt: far }),
        stored('3'.repeat(64), { expiresAt: '2026-01-02T00:00:00.000Z' }),
        stored('4'.repeat(64), { status: 'disabled', disabledAt: '2026-01-03T00:00:00.000Z' }),
      ],
    });

    // Act
    await command.run(['list', ...STAGE]);

    // Assess
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^key id\s+clinic\s+status\s+created\s+ends$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ['111111111111', 'harbor-view', 'active'],
      ['222222222222', 'harbor-view', 'expiring'],
      ['333333333333', 'harbor-view', 'expired'],
      ['444444444444', 'harbor-view', 'disabled'],
    ]);
    expect(lines[2]).toContain(far);
    expect(stdout).not.toContain('1'.repeat(13));
  });
});

describe('options', () => {
  it('should read overlaps and API URLs, and explain bad ones', () => {
    // Act / Assess
    expect(parseOverlap('0')).toBe(0);
    expect(parseOverlap('30m')).toBe(1_800_000);
    expect(parseOverlap('7d')).toBe(7 * 86_400_000);
    expect(() => parseOverlap('2 weeks')).toThrow(/not a duration/);
    expect(() => parseOverlap('31d')).toThrow(/longer than 30d/);
    expect(parseApiUrl(API_URL)).toEqual({ restApiId: 'abc123def4', stageName: 'prod' });
    expect(() => parseApiUrl('https://example.org/prod')).toThrow(/not an API Gateway stage URL/);
  });

  it('should insist on exactly one target and a known action', async () => {
    // Act / Assess
    await expect(command.run(['issue', '--clinic', 'harbor-view'])).rejects.toThrow(/give the target: --stage S .* or --table NAME/);
    await expect(command.run(['issue', '--clinic', 'harbor-view', '--stage', 'prod', '--table', TABLE])).rejects.toThrow(/give the target/);
    await expect(command.run(['add', '--clinic', 'harbor-view', ...STAGE])).rejects.toThrow(/say what to do: issue, rotate, revoke, list/);
    await expect(command.run(['list', '--overlap', '1h', ...STAGE])).rejects.toThrow(/--overlap goes with rotate/);
  });
});
