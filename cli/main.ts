/**
 * The `iop-outcomes` command line. Each command is one file in cli/commands/
 * exporting a `command`; `iop-outcomes help` lists them.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, type Command } from './command';

const COMMANDS_DIR = join(__dirname, 'commands');

function commandNames(): string[] {
  return readdirSync(COMMANDS_DIR)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => file.slice(0, -3))
    .sort();
}

async function loadCommand(name: string): Promise<Command | undefined> {
  if (!commandNames().includes(name)) return undefined;
  // require, not import(): under tsx's CommonJS loader a dynamic import would bypass the TypeScript transform.
  const loaded = require(join(COMMANDS_DIR, `${name}.ts`)) as { command: Command };
  return loaded.command;
}

async function printHelp(): Promise<void> {
  const lines = ['iop-outcomes — outcomes analytics for addiction Intensive Outpatient Programs', '', 'Commands:'];
  for (const name of commandNames()) {
    const command = await loadCommand(name);
    if (command) lines.push(`  ${name.padEnd(12)} ${command.summary}`);
  }
  lines.push('', 'Run `iop-outcomes <command> --help` for its options.');
  console.log(lines.join('\n'));
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    await printHelp();
    return 0;
  }
  const command = await loadCommand(name);
  if (!command) {
    console.error(`iop-outcomes: unknown command "${name}". Run \`iop-outcomes help\` for the list.`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`iop-outcomes ${name} — ${command.summary}\n\n${command.usage}`);
    return 0;
  }
  try {
    return (await command.run(rest)) ?? 0;
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`iop-outcomes ${name}: ${error.message}`);
      return error.exitCode;
    }
    // Anything else is unexpected: one readable line, the stack only on request.
    const problem = error as Error & { code?: string };
    const hint = problem.code === 'EADDRINUSE' ? ' (a port is taken: stop the other process or pass --port / --dashboard-port)' : '';
    console.error(`iop-outcomes ${name}: ${problem.message ?? String(error)}${hint}`);
    if (process.env.IOP_DEBUG) console.error(problem.stack);
    else console.error('Set IOP_DEBUG=1 to see the stack trace.');
    return 1;
  }
}
