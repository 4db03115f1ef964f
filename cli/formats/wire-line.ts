/**
 * What an export file holds, line by line: an event (sent to POST /v1/events) or a
 * retraction (sent as DELETE /v1/events/{eventId}); and what a reader yields,
 * including unreadable lines with their line number.
 */
export type WireLine =
  | { kind: 'event'; event: Record<string, unknown> }
  | { kind: 'retract'; clinicId: string; eventId: string };

export type ParsedLine =
  | (WireLine & { line: number })
  | { kind: 'error'; line: number; message: string };

export type FileFormat = 'ndjson' | 'csv';

export const FILE_FORMATS: readonly FileFormat[] = ['ndjson', 'csv'];

/**
 * The format a path's extension implies (.csv → csv; .ndjson/.jsonl → ndjson), if any. Plain
 * .json is not guessed: it is usually one document (e.g. an API request body), not one event per line.
 */
export function formatOfPath(path: string): FileFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  return undefined;
}
