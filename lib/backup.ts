/**
 * Daily AWS Backup of the system of record, on top of PITR: PITR covers the last 35
 * days to the second; backups survive a deleted table and can be kept longer.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { StageConfig } from './stage-config';

export interface TableBackupProps {
  config: StageConfig;
  key: kms.IKey;
  tables: dynamodb.ITableV2[];
}

export class TableBackup extends Construct {
  readonly plan: backup.BackupPlan;
  readonly vault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: TableBackupProps) {
    super(scope, id);
    const { config } = props;
    // Retained in every stage: AWS Backup refuses to delete a vault that still holds recovery points,
    // so a DESTROY policy would only make `cdk destroy` fail. Points expire after the retention period.
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: `${config.namePrefix}-tables`,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'daily',
          scheduleExpression: events.Schedule.cron({ hour: '3', minute: '0' }),
          deleteAfter: Duration.days(config.backup.retentionDays),
        }),
      ],
    });
    this.plan.addSelection('Tables', {
      resources: props.tables.map((table) => backup.BackupResource.fromArn(table.tableArn)),
    });
  }
}
