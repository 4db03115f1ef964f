/**
 * The generator's public face: the cohort as a stream of wire lines in send order
 * (episode by episode, with the feed's messiness mixed in), and a writer that
 * streams it to an NDJSON or CSV file with back-pressure.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { csvHeader, csvRow } from '../formats/csv';
import { ndjsonLine } from '../formats/ndjson';
import { formatOfPath, type FileFormat, type WireLine } from '../formats/wire-line';
import { cohortEpisodes, type CohortOptions } from './cohort';
import { Messiness, type GeneratedLine } from './messiness';
import { Random } from './random';

export type { GeneratedLine, LineRole, InvalidEvent } from './messiness';
export type { CohortOptions } from './cohort';
export { DEFAULT_COHORT_OPTIONS, cohortClinicIds } from './cohort';

export interface GenerateOptions extends CohortOptions {
  /** Called after each episode is built, with how many lines wait in the delay line (for tests and progress). */
  onEpisode?: (index: number, buffered: number) => void;
}

/** The cohort line by line; nothing but the current episode and a bounded delay line is held. */
export function* cohortLines(options: GenerateOptions): Generator<GeneratedLine> {
  const messiness = new Messiness(new Random(String(options.seed), 'messiness'), !options.clean);
  for (const { index, episode } of cohortEpisodes(options)) {
    options.onEpisode?.(index, messiness.buffered);
    yield* messiness.episodeLines(index, episode.events);
  }
  yield* messiness.drain();
}

/** The same stream as an async iterable (what the demo and `ingest` pipelines consume). */
export async function* generateCohort(options: GenerateOptions): AsyncGenerator<GeneratedLine> {
  let sinceYield = 0;
  for (const line of cohortLines(options)) {
    yield line;
    // Let timers and I/O run now and then on huge cohorts.
    if (++sinceYield === 5000) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

export function toWireLine(line: GeneratedLine): WireLine {
  return line.kind === 'retract'
    ? { kind: 'retract', clinicId: line.clinicId, eventId: line.eventId }
    : { kind: 'event', event: line.event as Record<string, unknown> };
}

export interface WriteSummary {
  format: FileFormat;
  lines: number;
  events: number;
  retractions: number;
  episodes: number;
}

/** Writes the cohort to `path` (`-` = standard output). Format: given, else by extension, else NDJSON. */
export async function writeCohort(options: GenerateOptions, path: string, format?: FileFormat): Promise<WriteSummary> {
  const chosen = format ?? (path === '-' ? undefined : formatOfPath(path)) ?? 'ndjson';
  const output: Writable = path === '-' ? process.stdout : createWriteStream(path);
  const summary: WriteSummary = { format: chosen, lines: 0, events: 0, retractions: 0, episodes: 0 };
  const render = chosen === 'csv' ? csvRow : ndjsonLine;
  let buffer = chosen === 'csv' ? `${csvHeader()}\n` : '';
  const flush = async () => {
    if (!output.write(buffer)) await once(output, 'drain');
    buffer = '';
  };
  const counting: GenerateOptions = {
    ...options,
    onEpisode: (index, buffered) => {
      summary.episodes = index + 1;
      options.onEpisode?.(index, buffered);
    },
  };
  for (const line of cohortLines(counting)) {
    buffer += `${render(toWireLine(line))}\n`;
    summary.lines += 1;
    if (line.kind === 'retract') summary.retractions += 1;
    else summary.events += 1;
    if (buffer.length > 65_536) await flush();
  }
  await flush();
  if (path !== '-') {
    output.end();
    await once(output, 'finish');
  }
  return summary;
}
