import { Readable } from 'node:stream';
import { ndjsonLine, readNdjson } from '../../../cli/formats/ndjson';
import type { ParsedLine } from '../../../cli/formats/wire-line';
import { formatOfPath } from '../../../cli/formats/wire-line';

async function parse(text: string): Promise<ParsedLine[]> {
  const lines: ParsedLine[] = [];
  for await (const line of readNdjson(Readable.from([Buffer.from(text)]))) lines.push(line);
  return lines;
}

describe('NDJSON export format', () => {
  it('should write an event as one JSON line and a retraction as a retract object', () => {
    // Prepare
    const event = { type: 'discharge', eventId: 'c1-E1-dis', clinicId: 'c1' };

    // Act
    const lines = [ndjsonLine({ kind: 'event', event }), ndjsonLine({ kind: 'retract', clinicId: 'c1', eventId: 'c1-E1-att-3' })];

    // Assess
    expect(lines).toEqual([JSON.stringify(event), '{"retract":{"clinicId":"c1","eventId":"c1-E1-att-3"}}']);
  });

  it('should read events and retractions and report bad lines with their numbers, skipping blank lines', async () => {
    // Prepare
    const text = [
      '{"type":"goal","eventId":"g1","clinicId":"c1"}',
      '',
      '{"type":"goal", oops}',
      '[1,2]',
      '{"retract":{"clinicId":"c1","eventId":"g1"}}',
      '{"retract":{"clinicId":"c1"}}',
      '   ',
      'null',
    ].join('\r\n');

    // Act
    const parsed = await parse(text);

    // Assess
    expect(parsed.map((line) => [line.kind, line.line])).toEqual([
      ['event', 1],
      ['error', 3],
      ['error', 4],
      ['retract', 5],
      ['error', 6],
      ['error', 8],
    ]);
    expect(parsed[1]).toMatchObject({ message: expect.stringContaining('not valid JSON') });
    expect(parsed[2]).toMatchObject({ message: expect.stringContaining('not an array') });
    expect(parsed[4]).toMatchObject({ message: expect.stringContaining('{"retract": {"clinicId"') });
  });

  it('should tell formats from file extensions', () => {
    // Prepare
    const paths = ['a.csv', 'b.NDJSON', 'c.jsonl', 'd.txt', 'e.json'];

    // Act
    const formats = paths.map(formatOfPath);

    // Assess
    expect(formats).toEqual(['csv', 'ndjson', 'ndjson', undefined, undefined]);
  });
});
