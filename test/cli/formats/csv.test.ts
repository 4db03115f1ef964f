import { Readable } from 'node:stream';
import { csvHeader, csvRow, CSV_COLUMNS, decodeResults, readCsv } from '../../../cli/formats/csv';
import type { ParsedLine, WireLine } from '../../../cli/formats/wire-line';
import { cohortLines, toWireLine } from '../../../cli/synthetic/emit';

async function parse(text: string | string[]): Promise<ParsedLine[]> {
  const chunks = Array.isArray(text) ? text : [text];
  const lines: ParsedLine[] = [];
  for await (const line of readCsv(Readable.from(chunks.map((chunk) => Buffer.from(chunk, 'utf8'))))) lines.push(line);
  return lines;
}

const header = 'type,eventId,clinicId,clientId,episodeId,programId,sessionDate,status,attendedMinutes';

describe('CSV export format', () => {
  it('should round-trip generated events and retractions, results cells included', async () => {
    // Prepare
    const wire: WireLine[] = [];
    for (const line of cohortLines({ seed: 11, clinics: 2, admissions: 40, months: 6, asOf: '2026-06-30', clean: false })) {
      wire.push(toWireLine(line));
    }
    const text = [csvHeader(), ...wire.map(csvRow)].join('\n') + '\n';

    // Act
    const parsed = await parse(text);

    // Assess
    expect(parsed.filter((line) => line.kind === 'error')).toEqual([]);
    expect(parsed.map(({ line: _line, ...rest }) => rest)).toEqual(wire);
    expect(wire.some((line) => line.kind === 'retract')).toBe(true);
    expect(wire.some((line) => line.kind === 'event' && Array.isArray(line.event.results) && (line.event.results as { prescribed?: boolean }[]).some((entry) => entry.prescribed))).toBe(true);
  });

  it('should encode drug test results as substance:result[:prescribed] joined by semicolons', () => {
    // Prepare
    const event = {
      type: 'drug_test',
      eventId: 'a-1',
      results: [
        { substance: 'opioids', result: 'negative' },
        { substance: 'buprenorphine', result: 'positive', prescribed: true },
      ],
    };

    // Act
    const row = csvRow({ kind: 'event', event });

    // Assess
    const resultsIndex = CSV_COLUMNS.findIndex((column) => column.name === 'results');
    expect(row.split(',')[resultsIndex]).toBe('opioids:negative;buprenorphine:positive:prescribed');
    expect(decodeResults(' opioids : negative ; buprenorphine:positive:prescribed ;')).toEqual(event.results);
  });

  it('should read quoted cells with commas, doubled quotes and line breaks, keeping later line numbers right', async () => {
    // Prepare
    const text = `${header}\r\nattendance,e-1,c1,C-1,E1,"day, evening","2026-01-05",attended,60\r\nattendance,"e-""2""",c1,C-1,E1,"two\nlines",2026-01-06,no_show,0\r\nattendance,e-3,c1,C-1,E1,p,2026-01-07,attended,x\r\n`;

    // Act
    const parsed = await parse(text);

    // Assess
    expect(parsed[0]).toMatchObject({ kind: 'event', line: 2, event: { programId: 'day, evening', sessionDate: '2026-01-05', attendedMinutes: 60 } });
    expect(parsed[1]).toMatchObject({ kind: 'event', line: 3, event: { eventId: 'e-"2"', programId: 'two\nlines', attendedMinutes: 0 } });
    expect(parsed[2]).toEqual({ kind: 'error', line: 5, message: 'column attendedMinutes: "x" is not a whole number' });
  });

  it('should give the same records when the stream is cut into one-character chunks', async () => {
    // Prepare
    const text = `\uFEFF${header}\nattendance,"e-""q""",c1,C-1,E1,"a,b",2026-01-05,attended,60\n`;

    // Act
    const whole = await parse(text);
    const pieces = await parse([...text]);

    // Assess
    expect(pieces).toEqual(whole);
    expect(whole[0]).toMatchObject({ event: { type: 'attendance', eventId: 'e-"q"', programId: 'a,b' } });
  });

  it('should report bad rows with their line numbers and carry on', async () => {
    // Prepare
    const text = [
      'type,eventId,clinicId,random,results',
      'drug_test,t-1,c1,maybe,',
      'drug_test,t-2,c1,true',
      'drug_test,t-3,c1,true,opioids',
      '',
      'retract,,c1,,',
      'retract,t-4,c1,,',
      'drug_test,t-5,c1,false,"opioids:negative"',
      'drug_test,t-6,c1,true,"unclosed',
    ].join('\n');

    // Act
    const parsed = await parse(text);

    // Assess
    expect(parsed).toEqual([
      { kind: 'error', line: 2, message: 'column random: "maybe" is not true or false' },
      { kind: 'error', line: 3, message: 'has 4 cells but the header has 5 columns' },
      { kind: 'error', line: 4, message: 'column results: results entry 1 "opioids" must be substance:result or substance:result:prescribed' },
      { kind: 'error', line: 6, message: 'a retract row needs clinicId and eventId' },
      { kind: 'retract', line: 7, clinicId: 'c1', eventId: 't-4' },
      { kind: 'event', line: 8, event: { type: 'drug_test', eventId: 't-5', clinicId: 'c1', random: false, results: [{ substance: 'opioids', result: 'negative' }] } },
      { kind: 'error', line: 9, message: 'a quoted cell is never closed (missing ")' },
    ]);
  });

  it('should refuse a header with a column that is not a contract field, so a name column is never sent', async () => {
    // Prepare
    const text = 'type,eventId,clinicId,clientName\nenrollment,e1,c1,Jane Doe\n';

    // Act
    const parsed = await parse(text);

    // Assess
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ kind: 'error', line: 1 });
    expect((parsed[0] as { message: string }).message).toContain('unknown column "clientName"');
  });

  it('should refuse to write an event field that has no column', () => {
    // Prepare
    const event = { type: 'enrollment', eventId: 'e1', note: 'free text' };

    // Act
    const write = () => csvRow({ kind: 'event', event });

    // Assess
    expect(write).toThrow('the event field "note" is not a contract field');
  });
});
