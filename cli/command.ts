/** What every CLI command exports, and the error type for expected failures (no stack trace shown). */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  summary: string;
  usage: string;
  /** Returns the process exit code (0 when omitted). */
  run(argv: string[]): Promise<number | void>;
}

/** A failure the user can fix: printed as one clear line, exit code 1 (or as given). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** node:util parseArgs with errors turned into CliErrors. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    throw new CliError((error as Error).message, 2, { cause: error });
  }
}
