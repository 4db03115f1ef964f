/** Parallel scan of the events table (for backfill): one async page stream per segment. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { ScanSegment } from '../core/backfill-lake';

export function eventsTableScan(client: DynamoDBClient, tableName: string, pageSize = 500): ScanSegment {
  const documents = DynamoDBDocumentClient.from(client);
  return async function* scanSegment(segment: number, totalSegments: number) {
    const pages = paginateScan(
      { client: documents, pageSize },
      // Strongly consistent: the rebuilt lake must not miss a write acknowledged just before.
      { TableName: tableName, Segment: segment, TotalSegments: totalSegments, ConsistentRead: true },
    );
    for await (const page of pages) yield (page.Items ?? []) as Record<string, unknown>[];
  };
}
