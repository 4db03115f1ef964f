/** `iop-outcomes ingest <file>`: sends a clinic export (NDJSON or CSV) through the ingest API and summarises the answers. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, parseOptions, type Command } from '../command';
import { FILE_FORMATS, type FileFormat } from '../formats/wire-line';
import { ApiUnreachableError, ingestFile, loadCredentials, type IngestProgress, type IngestSummary } from '../ingest-client';
import { localDir } from '../local/paths';

const FALLBACK_API = 'http://127.0.0.1:3000';

const USAGE = `iop-outcomes ingest <file> [options]

  --api URL             ingest API base URL (default: the running local stack from .local/stack.json, else ${FALLBACK_API})
  --format F            ndjson or csv (default: from the file's extension)
  --batch-size N        events per request, per clinic (default 500, the API's limit)
  --concurrency N       requests in flight (default 4)
  --credentials FILE    {"<clinicId>": "<api key>"} (default .local/credentials.json)

Events go to POST <api>/v1/events in batches per clinic with that clinic's x-api-key;
retraction lines ({"retract": {...}} / a "retract" CSV row) go to DELETE <api>/v1/events/<eventId>.
Exit code 0 when everything was delivered (rejected events are reported, not an error),
1 when something could not be delivered, 3 when the API cannot be reached.`;

export const command: Command = {
  summary: 'Send an NDJSON or CSV export through the ingest API (batches per clinic, retries, summary)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseOptions(
      argv,
      {
        api: { type: 'string' },
        format: { type: 'string' },
        'batch-size': { type: 'string' },
        concurrency: { type: 'string' },
        credentials: { type: 'string' },
      },
      true,
    );
    if (positionals.length !== 1) throw new CliError('give exactly one file to ingest, e.g. `iop-outcomes ingest cohort.ndjson`', 2);
    const format = values.format as FileFormat | undefined;
    if (format !== undefined && !FILE_FORMATS.includes(format)) {
      throw new CliError(`--format must be ndjson or csv, got ${JSON.stringify(values.format)}`, 2);
    }
    const apiUrl = values.api ?? defaultApiUrl();
    let credentials: Record<string, string>;
    try {
      credentials = loadCredentials(values.credentials ?? join(localDir(), 'credentials.json'));
    } catch (error) {
      throw new CliError((error as Error).message, 2, { cause: error });
    }

    const progress = progressReporter();
    const started = Date.now();
    let summary: IngestSummary;
    try {
      summary = await ingestFile(positionals[0], {
        apiUrl,
        credentials,
        format,
        batchSize: wholeNumber('--batch-size', values['batch-size'], 500),
        concurrency: wholeNumber('--concurrency', values.concurrency, 4),
        onProgress: progress.update,
      });
    } catch (error) {
      progress.done();
      if (error instanceof ApiUnreachableError) throw new CliError(error.message, 3, { cause: error });
      throw new CliError((error as Error).message, 1, { cause: error });
    }
    progress.done();
    console.log(formatSummary(summary, apiUrl, (Date.now() - started) / 1000));
    if (summary.notSent > 0) {
      console.error(`${summary.notSent} events or retractions were not delivered (see "not sent" above); fix the cause and run the same command again — re-sending is safe.`);
      return 1;
    }
    return 0;
  },
};

/** The local stack writes its API URL to .local/stack.json when it starts. */
export function defaultApiUrl(): string {
  const stackFile = join(localDir(), 'stack.json');
  if (!existsSync(stackFile)) return FALLBACK_API;
  try {
    const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as { apiUrl?: unknown };
    return typeof stack.apiUrl === 'string' && stack.apiUrl ? stack.apiUrl : FALLBACK_API;
  } catch {
    return FALLBACK_API;
  }
}

function wholeNumber(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(text)) throw new CliError(`${flag} must be a whole number ≥ 1, got ${JSON.stringify(text)}`, 2);
  return Number(text);
}

const number = (value: number) => value.toLocaleString('en-US');

/** A bar redrawn in place on a terminal; a plain line every 5 seconds otherwise (CI logs). */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  let lastLine = 0;
  let drawn = false;
  const render = (progress: IngestProgress) => {
    const share = progress.totalBytes ? Math.min(1, progress.bytesRead / progress.totalBytes) : undefined;
    const counts = `${number(progress.answered)} answered · ${number(progress.accepted)} accepted · ${number(progress.rejected)} rejected`;
    if (share === undefined) return `${number(progress.linesRead)} lines read · ${counts}`;
    const width = 28;
    const filled = Math.round(share * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% · ${counts}`;
  };
  return {
    update(progress: IngestProgress) {
      const now = Date.now();
      if (tty) {
        stream.write(`\r${render(progress)}\u001b[K`);
        drawn = true;
      } else if (now - lastLine >= 5000) {
        lastLine = now;
        stream.write(`${render(progress)}\n`);
      }
    },
    done() {
      if (tty && drawn) stream.write('\n');
    },
  };
}

export function formatSummary(summary: IngestSummary, apiUrl: string, seconds: number): string {
  const rows: [string, number][] = [
    ['accepted', summary.accepted],
    ['duplicate (already stored)', summary.duplicate],
    ['stale (a higher version is stored)', summary.stale],
    ['rejected', summary.rejected],
    ['retracted', summary.retracted],
    ['retractions with nothing to retract', summary.retractionsNotFound],
    ['unreadable lines (not sent)', summary.unreadable],
    ['not sent', summary.notSent],
  ];
  const lines = [
    `${number(summary.events)} events and ${number(summary.retractions)} retractions from ${number(summary.lines)} lines → ${apiUrl} in ${seconds.toFixed(1)} s (${number(summary.requests)} requests, ${number(summary.retries)} retries)`,
    ...rows.map(([label, value]) => `  ${label.padEnd(38)} ${number(value).padStart(10)}`),
  ];
  if (summary.rejectionReasons.length) {
    lines.push('Most common rejection reasons:');
    for (const reason of summary.rejectionReasons) lines.push(`  ${number(reason.count).padStart(6)} × ${reason.path}: ${reason.message}`);
  }
  if (summary.notSentReasons.length) {
    lines.push('Not sent:');
    for (const entry of summary.notSentReasons) lines.push(`  ${number(entry.count).padStart(6)} × ${entry.reason}`);
  }
  if (summary.unreadableLines.length) {
    lines.push('Unreadable lines:');
    for (const entry of summary.unreadableLines) lines.push(`  line ${entry.line}: ${entry.message}`);
    if (summary.unreadable > summary.unreadableLines.length) lines.push(`  … and ${number(summary.unreadable - summary.unreadableLines.length)} more`);
  }
  return lines.join('\n');
}
