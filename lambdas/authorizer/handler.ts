/**
 * API Gateway REQUEST authorizer: the clinic's key (x-api-key) → an Allow policy
 * whose context carries the clinicId the ingest handler trusts. Unknown or
 * disabled keys get a Deny (403). Why this design: docs/adr/0010-clinic-authentication.md.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { clinicCredentialsFromEnv, type ClinicCredentials } from '../adapters/clinic-credentials';
import { API_KEY_HEADER, headerValue } from '../core/clinic-keys';

const logger = new Logger({ serviceName: 'iop-outcomes-authorizer' });
let credentials: ClinicCredentials | undefined;

/**
 * The policy covers every method of the API stage, because API Gateway caches it
 * per key and reuses it for the other routes (POST and DELETE).
 */
export function stageWildcard(methodArn: string): string {
  // arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<resource path>
  const [api, stage] = methodArn.split('/');
  return api.startsWith('arn:') && stage ? `${api}/${stage}/*/*` : methodArn;
}

function policy(effect: 'Allow' | 'Deny', methodArn: string, principalId: string, clinicId?: string): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: effect === 'Allow' ? stageWildcard(methodArn) : methodArn }],
    },
    ...(clinicId ? { context: { clinicId } } : {}),
  };
}

export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const apiKey = headerValue(event.headers, API_KEY_HEADER);
  // API Gateway's identity source already answers 401 without the header; this is the same answer.
  if (!apiKey) throw new Error('Unauthorized');
  credentials ??= clinicCredentialsFromEnv();
  const check = await credentials.check(apiKey);
  if ('refused' in check) {
    logger.warn('clinic key refused', { reason: check.refused });
    return policy('Deny', event.methodArn, 'unknown');
  }
  logger.info('clinic key accepted', { clinicId: check.clinicId });
  return policy('Allow', event.methodArn, `clinic:${check.clinicId}`, check.clinicId);
}
