/**
 * After a demo-like run on the local stack (a messy cohort sent through the API, the lake
 * caught up, the dashboard materialised), no raw client id of the cohort may be anywhere:
 * not in the events table, not in any lake Parquet file (decoded), not in the metrics
 * JSON or any other object of the bucket, not in anything the handlers printed, and not
 * in the bytes of any file the local stack keeps. The scanner is proven on planted ids first.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestFile, type IngestSummary } from '../../cli/ingest-client';
import { cohortClinicIds, cohortLines, writeCohort } from '../../cli/synthetic/emit';
import { lakeTable } from '../../lambdas/core/lake-columns';
import { decodeLakeParquet, encodeLakeParquet } from '../../lambdas/core/parquet';
import { type E2eStack, scanEventsTable, startE2eStack } from '../support/e2e-local-stack';

const AS_OF = new Date().toISOString().slice(0, 10);
const COHORT = { seed: 4242, clinics: 3, admissions: 120, months: 12, asOf: AS_OF, clean: false } as const;

/** The generator's client ids look like C-1234567; every such run of text is checked against the cohort's ids. */
const CLIENT_ID_SHAPE = /C-\d{6,}/g;

function rawIdsIn(text: string, rawIds: ReadonlySet<string>): string[] {
  return [...new Set(text.match(CLIENT_ID_SHAPE) ?? [])].filter((candidate) => rawIds.has(candidate));
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('no raw client identifiers after a demo run', () => {
  let e2e: E2eStack;
  let cohortDir: string;
  let rawIds: Set<string>;
  let ingest: IngestSummary;

  beforeAll(async () => {
    // Prepare: the cohort file lives outside the stack's folder (it is the clinic's export, with raw ids)
    cohortDir = mkdtempSync(join(tmpdir(), 'e2e-no-ids-cohort-'));
    const cohortFile = join(cohortDir, 'cohort.ndjson');
    await writeCohort(COHORT, cohortFile);
    rawIds = new Set([...cohortLines(COHORT)].flatMap((line) => (line.kind === 'event' && typeof line.event.clientId === 'string' ? [line.event.clientId] : [])));

    // Act: what `npm start` does
    e2e = await startE2eStack(cohortClinicIds(COHORT.seed, COHORT.clinics), 'no-ids');
    ingest = await ingestFile(cohortFile, { apiUrl: e2e.stack.apiUrl, credentials: e2e.stack.secrets.credentials });
    await e2e.stack.lakeCaughtUp(120_000);
    await e2e.refreshDashboard(AS_OF);
  }, 600_000);

  afterAll(async () => {
    await e2e?.stop();
    if (cohortDir) rmSync(cohortDir, { recursive: true, force: true });
  });

  it('should find a planted raw id in a control string, a control Parquet file and control bytes', async () => {
    // Prepare
    const planted = [...rawIds][7];
    const row = { change_kind: 'INSERT', change_seq: '1', change_time: new Date(), received_at: new Date(), event_id: 'e1', version: 1, clinic_id: 'c1', client_key: planted, episode_id: 'E1', admission_date: new Date('2026-01-05T00:00:00Z'), program_id: 'p', level_of_care: '2.1', primary_substance: 'alcohol', referral_source: null, birth_year: null, sex: null };
    const parquet = encodeLakeParquet(lakeTable('enrollments'), [row]);

    // Act
    const inString = rawIdsIn(`{"note":"x${planted}y"}`, rawIds);
    const inParquet = rawIdsIn(JSON.stringify(await decodeLakeParquet(parquet)), rawIds);
    const inBytes = rawIdsIn(Buffer.concat([Buffer.from([0, 255, 7]), Buffer.from(planted, 'latin1'), Buffer.from([0])]).toString('latin1'), rawIds);

    // Assess
    expect(rawIds.size).toBeGreaterThan(80);
    expect(inString).toEqual([planted]);
    expect(inParquet).toEqual([planted]);
    expect(inBytes).toEqual([planted]);
  });

  it('should hold no raw id in the events table', async () => {
    // Act
    const items = await scanEventsTable(e2e.stack);

    // Assess
    expect(items.length).toBeGreaterThan(4000);
    expect(items.every((item) => typeof item.clientKey === 'string' && !('clientId' in item))).toBe(true);
    expect(rawIdsIn(JSON.stringify(items), rawIds)).toEqual([]);
  });

  it('should hold no raw id in any lake Parquet file, decoded', async () => {
    // Prepare
    const { localObjectStore } = await import('../../cli/local/lake-engine');
    const store = localObjectStore(e2e.stack);
    const found: string[] = [];
    let rows = 0;
    try {
      const files = (await store.list('lake/')).filter((object) => object.key.endsWith('.parquet'));

      // Act
      for (const file of files) {
        const decoded = await decodeLakeParquet((await store.get(file.key))!);
        rows += decoded.length;
        found.push(...rawIdsIn(JSON.stringify(decoded), rawIds));
      }

      // Assess
      expect(files.length).toBeGreaterThan(5);
    } finally {
      store.close();
    }
    expect(rows).toBeGreaterThanOrEqual(ingest.accepted);
    expect(found).toEqual([]);
  });

  it('should hold no raw id in the materialised metrics or any other object of the bucket', async () => {
    // Prepare
    const { localObjectStore } = await import('../../cli/local/lake-engine');
    const store = localObjectStore(e2e.stack);
    const found: string[] = [];
    let metricDocuments = 0;
    try {
      const objects = (await store.list('')).filter((object) => !object.key.endsWith('.parquet'));

      // Act
      for (const object of objects) {
        if (object.key.startsWith('metrics/')) metricDocuments += 1;
        found.push(...rawIdsIn(Buffer.from((await store.get(object.key))!).toString('utf8'), rawIds));
      }
    } finally {
      store.close();
    }

    // Assess
    expect(metricDocuments).toBeGreaterThan(5);
    expect(found).toEqual([]);
  });

  it('should find no raw id in anything the handlers and the stack printed', () => {
    // Assess: the API answered every event (some rejected, naming fields), and logged about it
    const logged = e2e.logged();
    expect(ingest.rejected).toBeGreaterThanOrEqual(6);
    expect(logged).toContain('batch ingested');
    expect(rawIdsIn(logged, rawIds)).toEqual([]);
  });

  it('should find no raw id in the bytes of any file the local stack keeps', () => {
    // Prepare: DynamoDB Local's database, the S3 server's objects, the mirror, DLQ, keys…
    const files = filesUnder(e2e.localDir);

    // Act
    const found = files.flatMap((file) => rawIdsIn(readFileSync(file).toString('latin1'), rawIds).map((id) => `${file}: ${id}`));

    // Assess
    expect(files.length).toBeGreaterThan(20);
    expect(found).toEqual([]);
  });
});
