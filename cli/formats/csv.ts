/**
 * CSV export files, as a clinic's EHR export looks: one header row naming contract
 * fields (camelCase, as in the contract), one row per event, an empty cell = the
 * field is absent. The drug-test `results` list is one cell:
 * `substance:result[:prescribed];…` (e.g. `opioids:negative;buprenorphine:positive:prescribed`).
 * A row whose `type` is `retract` (with `clinicId` and `eventId`) is a retraction.
 * The header may use any subset of the columns in any order; an unknown column is
 * refused up front so that a name or a note column is never sent anywhere.
 */
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { EVENT_TYPES, eventSchemas } from '../../lambdas/core/event-schema';
import { lakeTypeOf, type LakeType } from '../../lambdas/core/lake-columns';
import type { ParsedLine, WireLine } from './wire-line';

type CellType = LakeType | 'RESULTS';

/** Every contract field once, common fields first, then each type's own fields in contract order. */
export const CSV_COLUMNS: readonly { name: string; type: CellType }[] = (() => {
  const columns = new Map<string, CellType>();
  for (const eventType of EVENT_TYPES) {
    const shape = eventSchemas[eventType].shape as Record<string, z.ZodType>;
    for (const [name, schema] of Object.entries(shape)) {
      if (!columns.has(name)) columns.set(name, name === 'results' ? 'RESULTS' : lakeTypeOf(schema));
    }
  }
  return [...columns].map(([name, type]) => ({ name, type }));
})();

const COLUMN_TYPE = new Map(CSV_COLUMNS.map((column) => [column.name, column.type]));
const RETRACT_TYPE = 'retract';

export function csvHeader(): string {
  return CSV_COLUMNS.map((column) => column.name).join(',');
}

export function csvRow(line: WireLine): string {
  if (line.kind === 'retract') {
    return CSV_COLUMNS.map((column) =>
      column.name === 'type' ? RETRACT_TYPE : column.name === 'clinicId' ? quote(line.clinicId) : column.name === 'eventId' ? quote(line.eventId) : '',
    ).join(',');
  }
  for (const field of Object.keys(line.event)) {
    if (!COLUMN_TYPE.has(field)) throw new Error(`csv: the event field "${field}" is not a contract field and has no column`);
  }
  return CSV_COLUMNS.map((column) => encodeCell(line.event[column.name], column.type)).join(',');
}

function encodeCell(value: unknown, type: CellType): string {
  if (value === undefined || value === null) return '';
  if (type === 'RESULTS') return quote(encodeResults(value as { substance: string; result: string; prescribed?: boolean }[]));
  return quote(String(value));
}

export function encodeResults(results: readonly { substance: string; result: string; prescribed?: boolean }[]): string {
  return results.map((entry) => `${entry.substance}:${entry.result}${entry.prescribed ? ':prescribed' : ''}`).join(';');
}

/** Parses a results cell; throws a message naming the bad entry. */
export function decodeResults(cell: string): { substance: string; result: string; prescribed?: true }[] {
  return cell
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, index) => {
      const parts = entry.split(':').map((part) => part.trim());
      if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1] || (parts.length === 3 && parts[2] !== 'prescribed')) {
        throw new Error(`results entry ${index + 1} ${JSON.stringify(entry)} must be substance:result or substance:result:prescribed`);
      }
      return parts.length === 3 ? { substance: parts[0], result: parts[1], prescribed: true as const } : { substance: parts[0], result: parts[1] };
    });
}

/** RFC 4180 quoting: only when the cell needs it. */
function quote(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Streams events and retractions out of a CSV file; bad rows become `error` lines with their line number. */
export async function* readCsv(input: Readable): AsyncGenerator<ParsedLine> {
  input.setEncoding('utf8'); // multi-byte characters split across chunks stay whole
  let header: string[] | undefined;
  for await (const record of csvRecords(input)) {
    if ('error' in record) {
      yield { kind: 'error', line: record.line, message: record.error };
      continue;
    }
    if (!header) {
      const problem = headerProblem(record.cells);
      if (problem) {
        yield { kind: 'error', line: record.line, message: problem };
        return; // without a usable header no row can be read
      }
      header = record.cells.map((cell) => cell.trim());
      continue;
    }
    yield rowToLine(header, record.cells, record.line);
  }
}

function headerProblem(cells: string[]): string | undefined {
  const names = cells.map((cell) => cell.trim());
  const unknown = names.filter((name) => !COLUMN_TYPE.has(name));
  if (unknown.length) {
    return `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => JSON.stringify(name)).join(', ')} in the header; columns must be contract field names (${CSV_COLUMNS.map((column) => column.name).join(', ')})`;
  }
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length) return `column ${JSON.stringify(repeated[0])} appears twice in the header`;
  const missing = ['type', 'clinicId', 'eventId'].filter((name) => !names.includes(name));
  if (missing.length) return `the header must have the columns ${missing.join(', ')}`;
  return undefined;
}

function rowToLine(header: string[], cells: string[], line: number): ParsedLine {
  if (cells.length !== header.length) {
    return { kind: 'error', line, message: `has ${cells.length} cells but the header has ${header.length} columns` };
  }
  const event: Record<string, unknown> = {};
  for (let index = 0; index < header.length; index++) {
    const cell = cells[index];
    if (cell === '') continue;
    const name = header[index];
    try {
      event[name] = decodeCell(cell, COLUMN_TYPE.get(name) as CellType);
    } catch (error) {
      return { kind: 'error', line, message: `column ${name}: ${(error as Error).message}` };
    }
  }
  if (event.type === RETRACT_TYPE) {
    if (typeof event.clinicId !== 'string' || typeof event.eventId !== 'string') {
      return { kind: 'error', line, message: 'a retract row needs clinicId and eventId' };
    }
    return { kind: 'retract', line, clinicId: event.clinicId, eventId: event.eventId };
  }
  return { kind: 'event', line, event };
}

function decodeCell(cell: string, type: CellType): unknown {
  switch (type) {
    case 'INT':
      if (!/^\s*-?\d+\s*$/.test(cell)) throw new Error(`${JSON.stringify(cell)} is not a whole number`);
      return Number(cell);
    case 'BOOLEAN': {
      const lower = cell.trim().toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      throw new Error(`${JSON.stringify(cell)} is not true or false`);
    }
    case 'RESULTS':
      return decodeResults(cell);
    default:
      return cell;
  }
}

type CsvRecord = { cells: string[]; line: number } | { error: string; line: number };

/**
 * Splits a character stream into records (RFC 4180: quoted cells may hold commas,
 * doubled quotes and line breaks). `line` is the physical line where the record starts.
 */
export async function* csvRecords(input: AsyncIterable<string | Buffer>): AsyncGenerator<CsvRecord> {
  let cells: string[] = [];
  let cell = '';
  let inQuotes = false;
  let quotedCell = false;
  let afterQuote = false;
  let line = 1;
  let recordLine = 1;
  let first = true;

  const endRecord = function* (): Generator<CsvRecord> {
    cells.push(cell);
    const blank = cells.length === 1 && cells[0] === '' && !quotedCell;
    if (!blank) yield { cells, line: recordLine };
    cells = [];
    cell = '';
    quotedCell = false;
    afterQuote = false;
  };

  for await (const chunk of input) {
    let text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (first) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    for (let index = 0; index < text.length; index++) {
      const char = text[index];
      if (inQuotes) {
        if (char === '"') {
          if (text[index + 1] === '"') {
            cell += '"';
            index += 1;
          } else {
            // Closes the cell, unless it is the first of a doubled quote split across chunks (see afterQuote).
            inQuotes = false;
            afterQuote = true;
          }
        } else {
          if (char === '\n') line += 1;
          cell += char;
        }
        continue;
      }
      if (afterQuote && char === '"') {
        // The doubled quote was split across chunks.
        cell += '"';
        inQuotes = true;
        afterQuote = false;
        continue;
      }
      if (char === ',') {
        cells.push(cell);
        cell = '';
        quotedCell = false;
        afterQuote = false;
      } else if (char === '\n') {
        yield* endRecord();
        line += 1;
        recordLine = line;
      } else if (char === '\r') {
        // CRLF line ends: the \n ends the record.
      } else if (char === '"' && cell === '' && !quotedCell) {
        inQuotes = true;
        quotedCell = true;
      } else {
        afterQuote = false;
        cell += char;
      }
    }
  }
  if (inQuotes) {
    yield { error: 'a quoted cell is never closed (missing ")', line: recordLine };
    return;
  }
  if (cell !== '' || cells.length > 0 || quotedCell) yield* endRecord();
}
