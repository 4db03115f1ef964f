import type { Command } from '../command';
import { CliError, parseOptions } from '../command';
import { javaAvailable } from '../local/dynamodb-local';
import { startLocalStack } from '../local/stack';
import { untilInterrupted } from '../local/interrupt';

export const command: Command = {
  summary: 'Run the whole local stack: ingest API, DynamoDB Local, stream → lake, S3 server, dashboard',
  usage: [
    'iop-outcomes serve [--port N] [--dashboard-port N] [--clinic ID ...]',
    '',
    '  --port N            ingest API port (default 3000)',
    '  --dashboard-port N  dashboard port (default 3001)',
    '  --clinic ID         create a local API key for this clinic (repeatable); keys are in .local/credentials.json',
    '',
    'Data lives under .local/ and survives restarts. Stop with Ctrl-C.',
  ].join('\n'),
  async run(argv) {
    const { values } = parseOptions(argv, {
      port: { type: 'string', default: '3000' },
      'dashboard-port': { type: 'string', default: '3001' },
      clinic: { type: 'string', multiple: true, default: [] },
    });
    if (!javaAvailable()) throw new CliError('Java 17+ is missing (DynamoDB Local needs it). Install it: apt-get install -y openjdk-17-jre-headless');
    const stack = await startLocalStack({
      apiPort: portOption(values.port, '--port'),
      dashboardPort: portOption(values['dashboard-port'], '--dashboard-port'),
      clinics: values.clinic,
      log: (line) => console.log(line),
    });
    console.log(
      [
        '',
        `Ingest API   ${stack.apiUrl}/v1/events   (x-api-key per clinic: .local/credentials.json)`,
        `Dashboard    ${stack.dashboardUrl}   (director keys: .local/directors.json)`,
        `Lake (S3)    ${stack.s3Endpoint}/${stack.bucket}/lake/`,
        '',
        'Other terminals: `npx iop-outcomes ingest <file>`, `query`, `refresh`, `report` use this stack. Ctrl-C stops it.',
      ].join('\n'),
    );
    await untilInterrupted();
    console.log('\nStopping…');
    await stack.stop();
  },
};

function portOption(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`${flag} must be a port number 1-65535, got "${value}"`);
  return port;
}
