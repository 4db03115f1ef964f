import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lib/athena-views/handler';

// Athena has no local twin; the client mock only plays Athena's answers, including its failures.
const athena = mockClient(AthenaClient);

const properties = {
  WorkGroup: 'iop-outcomes-dev',
  Database: 'iop_outcomes_dev',
  Views: [{ name: 'episodes', sql: 'CREATE OR REPLACE VIEW episodes AS SELECT 1' }],
};

describe('view custom resource handler', () => {
  beforeEach(() => {
    athena.reset();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
  });

  it('should run each view in the stack workgroup and database and report the created views', async () => {
    // Prepare
    athena.on(GetQueryExecutionCommand).resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } }).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });

    // Act
    const result = await handler({ RequestType: 'Create', ResourceProperties: properties });

    // Assess
    expect(result).toEqual({ PhysicalResourceId: 'iop_outcomes_dev.views', Data: { Views: 'episodes' } });
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input).toEqual({
      QueryString: 'CREATE OR REPLACE VIEW episodes AS SELECT 1',
      WorkGroup: 'iop-outcomes-dev',
      QueryExecutionContext: { Database: 'iop_outcomes_dev' },
    });
  });

  it("should fail the deployment with Athena's reason when a view does not compile", async () => {
    // Prepare
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'FAILED', StateChangeReason: "line 1:8: Column 'nope' cannot be resolved" } },
    });

    // Act / Assess
    await expect(handler({ RequestType: 'Update', ResourceProperties: properties, OldResourceProperties: properties })).rejects.toThrow(
      "could not create 1 view(s): episodes: line 1:8: Column 'nope' cannot be resolved",
    );
  });

  it('should not block a stack deletion when a view cannot be dropped', async () => {
    // Prepare
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'AccessDenied' } } });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);

    // Act
    const result = await handler({ RequestType: 'Delete', PhysicalResourceId: 'iop_outcomes_dev.views', ResourceProperties: properties });

    // Assess
    expect(result.PhysicalResourceId).toBe('iop_outcomes_dev.views');
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.QueryString).toBe('DROP VIEW IF EXISTS "episodes"');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('episodes: AccessDenied'));
    warn.mockRestore();
  });
});
