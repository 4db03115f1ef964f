/**
 * The role EventBridge Scheduler assumes to invoke a target: one per construct, with a
 * stable path (so its findings are acknowledged by name) and trust limited to this account.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface SchedulerRoleProps {
  description: string;
  /** Key of the encrypted dead-letter queue: Scheduler encrypts the failed event with this role's rights. */
  deadLetterKey?: kms.IKey;
}

export function schedulerRole(scope: Construct, id: string, props: SchedulerRoleProps): iam.Role {
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, id, {
    description: props.description,
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
  });
  props.deadLetterKey?.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
  return role;
}
