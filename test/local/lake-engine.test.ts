import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbEngine, type DuckDbEngine } from '../../lambdas/adapters/duckdb-engine';
import { lakeViewStatements } from '../../lambdas/adapters/lake-tables-duckdb';
import { snapshotLake } from '../../cli/local/lake-engine';
import { enrollment, stored, writeLake } from '../support/lake-fixtures';

describe('the local lake snapshot', () => {
  let dir: string;
  let engine: DuckDbEngine;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lake-engine-'));
  });

  afterEach(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const currentIds = async () =>
    (await engine.runSql('SELECT event_id, version FROM enrollments_current ORDER BY event_id', [])).map((row) => `${row.event_id}@${row.version}`);

  it('should answer exactly as the live views do, and keep answering so after new files land', async () => {
    // Prepare: a correction, a retraction and a duplicate delivery in the lake files
    const first = stored(enrollment({ eventId: 'first' }));
    const corrected = stored(enrollment({ eventId: 'first', version: 2 }));
    const retracted = stored(enrollment({ eventId: 'gone' }));
    writeLake(dir, [
      [
        { kind: 'INSERT', seq: 1, newItem: first },
        { kind: 'INSERT', seq: 2, newItem: retracted },
      ],
      [
        { kind: 'MODIFY', seq: 3, oldItem: first, newItem: corrected },
        { kind: 'REMOVE', seq: 4, oldItem: retracted },
        { kind: 'MODIFY', seq: 3, oldItem: first, newItem: corrected },
      ],
    ]);
    engine = await createDuckDbEngine({ setupStatements: lakeViewStatements(dir) });
    const live = await currentIds();
    const liveEpisodes = await engine.runSql('SELECT * FROM episodes ORDER BY episode_id', []);

    // Act
    await snapshotLake(engine);
    writeLake(dir, [[{ kind: 'INSERT', seq: 5, newItem: stored(enrollment({ eventId: 'late', episodeId: 'E-late' })) }]]);

    // Assess
    expect(live).toEqual(['first@2']);
    expect(await currentIds()).toEqual(live);
    expect(await engine.runSql('SELECT * FROM episodes ORDER BY episode_id', [])).toEqual(liveEpisodes);
  });
});
