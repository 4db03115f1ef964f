/**
 * CloudFormation custom resource (provider framework onEvent) that creates the
 * lake's views through Athena at deploy time, so Athena itself parses and types them.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { type RunStatement, type ViewDefinition, createViews, dropViews, removedViews } from './view-statements';

interface ViewsProperties {
  WorkGroup: string;
  Database: string;
  Views: ViewDefinition[];
}

interface ProviderEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string;
  ResourceProperties: ViewsProperties & { ServiceToken?: string };
  OldResourceProperties?: ViewsProperties;
}

const athena = new AthenaClient({});
const POLL_MS = 1000;

function athenaRunner(workGroup: string, database: string): RunStatement {
  return async (sql) => {
    const started = await athena.send(
      new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: workGroup, QueryExecutionContext: { Database: database } }),
    );
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: started.QueryExecutionId }));
      const state = QueryExecution?.Status?.State;
      if (state === 'SUCCEEDED') return;
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new Error(QueryExecution?.Status?.StateChangeReason ?? `query ${state}`);
      }
    }
  };
}

export const handler = async (event: ProviderEvent): Promise<{ PhysicalResourceId: string; Data: { Views: string } }> => {
  const { WorkGroup, Database, Views } = event.ResourceProperties;
  const physicalResourceId = `${Database}.views`;
  const run = athenaRunner(WorkGroup, Database);

  if (event.RequestType === 'Delete') {
    // Never block a stack deletion on a view: they hold no data and are recreated on the next deploy.
    const problems = await dropViews(Views.map((view) => view.name), run);
    if (problems.length > 0) console.warn(JSON.stringify({ message: 'some views could not be dropped', problems }));
    return { PhysicalResourceId: physicalResourceId, Data: { Views: '' } };
  }

  const created = await createViews(Views, run);
  if (event.RequestType === 'Update' && event.OldResourceProperties) {
    const gone = removedViews(event.OldResourceProperties.Views, Views);
    const problems = await dropViews(gone, run);
    if (problems.length > 0) throw new Error(`views removed from queries/views could not be dropped: ${problems.join('; ')}`);
  }
  console.log(JSON.stringify({ message: 'views created', database: Database, views: created }));
  return { PhysicalResourceId: physicalResourceId, Data: { Views: created.join(',') } };
};
