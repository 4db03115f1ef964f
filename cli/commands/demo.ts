import type { Command } from '../command';
import { CliError, parseOptions } from '../command';
import { runDemo } from '../demo/run-demo';
import { javaAvailable } from '../local/dynamodb-local';
import { untilInterrupted } from '../local/interrupt';

export const command: Command = {
  summary: 'The local demo (`npm start`): stack up, synthetic IOP network ingested, metrics, report, summary',
  usage: [
    'iop-outcomes demo [--fresh] [--seed N] [--clinics N] [--clients N] [--months N] [--exit]',
    '',
    '  --fresh        delete .local/ (data, keys) and start over',
    '  --seed N       generator seed (default 1)',
    '  --clinics N    clinics in the network (default 4)',
    '  --clients N    admissions over the period (default 2000)',
    '  --months N     admission period in months, ending today (default 18)',
    '  --port N / --dashboard-port N   API and dashboard ports (default 3000 / 3001)',
    '  --exit         stop after the summary instead of serving until Ctrl-C',
    '',
    'A second run reuses the data already loaded (generation options are then ignored).',
  ].join('\n'),
  async run(argv) {
    const { values } = parseOptions(argv, {
      fresh: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      clinics: { type: 'string', default: '4' },
      clients: { type: 'string', default: '2000' },
      months: { type: 'string', default: '18' },
      port: { type: 'string', default: '3000' },
      'dashboard-port': { type: 'string', default: '3001' },
      exit: { type: 'boolean', default: false },
    });
    if (!javaAvailable()) {
      throw new CliError('Java 17+ is missing (DynamoDB Local needs it). Install it: apt-get install -y openjdk-17-jre-headless');
    }
    const started = Date.now();
    const result = await runDemo({
      fresh: values.fresh,
      seed: whole(values.seed, '--seed', 0),
      clinics: whole(values.clinics, '--clinics', 1),
      admissions: whole(values.clients, '--clients', 1),
      months: whole(values.months, '--months', 1),
      exit: values.exit,
      apiPort: whole(values.port, '--port', 1),
      dashboardPort: whole(values['dashboard-port'], '--dashboard-port', 1),
      log: (line) => console.log(line),
    });
    const timing = Object.entries(result.seconds).map(([step, seconds]) => `${step} ${seconds.toFixed(1)} s`).join(', ');
    console.log(
      [
        '',
        result.summary,
        '',
        `Dashboard     ${result.stack.dashboardUrl}   (director keys: .local/directors.json)`,
        `Ingest API    ${result.stack.apiUrl}/v1/events   (clinic keys: .local/credentials.json)`,
        result.reportFolder ? `Funder report ${result.reportFolder}` : '',
        `Queries       npx iop-outcomes query retention --as-of ${result.asOf}`,
        '',
        `Ready in ${((Date.now() - started) / 1000).toFixed(0)} s (${timing}).`,
      ]
        .filter((line) => line !== '')
        .join('\n'),
    );
    if (values.exit) {
      await result.stack.stop();
      return;
    }
    console.log('Serving until Ctrl-C…');
    await untilInterrupted();
    console.log('\nStopping…');
    await result.stack.stop();
  },
};

function whole(text: string, flag: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new CliError(`${flag} must be a whole number ≥ ${min}, got "${text}"`, 2);
  return value;
}
