import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { handler, stageWildcard } from '../../lambdas/authorizer/handler';

const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/v1/events';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'authorizer-'));
  const file = join(dir, 'credentials.json');
  writeFileSync(file, JSON.stringify({ riverside: 'key-riverside-0123456789', hillcrest: 'key-hillcrest-0123456789' }));
  process.env.CLINIC_CREDENTIALS_FILE = file;
  delete process.env.CLINIC_KEYS_TABLE_NAME;
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

function request(headers: Record<string, string>): APIGatewayRequestAuthorizerEvent {
  return { type: 'REQUEST', methodArn: METHOD_ARN, headers } as unknown as APIGatewayRequestAuthorizerEvent;
}

describe('authorizer', () => {
  it('should allow a known key for the whole stage and pass its clinicId on', async () => {
    const result = await handler(request({ 'X-Api-Key': 'key-hillcrest-0123456789' }));

    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*' },
    ]);
    expect(result.context).toEqual({ clinicId: 'hillcrest' });
  });

  it('should deny an unknown key without a clinic in the context', async () => {
    const result = await handler(request({ 'x-api-key': 'key-riverside-012345678' }));

    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny', Resource: METHOD_ARN });
    expect(result.context).toBeUndefined();
  });

  it('should answer Unauthorized (401) without the header', async () => {
    await expect(handler(request({}))).rejects.toThrow('Unauthorized');
  });

  it('should widen only well-formed method ARNs', () => {
    expect(stageWildcard(METHOD_ARN)).toBe('arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*');
    expect(stageWildcard('odd')).toBe('odd');
  });
});
