import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command, readFunderProfiles, writeLocalReport } from '../../cli/commands/report';
import { loadSyntheticCohort } from '../support/report-fixture';
import { createSqlHarness, type SqlHarness } from '../support/sql-harness';

let harness: SqlHarness;
let outDir: string;

beforeAll(async () => {
  harness = await createSqlHarness();
  await loadSyntheticCohort(harness, { seed: 11, clinics: 2, admissions: 150, months: 18, asOf: '2026-06-30' });
  outDir = mkdtempSync(join(tmpdir(), 'report-out-'));
}, 120_000);

afterAll(async () => {
  await harness?.close();
  rmSync(outDir, { recursive: true, force: true });
});

describe('iop-outcomes report', () => {
  it('should validate the sample funder profiles shipped in config/funders.json', () => {
    // Prepare / Act
    const profiles = readFunderProfiles();

    // Assess
    expect(profiles.map((profile) => profile.id)).toEqual(['state-sor-grant', 'county-foundation']);
  });

  it('should write out/<funder>/<period>/ with the PDF, the CSVs, the README and the manifest', async () => {
    // Prepare / Act
    const report = await writeLocalReport({ funderId: 'county-foundation', period: '2026-05', outDir, engine: harness.engine });

    // Assess
    const folder = join(outDir, 'county-foundation', '2026-05');
    expect(report.folder).toBe(folder);
    expect(readFileSync(join(folder, 'report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    for (const table of report.manifest.tables) expect(existsSync(join(folder, 'csv', `${table.id}.csv`))).toBe(true);
    expect(existsSync(join(folder, 'csv', 'README.txt'))).toBe(true);
    expect(JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')).period).toBe('2026-05');
  });

  it('should refuse a period of the wrong kind and an unknown funder with the fix in the message', async () => {
    // Prepare / Act / Assess
    await expect(writeLocalReport({ funderId: 'county-foundation', period: '2026-Q2', outDir, engine: harness.engine })).rejects.toThrow(
      'funder "county-foundation" reports by month; period "2026-Q2" is a quarter',
    );
    await expect(writeLocalReport({ funderId: 'nobody', outDir, engine: harness.engine })).rejects.toThrow('known funder profiles: state-sor-grant, county-foundation');
  });

  it('should name the broken field of a bad profiles file', async () => {
    // Prepare
    const path = join(outDir, 'bad-funders.json');
    writeFileSync(path, JSON.stringify([{ id: 'x', name: 'X', clinics: 'all', periodKind: 'year', schedule: { cron: 'cron(0 7 * * ? *)', timeZone: 'Mars/Base' }, delivery: { channel: 'sns' } }]));

    // Act / Assess
    await expect(command.run(['--funder', 'x', '--profiles', path])).rejects.toThrow(/0\.id: .*; 0\.periodKind: .*; 0\.schedule\.timeZone: must be an IANA time zone/);
  });
});
