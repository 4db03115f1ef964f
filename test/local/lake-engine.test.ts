import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbEngine, type DuckDbEngine, MATERIALISED_INPUTS } from '../../lambdas/adapters/duckdb-engine';
import { lakeViewStatements } from '../../lambdas/adapters/lake-tables-duckdb';
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
    await engine.prepare();
    writeLake(dir, [[{ kind: 'INSERT', seq: 5, newItem: stored(enrollment({ eventId: 'late', episodeId: 'E-late' })) }]]);

    // Assess
    expect(live).toEqual(['first@2']);
    expect(await currentIds()).toEqual(live);
    expect(await engine.runSql('SELECT * FROM episodes ORDER BY episode_id', [])).toEqual(liveEpisodes);
  });

  it('should compute every input once into a table, and only once per session', async () => {
    // Prepare
    writeLake(dir, [[{ kind: 'INSERT', seq: 1, newItem: stored(enrollment({ eventId: 'first' })) }]]);
    engine = await createDuckDbEngine({ setupStatements: lakeViewStatements(dir) });
    const tables = async () =>
      (await engine.runSql("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'refresh_input_%' ORDER BY table_name", [])).map((row) => row.table_name);

    // Act
    await engine.prepare();
    const afterFirst = await tables();
    await engine.exec("INSERT INTO refresh_input_episodes SELECT * REPLACE ('E-marker' AS episode_id) FROM refresh_input_episodes");
    await engine.prepare();

    // Assess: every lake table, every _current view and episodes; a second prepare keeps the first state
    expect(afterFirst).toEqual(MATERIALISED_INPUTS.map((name) => `refresh_input_${name}`).sort());
    expect((await engine.runSql('SELECT episode_id FROM episodes ORDER BY episode_id', [])).map((row) => row.episode_id)).toEqual(['E-marker', 'ep-1']);
  });
});
