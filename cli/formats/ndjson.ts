/**
 * NDJSON export files: one JSON object per line, either an event or
 * `{"retract": {"clinicId": "...", "eventId": "..."}}`. Reading streams line by
 * line and reports unreadable lines with their number instead of stopping.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ParsedLine, WireLine } from './wire-line';

export function ndjsonLine(line: WireLine): string {
  return line.kind === 'retract'
    ? JSON.stringify({ retract: { clinicId: line.clinicId, eventId: line.eventId } })
    : JSON.stringify(line.event);
}

export async function* readNdjson(input: Readable): AsyncGenerator<ParsedLine> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  for await (const text of lines) {
    number += 1;
    const trimmed = number === 1 ? text.replace(/^\uFEFF/, '').trim() : text.trim();
    if (trimmed === '') continue;
    yield parseNdjsonLine(trimmed, number);
  }
}

export function parseNdjsonLine(text: string, line: number): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'error', line, message: `not valid JSON (${(error as Error).message}); each line must be one JSON object` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'error', line, message: 'must be a JSON object (an event or {"retract": {...}}), not ' + describe(value) };
  }
  const record = value as Record<string, unknown>;
  if ('retract' in record) {
    const retract = record.retract as Record<string, unknown> | null;
    const keys = Object.keys(record);
    if (keys.length !== 1 || typeof retract !== 'object' || retract === null || typeof retract.clinicId !== 'string' || typeof retract.eventId !== 'string') {
      return { kind: 'error', line, message: 'a retraction must be exactly {"retract": {"clinicId": "<clinic>", "eventId": "<event id>"}}' };
    }
    return { kind: 'retract', line, clinicId: retract.clinicId, eventId: retract.eventId };
  }
  return { kind: 'event', line, event: record };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}
