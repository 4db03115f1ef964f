/**
 * The system of record: the events table (keys and indexes from
 * lambdas/core/events-table.ts, stream NEW_AND_OLD_IMAGES for the lake) and the
 * clinic-keys table the authorizer reads (SHA-256 of each clinic's API key).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { CLINIC_KEYS_TABLE_KEY } from '../lambdas/core/clinic-keys';
import { EVENTS_TABLE_INDEXES, EVENTS_TABLE_KEY } from '../lambdas/core/events-table';
import type { StageConfig } from './stage-config';

export interface EventsTablesProps {
  config: StageConfig;
  key: kms.IKey;
}

export class EventsTables extends Construct {
  readonly events: dynamodb.TableV2;
  readonly clinicKeys: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: EventsTablesProps) {
    super(scope, id);
    const { config, key } = props;
    const protection = {
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      deletionProtection: config.retainData,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(key),
      billing: dynamodb.Billing.onDemand(),
    };

    this.events = new dynamodb.TableV2(this, 'Events', {
      ...protection,
      tableName: `${config.namePrefix}-events`,
      partitionKey: { name: EVENTS_TABLE_KEY.partitionKey, type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: EVENTS_TABLE_INDEXES.map((index) => ({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
      })),
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    });

    this.clinicKeys = new dynamodb.TableV2(this, 'ClinicKeys', {
      ...protection,
      tableName: `${config.namePrefix}-clinic-keys`,
      // Hex SHA-256 of the clinic's API key: the key itself is never stored.
      partitionKey: { name: CLINIC_KEYS_TABLE_KEY.partitionKey, type: dynamodb.AttributeType.STRING },
    });
  }
}
