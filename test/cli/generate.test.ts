import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command as generate } from '../../cli/commands/generate';

describe('generate command', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'iop-generate-cli-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('should write the format its --out extension names and say what it wrote', async () => {
    // Prepare
    const out = join(workDir, 'cohort.csv');
    const messages: string[] = [];
    const error = jest.spyOn(console, 'error').mockImplementation((text: string) => void messages.push(text));

    // Act
    const code = await generate.run(['--seed', '8', '--clinics', '2', '--clients', '30', '--months', '4', '--as-of', '2026-05-31', '--out', out]);
    error.mockRestore();

    // Assess
    expect(code ?? 0).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0].startsWith('type,eventId,version,clinicId,clientId,episodeId')).toBe(true);
    expect(messages.join('\n')).toMatch(/generated 30 episodes at 2 clinics: [\d,]+ events and \d+ retractions \(csv, seed 8, as of 2026-05-31\)/);
  });

  it('should refuse bad options with exit code 2 and a message naming the option', async () => {
    // Prepare
    const attempts = [
      ['--clients', 'many'],
      ['--format', 'xml'],
      ['--as-of', '2026-02-30'],
      ['--clinics', '0'],
    ];

    // Act
    const failures = await Promise.all(
      attempts.map((argv) => generate.run([...argv, '--out', join(workDir, 'never.ndjson')]).catch((failure: { exitCode: number; message: string }) => failure)),
    );

    // Assess
    expect(failures).toEqual([
      expect.objectContaining({ exitCode: 2, message: '--clients must be a whole number, got "many"' }),
      expect.objectContaining({ exitCode: 2, message: '--format must be ndjson or csv, got "xml"' }),
      expect.objectContaining({ exitCode: 2, message: expect.stringContaining('"2026-02-30" is not a calendar date') }),
      expect.objectContaining({ exitCode: 2, message: expect.stringContaining('clinics must be a whole number from 1 to 200') }),
    ]);
  });
});
