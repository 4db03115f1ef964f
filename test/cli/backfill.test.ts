import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command } from '../../cli/commands/backfill';

describe('backfill command', () => {
  let localDir: string;
  const previous = process.env.IOP_LOCAL_DIR;

  beforeEach(() => {
    localDir = mkdtempSync(join(tmpdir(), 'backfill-cli-'));
    process.env.IOP_LOCAL_DIR = localDir; // no stack.json here: no local stack running
  });

  afterEach(() => {
    if (previous === undefined) delete process.env.IOP_LOCAL_DIR;
    else process.env.IOP_LOCAL_DIR = previous;
    rmSync(localDir, { recursive: true, force: true });
  });

  it('should say how to start the local stack when none is running and no stage is named', async () => {
    await expect(command.run([])).rejects.toThrow(/no local stack is running.*iop-outcomes serve.*--table and --bucket/);
  });

  it('should reject a segment count it cannot scan with', async () => {
    await expect(command.run(['--segments', '0'])).rejects.toThrow(/--segments must be a whole number from 1 to 64, got "0"/);
  });

  it('should need both the table and the bucket of a deployed stage', async () => {
    const saved = process.env.LAKE_BUCKET;
    delete process.env.LAKE_BUCKET;
    try {
      await expect(command.run(['--table', 'events'])).rejects.toThrow(/give both --table and --bucket/);
    } finally {
      if (saved !== undefined) process.env.LAKE_BUCKET = saved;
    }
  });

  it('should refuse a prefix that is not a folder', async () => {
    await expect(command.run(['--prefix', 'lake'])).rejects.toThrow(/--prefix must end with "\/"/);
  });
});
